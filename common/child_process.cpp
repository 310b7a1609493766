#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace cradle {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return system_error("creating a pipe");
    }
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(char* const* argv, int stdout_fd, int stderr_fd) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(stderr_fd, 2) < 0) {
        ::_exit(127);
    }
    // The caller may block or ignore signals; the program starts with the defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv);
    const char* reason = std::strerror(errno);
    const char* parts[] = {"cannot execute ", argv[0], ": ", reason, "\n"};
    for (const char* part : parts) {
        (void)!::write(2, part, std::strlen(part));
    }
    ::_exit(127);
}

// Appends what `fd` has to `into` (up to `limit`); false at end of file.
bool drain(int fd, std::string& into, std::size_t limit, bool& truncated) {
    char buffer[65536];
    const ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0) {
        return errno == EINTR || errno == EAGAIN;
    }
    if (got == 0) {
        return false;
    }
    const std::size_t room = limit > into.size() ? limit - into.size() : 0;
    const std::size_t kept = std::min(room, static_cast<std::size_t>(got));
    into.append(buffer, kept);
    truncated = truncated || kept < static_cast<std::size_t>(got);
    return true;
}

}  // namespace

Result<ProcessOutcome> run_process(const ProcessRequest& request) {
    if (request.argv.empty()) {
        return Error{EINVAL, "running a program: no program named"};
    }
    std::vector<char*> argv;
    for (const std::string& argument : request.argv) {
        argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);
    auto out = make_pipe();
    auto err = make_pipe();
    if (!out || !err) {
        return out ? err.error() : out.error();
    }

    const Clock::time_point deadline = Clock::now() + request.timeout;
    const pid_t pid = ::fork();
    if (pid < 0) {
        return system_error("starting \"" + request.argv[0] + "\"");
    }
    if (pid == 0) {
        exec_child(argv.data(), out->write_end.get(), err->write_end.get());
    }
    out->write_end.reset();
    err->write_end.reset();
    // A pidfd tells when the program exits while its children still hold the pipes open.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

    ProcessOutcome outcome;
    bool out_open = true;
    bool err_open = true;
    bool reaped = false;
    int wait_status = 0;
    while (out_open || err_open || !reaped) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd fds[3] = {{out_open ? out->read_end.get() : -1, POLLIN, 0},
                         {err_open ? err->read_end.get() : -1, POLLIN, 0},
                         {!reaped && pidfd.valid() ? pidfd.get() : -1, POLLIN, 0}};
        // Without a pidfd (a kernel before 5.3), look for the exit every 50 ms.
        const int wait_ms = !reaped && !pidfd.valid() ? std::min<long>(left.count(), 50) : left.count();
        if (::poll(fds, 3, static_cast<int>(std::min<long>(wait_ms, 1 << 30))) < 0 && errno != EINTR) {
            break;
        }
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            out_open = drain(out->read_end.get(), outcome.stdout_text, request.max_output, outcome.truncated);
        }
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            err_open = drain(err->read_end.get(), outcome.stderr_text, request.max_output, outcome.truncated);
        }
        if (!reaped && ::waitpid(pid, &wait_status, WNOHANG) == pid) {
            reaped = true;
        }
    }
    if (!reaped) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
        }
        outcome.end = ProcessEnd::timed_out;
        return outcome;
    }
    if (out_open || err_open) {
        // It exited, but a child of its own outlived the deadline holding its output.
        outcome.end = ProcessEnd::timed_out;
        return outcome;
    }
    if (WIFSIGNALED(wait_status)) {
        outcome.end = ProcessEnd::signaled;
        outcome.status = WTERMSIG(wait_status);
    } else {
        outcome.status = WEXITSTATUS(wait_status);
    }
    return outcome;
}

std::string describe_process_end(ProcessEnd end, int status) {
    switch (end) {
        case ProcessEnd::exited: return "exit status " + std::to_string(status);
        case ProcessEnd::signaled:
            return "killed by signal " + std::to_string(status) + " (" + ::strsignal(status) + ")";
        case ProcessEnd::timed_out: break;
    }
    return "timed out";
}

}  // namespace cradle
