// Running a program to its end with a time limit, its output captured: how `cradle verify` and
// `cradle calibrate` run the OCI runtime.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace cradle {

// How a program ended.
enum class ProcessEnd {
    exited,     // it exited with `status`
    signaled,   // a signal, `status`, killed it
    timed_out,  // it outlived its time and was killed with SIGKILL (`status` is 0)
};

struct ProcessOutcome {
    ProcessEnd end = ProcessEnd::exited;
    int status = 0;           // the exit status, or the signal
    std::string stdout_text;  // what it wrote on stdout, up to the limit
    std::string stderr_text;  // and on stderr
    bool truncated = false;   // a stream wrote more than the limit, whose rest was dropped
    bool operator==(const ProcessOutcome&) const = default;
};

struct ProcessRequest {
    std::vector<std::string> argv;             // argv[0] is the program, an absolute path (not searched)
    std::chrono::milliseconds timeout{60000};  // from the start to the end of its output
    std::size_t max_output = 16 << 20;         // bytes kept of each stream
};

// Runs `request.argv` with stdin on /dev/null, stdout and stderr each into a pipe, the caller's
// environment, and waits until it has exited and both pipes are closed (the program's children
// may hold them), or until the timeout: then the program is killed (SIGKILL; its children are
// not) and reaped, and the outcome says timed_out with what it wrote so far. A program that
// cannot be executed exits 127 with the reason on its stderr, as a shell says. Fails (with the
// errno) only when the pipes or the process cannot be made.
Result<ProcessOutcome> run_process(const ProcessRequest& request);

// "exit status 3", "killed by signal 9 (Killed)", "timed out".
std::string describe_process_end(ProcessEnd end, int status);

}  // namespace cradle
