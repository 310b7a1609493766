// Fixtures shared by the unit tests: a temporary directory, whole-file helpers, event arguments,
// a deadline helper and a fake collector. They report trouble with doctest's REQUIRE, which ends the
// running test case, so use them only inside a test case.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/event.h"
#include "common/unique_fd.h"

namespace cradle::test {

// A fresh directory under $TMPDIR, removed with everything in it when the TempDir goes out of
// scope. The constructor REQUIREs that the directory can be created and opened.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The directory's absolute path, without a trailing slash.
    const std::string& path() const { return m_path; }
    // An O_DIRECTORY descriptor of the directory, owned by the TempDir and open while it lives.
    int fd() const { return m_fd.get(); }
    // `path() + "/" + name`; `name` may itself hold slashes ("out/merged.json").
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
    UniqueFd m_fd;
};

// The whole content of the file at `path`, byte for byte. REQUIREs that it can be opened.
std::string read_text(const std::string& path);

// Creates or truncates the file at `path` (not its parents) and writes `content` byte for byte.
// REQUIREs that the write succeeds.
void write_text(const std::string& path, const std::string& content);

// The names of the entries of `directory`, without "." and "..", sorted.
std::vector<std::string> entries(const std::string& directory);

// Whether `part` occurs in `text`.
bool contains(const std::string& text, const std::string& part);

// The "names" of the allow rule of the seccomp profile at `path`, which REQUIREs it to come first.
std::vector<std::string> seccomp_names(const std::string& path);

// What `cradle ARGS...` did: run_cli run in-process on `args` (without the program name).
struct CradleRun {
    int status = -1;  // the exit status
    std::string out;  // what it wrote on stdout
    std::string err;  // and on stderr
};
CradleRun run_cradle(const std::vector<std::string>& args);

// An event argument as the reader makes it, for fixtures of events.
EventArgument event_argument(std::string name, ArgumentType type, std::uint64_t raw,
                             std::vector<std::string> strings = {});

// A deadline `time` from now, as the protocol functions take it: `in(5s)`.
std::chrono::steady_clock::time_point in(std::chrono::milliseconds time);

// A collector for one request on the AF_UNIX stream socket `socket_path`, served from a thread
// of its own between construction and finish(). It accepts one connection and reads one line;
// with an `answer` it writes it followed by a newline, without one it holds the connection open
// and silent until finish(). The constructor REQUIREs that it can listen on `socket_path`; the
// socket file is left behind for the caller's TempDir to remove.
class FakeCollector {
public:
    FakeCollector(const std::string& socket_path, std::optional<std::string> answer);
    ~FakeCollector() { finish(); }
    FakeCollector(const FakeCollector&) = delete;
    FakeCollector& operator=(const FakeCollector&) = delete;

    // Stops serving and returns the line the client sent, without its newline (empty when none).
    // Safe to call more than once.
    std::string finish();
    // Stops serving; whether a client connected.
    bool contacted();

private:
    bool wait_readable(int fd) const;
    void serve();

    UniqueFd m_listener;
    std::optional<std::string> m_answer;
    std::atomic<bool> m_stop{false};
    bool m_contacted = false;  // written by the thread, read only after joining it
    std::string m_request;     // likewise
    std::thread m_thread;
};

}  // namespace cradle::test
