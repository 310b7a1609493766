#include "golden_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <cstdint>
#include <utility>

#include "cli/event_schema.h"
#include "test_support.h"

namespace cradle::test {

Recording golden_recording() {
    Recording recording;
    recording.architectures = {"x86_64", "x86"};
    // The runtime's setup before the filter point: information only.
    recording.setup_syscalls = {"mount", "openat", "pivot_root", "sethostname", "umount2"};
    // After the filter point, before the workload's exec.
    recording.runtime_syscalls = {"capset", "close", "execve", "fstat", "prctl", "setgroups"};
    // The workload: a server that drops privileges, listens and forks a worker.
    recording.syscalls = {"accept4",      "bind",   "brk",    "clone",  "close",  "epoll_wait",  "execve",
                          "exit_group",   "fstat",  "listen", "mmap",   "openat", "personality", "read",
                          "rt_sigaction", "setgid", "setuid", "socket", "write"};
    recording.syscalls.insert(recording.runtime_syscalls.begin(), recording.runtime_syscalls.end());
    // A 32-bit helper it runs: the compat ABI's own names (socketcall, _llseek).
    recording.compat_syscalls = {"_llseek", "execve", "exit_group", "read", "socketcall", "write"};
    // rt_sigreturn (after rt_sigaction) and restart_syscall, as the collector adds them.
    add_implied_syscalls(recording);
    recording.arguments = {
        {"socket", {{AF_UNIX, AF_INET, AF_INET6}, false}},
        {"clone", {{}, false}},  // made, never with a namespace flag
        {"personality", {{PER_LINUX, 0xffffffff}, false}},
    };
    recording.capabilities = {"chown", "dac_override", "net_bind_service", "setgid", "setuid"};
    recording.denied_capabilities = {"sys_admin"};
    recording.probed_capabilities = {"sys_resource"};
    recording.counters = {{"lost_syscalls", 0}, {"lost_tasks", 0}};
    recording.runtimes = {{"runc", "/usr/sbin/runc", "containerd-cri"}};
    return recording;
}

std::string golden_header() {
    return "Cradle tracefile for profile \"web\"\nlast container: \"4f2a9c0e7b1d\", registered "
           "2026-11-30T12:00:00Z\ncapability checks observed through tp_btf/cap_capable";
}

TraceEnvironment golden_environment() {
    TraceEnvironment environment;
    environment.kernel_release = "6.18.0-cradle";
    environment.machine = "x86_64";
    environment.attach_points = {{"syscalls", "tp_btf/sys_enter"}, {"capability_checks", "tp_btf/cap_capable"}};
    return environment;
}

Recording golden_changed() {
    Recording recording = golden_recording();
    recording.syscalls.erase("listen");
    recording.syscalls.erase("personality");
    recording.arguments.erase("personality");
    recording.syscalls.insert("unshare");
    recording.arguments["unshare"] = {{CLONE_NEWNET}, false};
    recording.arguments["socket"].values.insert(AF_PACKET);
    recording.capabilities.insert({"kill", "net_raw"});
    return recording;
}

Recording golden_incomplete_replica() {
    Recording recording = golden_recording();
    recording.syscalls.insert("getrandom");
    recording.counters["lost_syscalls"] = 3;
    recording.incomplete_reasons = {"lost 3 syscall events: the ring buffer was full"};
    recording.runtimes = {{"crun", "/usr/bin/crun", "cri-o"}};  // a replica on another node
    return recording;
}

namespace {

// An event of the service's main process (pid 1 in its namespace), `microseconds` after the
// first one.
Event web_event(EventKind kind, std::string name, std::uint64_t microseconds) {
    Event event;
    event.kind = kind;
    event.name = std::move(name);
    event.task.boot_time_ns = 86'400'000000'000ULL + microseconds * 1000 + 123;
    event.task.uts_name = "4f2a9c0e7b1d";
    event.task.mnt_ns = 4026532451;
    event.task.pid_ns = 4026532454;
    event.task.uid = 0;
    event.task.comm = "web";
    event.task.pid = 1;
    event.task.tid = 1;
    event.task.ppid = 0;
    event.task.host_pid = 4242;
    event.task.host_tid = 4242;
    event.container_id = "4f2a9c0e7b1d";
    event.profile_name = k_golden_name;
    return event;
}

}  // namespace

std::vector<Event> golden_events() {
    std::vector<Event> events;

    Event exec = web_event(EventKind::process_exec, std::string(k_exec_event), 0);
    exec.arguments = {event_argument("pathname", ArgumentType::kernel_string, 0, {"/usr/sbin/web"})};
    events.push_back(exec);

    Event openat = web_event(EventKind::syscall, "openat", 1250);
    openat.syscall_number = 257;
    openat.return_value = -2;
    openat.arguments = {event_argument("dirfd", ArgumentType::fd, static_cast<std::uint32_t>(-100)),
                        event_argument("pathname", ArgumentType::user_string, 0x7ffd1000, {"/etc/web/local.conf"}),
                        event_argument("flags", ArgumentType::open_flags, O_RDONLY | O_CLOEXEC),
                        event_argument("mode", ArgumentType::octal_mode, 0)};
    events.push_back(openat);

    Event socket = web_event(EventKind::syscall, "socket", 2000);
    socket.syscall_number = 41;
    socket.return_value = 3;
    socket.arguments = {event_argument("domain", ArgumentType::address_family, AF_INET6),
                        event_argument("type", ArgumentType::socket_type, SOCK_STREAM | SOCK_CLOEXEC),
                        event_argument("protocol", ArgumentType::signed_integer, 0)};
    events.push_back(socket);

    Event clone = web_event(EventKind::syscall, "clone", 2500);
    clone.syscall_number = 56;
    clone.return_value = 2;
    clone.arguments = {
        event_argument("flags", ArgumentType::clone_flags, CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD),
        event_argument("stack", ArgumentType::hex, 0), event_argument("parent_tid", ArgumentType::hex, 0),
        event_argument("child_tid", ArgumentType::hex, 0x7f3a2c000a10), event_argument("tls", ArgumentType::hex, 0)};
    events.push_back(clone);

    // The worker (pid 2) is refused CAP_SYS_ADMIN, which the recording lists as denied.
    Event capability = web_event(EventKind::capability, std::string(k_capability_event), 3000);
    capability.task.pid = 2;
    capability.task.tid = 2;
    capability.task.ppid = 1;
    capability.arguments = {event_argument("cap", ArgumentType::capability, 21),
                            event_argument("granted", ArgumentType::boolean, 0),
                            event_argument("no_audit", ArgumentType::boolean, 0)};
    events.push_back(capability);

    // The 32-bit helper writes through the compat ABI (write is 4 on i386).
    Event compat = web_event(EventKind::syscall, "write", 4000);
    compat.task.comm = "web-helper32";
    compat.task.pid = 3;
    compat.task.tid = 3;
    compat.task.ppid = 1;
    compat.syscall_number = 4;
    compat.compat = true;
    compat.return_value = 12;
    compat.arguments = {event_argument("fd", ArgumentType::fd, 1), event_argument("buf", ArgumentType::hex, 0xffd0c000),
                        event_argument("count", ArgumentType::unsigned_integer, 12)};
    events.push_back(compat);

    Event exit = web_event(EventKind::process_exit, std::string(k_exit_event), 5000);
    exit.arguments = {event_argument("exit_code", ArgumentType::signed_integer, 0),
                      event_argument("signal", ArgumentType::signal, 0)};
    events.push_back(exit);
    return events;
}

}  // namespace cradle::test
