// DirectorySyncer: makes the renames in one directory durable without holding up the caller.
//
// A flush puts its files in place with renames; they survive a crash only once the directory
// is fsynced, which takes milliseconds on a journalling file system. The collector answers
// first (the files are already there for a reader) and asks this class, whose thread runs
// the fsync. Requests that arrive while one runs are served by one more fsync after it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace cradle {

class DirectorySyncer {
public:
    // Owns `directory` (readable, not O_PATH).
    explicit DirectorySyncer(UniqueFd directory);
    // Runs the sync still asked for, then stops the thread.
    ~DirectorySyncer();
    DirectorySyncer(const DirectorySyncer&) = delete;
    DirectorySyncer& operator=(const DirectorySyncer&) = delete;

    // Asks for an fsync of the directory that starts after this call. Never blocks on I/O.
    void request();

    // Asks again when the last fsync failed (the renames it was for are not known to be
    // durable); nothing otherwise. For a periodic caller: a failing disk is retried, not
    // hammered.
    void retry_failed();

    // Returns once every requested fsync has run.
    void wait();

    // The failed fsyncs since the last call, oldest first (for the caller's log).
    std::vector<Error> take_failures();

private:
    void run();

    UniqueFd m_directory;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_requested = false;  // an fsync is due that has not started
    bool m_syncing = false;
    bool m_stopping = false;
    bool m_last_failed = false;  // the last fsync failed, and none has been asked for since
    std::vector<Error> m_failures;
    std::thread m_thread;  // last: starts once the members above exist
};

}  // namespace cradle
