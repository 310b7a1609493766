#include "collector/daemon.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include <cstdarg>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "collector/answer.h"
#include "collector/collector.h"
#include "collector/directory_syncer.h"
#include "collector/request.h"
#include "collector/server.h"
#include "collector/tracer.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "common/safe_file.h"

namespace cradle {

namespace {

constexpr auto k_connection_deadline = std::chrono::milliseconds(1000);
constexpr int k_gone_scan_seconds = 1;
constexpr auto k_gone_scan_budget = std::chrono::milliseconds(200);

// The kernel side's news of removed cgroups (gone_cgroups). What an event says is in the maps
// already (CRADLE_RECORD_CGROUP_REMOVED): any event only wakes the scan.
struct RingBufferFree {
    void operator()(ring_buffer* buffer) const { ring_buffer__free(buffer); }
};
using GoneEvents = std::unique_ptr<ring_buffer, RingBufferFree>;

int ignore_event(void*, void*, size_t) { return 0; }

int forward_libbpf_message(libbpf_print_level level, const char* format, va_list arguments) {
    char message[1024];
    vsnprintf(message, sizeof(message), format, arguments);
    std::string text = message;
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    // Failed loads are expected while probing attach points, so warnings are debug too;
    // the collector reports the outcome itself.
    spdlog::debug("libbpf{}: {}", level == LIBBPF_WARN ? " warning" : "", text);
    return 0;
}

// Logs a flush, and has the renames it made made durable (off the request path).
void report_flush(const FlushOutcome& outcome, DirectorySyncer& syncer) {
    if (outcome.never_started) {
        spdlog::info("container \"{}\" never started its workload: nothing to write into \"{}\"{}",
                     printable_value(outcome.id), outcome.name,
                     outcome.forgotten ? ", and forgot it (its cgroup is gone)" : "");
        return;
    }
    if (outcome.files.empty()) {
        spdlog::info("flush of container \"{}\": not traced (already flushed)", printable_value(outcome.id));
        return;
    }
    syncer.request();
    spdlog::info("flushed container \"{}\" into \"{}\"{}", printable_value(outcome.id), outcome.name,
                 outcome.forgotten ? ", and forgot it (its cgroup is gone)" : "");
    for (const std::string& reason : outcome.incomplete_reasons) {
        spdlog::warn("profile \"{}\" is INCOMPLETE: {}", outcome.name, reason);
    }
}

void log_sync_failures(DirectorySyncer& syncer) {
    for (const Error& failure : syncer.take_failures()) {
        spdlog::error("output directory: {}: the last profiles written may not survive a crash", failure.message);
    }
}

// Acts on one request and returns the answer's text; logs what a person watching cradled
// wants to know.
std::string answer(Collector& collector, DirectorySyncer& syncer, const Request& request) {
    if (const auto* registering = std::get_if<RegisterRequest>(&request)) {
        std::optional<FlushOutcome> replaced;
        auto registration = collector.register_container(*registering, replaced);
        if (replaced) {
            report_flush(*replaced, syncer);
        }
        if (!registration) {
            spdlog::error("register request failed: {}", registration.error().message);
            return answer_failure(registration.error().message);
        }
        if (registration->cgroups_not_traced) {
            spdlog::warn(
                "container \"{}\": {} of its child cgroups could not be traced, the cgroup map is full "
                "(cradled --max-cgroups): its profile will say so",
                printable_value(registration->traced.id), registration->cgroups_not_traced);
        }
        spdlog::info("tracing container \"{}\" as \"{}\" (cgroup {})", printable_value(registration->traced.id),
                     registration->traced.name, registration->traced.cgroup_id);
        return answer_registered(*registration);
    }
    if (const auto* flushing = std::get_if<FlushRequest>(&request)) {
        auto outcome = collector.flush(flushing->id);
        if (!outcome) {
            spdlog::error("flush request failed: {}", outcome.error().message);
            return answer_failure(outcome.error().message);
        }
        report_flush(*outcome, syncer);
        return answer_flushed(*outcome);
    }
    return answer_status(collector.status());
}

void serve_connection(Collector& collector, DirectorySyncer& syncer, int listener) {
    UniqueFd connection(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!connection.valid()) {
        return;
    }
    const Deadline deadline = std::chrono::steady_clock::now() + k_connection_deadline;
    auto uid = peer_uid(connection.get());
    if (!uid || *uid != 0) {
        spdlog::warn("refused a connection from uid {}: only root may talk to the collector", uid ? *uid : -1);
        (void)write_message(connection.get(), answer_failure("only root may talk to the collector"), deadline);
        return;
    }
    auto text = read_message(connection.get(), deadline);
    if (!text) {
        spdlog::warn("dropped a request: {}", text.error().message);
        return;
    }
    auto request = parse_request(*text);
    std::string reply;
    if (request) {
        try {
            reply = answer(collector, syncer, *request);
        } catch (const std::exception& error) {
            // Nothing here throws on input any more; whatever else does (memory), the
            // collector lives on and keeps recording.
            spdlog::error("{} request failed: {}", request_name(*request), error.what());
            reply = answer_failure(std::string("internal error: ") + error.what());
        }
    } else {
        spdlog::error("refused a malformed request: {}", request.error().message);
        reply = answer_failure(request.error().message);
    }
    if (auto written = write_message(connection.get(), reply, deadline); !written) {
        spdlog::warn("could not answer a {} request: {}", request ? request_name(*request) : "malformed",
                     written.error().message);
    }
}

// Flushes containers whose cgroup is gone, for at most k_gone_scan_budget; a failure is
// logged once per container and message, and retried at every scan, since the recording
// stays in the kernel map.
void flush_gone(Collector& collector, DirectorySyncer& syncer, std::map<std::string, std::string>& reported_failures) {
    for (auto& [id, outcome] : collector.collect_gone(std::chrono::steady_clock::now() + k_gone_scan_budget)) {
        if (outcome) {
            report_flush(*outcome, syncer);
            reported_failures.erase(id);
            continue;
        }
        const std::string& message = outcome.error().message;
        if (reported_failures[id] != message) {
            reported_failures[id] = message;
            spdlog::error("{} (will retry)", message);
        }
    }
}

// Logs the kernel side's losses that no container's record counts, once each time they grow.
void report_kernel_errors(const cradle_kernel_errors& now, cradle_kernel_errors& reported) {
    const struct {
        std::uint64_t now;
        std::uint64_t& reported;
        const char* what;
    } counters[] = {
        {now.lost_pending_checks, reported.lost_pending_checks,
         "capability checks went unrecorded: the kprobe fallback could not store them (lost_pending_checks)"},
        {now.lost_joiner_phases, reported.lost_joiner_phases,
         "processes joining a running container had their own phase lost: their setup counts as their "
         "container's (lost_joiner_phases)"},
        {now.lost_inherited_phases, reported.lost_inherited_phases,
         "children of joining processes had their phase lost: their setup counts as their container's "
         "(lost_inherited_phases)"},
    };
    for (const auto& counter : counters) {
        if (counter.now > counter.reported) {
            spdlog::warn("{} {}", counter.now - counter.reported, counter.what);
            counter.reported = counter.now;
        }
    }
}

// The output directory is where root writes files named by pod authors: nobody else may
// plant files in it.
Result<void> check_output_directory(int directory_fd, const std::string& path) {
    struct stat status {};
    if (::fstat(directory_fd, &status) != 0) {
        return system_error("output directory \"" + path + "\"");
    }
    if (status.st_uid != 0 || (status.st_mode & 022) != 0) {
        return Error{EPERM,
                     "output directory \"" + path + "\" must be owned by root and not writable by group or others"};
    }
    return {};
}

// What run_daemon does once the collector exists: loads what is pinned, serves the socket
// and flushes gone containers until a signal (0) or a failure (1).
int serve(Collector& collector, DirectorySyncer& syncer, Tracer& tracer, const Config& config, int signal_fd,
          int timer_fd) {
    if (auto loaded = collector.load(); !loaded) {
        spdlog::error("reading the pinned containers: {}", loaded.error().message);
        return 1;
    }
    auto listener = listen_unix(config.socket_path);
    if (!listener) {
        spdlog::error("{}", listener.error().message);
        return 1;
    }
    spdlog::info("cradled ready: socket \"{}\", profiles in \"{}\", pins in \"{}\", {} containers traced",
                 config.socket_path, config.output_dir, config.pin_dir, collector.status().containers.size());

    GoneEvents gone(ring_buffer__new(tracer.gone_cgroups_fd(), ignore_event, nullptr, nullptr));
    if (!gone) {
        spdlog::error("{}", system_error("reading the gone_cgroups ring buffer").message);
        return 1;
    }

    std::map<std::string, std::string> reported_failures;
    cradle_kernel_errors reported_kernel_errors{};
    flush_gone(collector, syncer, reported_failures);
    for (;;) {
        pollfd fds[] = {{listener->get(), POLLIN, 0},
                        {signal_fd, POLLIN, 0},
                        {timer_fd, POLLIN, 0},
                        {ring_buffer__epoll_fd(gone.get()), POLLIN, 0}};
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            spdlog::error("{}", system_error("waiting for requests").message);
            return 1;
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info{};
            if (::read(signal_fd, &info, sizeof(info)) == sizeof(info) && info.ssi_signo != SIGPIPE) {
                spdlog::info("stopping on signal {}; the pinned programs keep recording the traced containers",
                             info.ssi_signo);
                ::unlink(config.socket_path.c_str());
                return 0;
            }
        }
        // A container's cgroup went away: flush it now, before a poststop hook asks (it then
        // finds the files written) and while the runtime is still busy tearing down; the
        // timer's scan catches what a full buffer or a stopped collector missed.
        bool scan = (fds[3].revents & POLLIN) && ring_buffer__consume(gone.get()) > 0;
        if (fds[2].revents & POLLIN) {
            std::uint64_t expirations = 0;
            (void)::read(timer_fd, &expirations, sizeof(expirations));
            scan = true;
            syncer.retry_failed();
            report_kernel_errors(collector.kernel_errors(), reported_kernel_errors);
        }
        if (scan) {
            flush_gone(collector, syncer, reported_failures);
        }
        if (fds[0].revents & POLLIN) {
            serve_connection(collector, syncer, listener->get());
        }
        log_sync_failures(syncer);
    }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    spdlog::set_level(options.verbose ? spdlog::level::debug : spdlog::level::info);
    libbpf_set_print(forward_libbpf_message);
    const Config& config = options.config;

    if (options.unpin) {
        if (auto removed = remove_pins(config.pin_dir); !removed) {
            spdlog::error("{}", removed.error().message);
            return 1;
        }
        spdlog::info("removed the pins under \"{}\": nothing is traced any more", config.pin_dir);
        return 0;
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGPIPE);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    UniqueFd timer_fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!signal_fd.valid() || !timer_fd.valid()) {
        spdlog::error("{}", system_error("creating the signal and timer fds").message);
        return 1;
    }
    const itimerspec period{{k_gone_scan_seconds, 0}, {k_gone_scan_seconds, 0}};
    timerfd_settime(timer_fd.get(), 0, &period, nullptr);

    auto output_dir = open_output_directory(config.output_dir);
    auto usable =
        output_dir ? check_output_directory(output_dir->get(), config.output_dir) : Result<void>(output_dir.error());
    if (!usable) {
        spdlog::error("{}", usable.error().message);
        return 1;
    }
    auto tracer = Tracer::open(TracerOptions{config.pin_dir, options.max_containers, options.max_cgroups});
    if (!tracer) {
        spdlog::error("loading the BPF programs: {}", tracer.error().message);
        return 1;
    }
    spdlog::info(
        "capability checks observed through {}{}", capability_source_name((*tracer)->capability_source()),
        (*tracer)->capability_source() == CRADLE_CAPS_TP_BTF
            ? ((*tracer)->classifies_probes() ? ", no-audit probes told by their caller"
                                              : ", no-audit callers NOT found in /proc/kallsyms: probes are kept")
            : "");
    if (!(*tracer)->marks_moved_threads()) {
        spdlog::info(
            "this kernel has no task iterator kfuncs (6.7+): of a process moved into a traced cgroup, "
            "only the leader is marked");
    }
    if (!(*tracer)->capability_source_notes().empty()) {
        spdlog::debug("attach points passed over: {}", (*tracer)->capability_source_notes());
    }

    UniqueFd synced_dir(::fcntl(output_dir->get(), F_DUPFD_CLOEXEC, 0));
    if (!synced_dir.valid()) {
        spdlog::error("{}", system_error("output directory \"" + config.output_dir + "\"").message);
        return 1;
    }
    DirectorySyncer syncer(std::move(synced_dir));
    Collector collector(**tracer, std::move(*output_dir), config.output_dir, config.pin_dir);
    const int status = serve(collector, syncer, **tracer, config, signal_fd.get(), timer_fd.get());
    syncer.wait();
    log_sync_failures(syncer);
    return status;
}

}  // namespace cradle
