// Event: one line of `cradle events`, as the stream reader hands it to the writers.
//
// The reader (cli/event_stream.h) turns the event programs' ring-buffer records into these; the
// argument decoders (cli/event_decode.h) turn each argument's raw value into text; the writers
// (cli/event_format.h) print a table row or a JSON line. Nothing here knows the kernel's record
// layout, so the decoders and writers are tested on synthetic events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cradle {

// What an event is about. A syscall event pairs the entry and the exit of one syscall.
enum class EventKind {
    syscall,       // a syscall, with its return value
    capability,    // a capability check (cap_capable)
    process_exec,  // sched_process_exec: the program the kernel executed
    process_exit,  // sched_process_exit: a process (its last thread) ended
};

// The task an event happened in. Process ids are those the task has in its own pid namespace
// (what `ps` in the container shows); the host's are kept for the reader's own use.
struct EventTask {
    std::uint64_t boot_time_ns = 0;  // when, in nanoseconds since boot (CLOCK_BOOTTIME)
    std::string uts_name;            // the hostname of its uts namespace; runtimes set the container id
    std::uint32_t mnt_ns = 0;        // inode numbers of its mount and pid namespaces
    std::uint32_t pid_ns = 0;
    std::uint32_t uid = 0;  // its real uid as the host sees it
    std::string comm;       // its command name (at most 15 bytes)
    std::int32_t pid = 0;   // tgid, thread id and parent's tgid in its pid namespace
    std::int32_t tid = 0;
    std::int32_t ppid = 0;
    std::int32_t host_pid = 0;  // the same in the host's pid namespace
    std::int32_t host_tid = 0;
    std::uint64_t cgroup_id = 0;  // its cgroup v2 id
};

// How an argument's raw value reads (cli/event_decode.h renders each).
enum class ArgumentType {
    signed_integer,     // decimal
    unsigned_integer,   // decimal
    hex,                // 0x..., addresses and opaque values
    fd,                 // a file descriptor; AT_FDCWD by name
    octal_mode,         // file mode bits, 0644
    user_string,        // a string read from the task's memory (in `strings[0]`)
    user_string_array,  // an argv-like array read from the task's memory (in `strings`)
    kernel_string,      // a string the kernel gave (in `strings[0]`): trustworthy
    open_flags,         // O_RDONLY|O_CLOEXEC
    access_mode,        // F_OK, R_OK|W_OK
    at_flags,           // AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH
    mmap_prot,          // PROT_READ|PROT_EXEC
    mmap_flags,         // MAP_PRIVATE|MAP_ANONYMOUS
    clone_flags,        // CLONE_VM|CLONE_FS|..., with the exit signal as SIGCHLD
    address_family,     // AF_INET
    socket_type,        // SOCK_STREAM|SOCK_CLOEXEC
    sockaddr,           // bytes of a struct sockaddr read from the task's memory (in `bytes`)
    clone_args,         // clone3's struct clone_args read from the task's memory (in `bytes`: its
                        // flags, then its exit_signal, 8 bytes each, as far as its size went)
    socketcall_call,    // i386 socketcall's call: SYS_SOCKET, SYS_CONNECT...
    signal,             // SIGKILL
    prctl_option,       // PR_SET_NO_NEW_PRIVS
    ptrace_request,     // PTRACE_ATTACH
    capability,         // CAP_CHOWN (the raw value is the capability's number)
    boolean,            // true, false
};

struct EventArgument {
    std::string name;  // as the syscall's man page names it: "pathname", "flags"
    ArgumentType type = ArgumentType::hex;
    std::uint64_t raw = 0;             // the register's value (for strings: the pointer)
    std::vector<std::string> strings;  // user_string, user_string_array, kernel_string
    std::vector<std::uint8_t> bytes;   // sockaddr, clone_args: as read from the task's memory
    bool truncated = false;            // the string, array or bytes were cut at the reader's limit
    bool unreadable = false;           // the task's memory could not be read at that pointer
};

struct Event {
    EventKind kind = EventKind::syscall;
    EventTask task;
    std::string name;  // the syscall's name ("openat"), "cap_capable", "sched_process_exec", "sched_process_exit"
    std::int32_t syscall_number = -1;  // syscall events: the number on the task's ABI
    bool compat = false;               // syscall events: made through the 32-bit ABI (`name` is that
                                       // ABI's: stat64, mmap2, socketcall...)
    std::int64_t return_value = 0;     // syscall events: the return value (-errno on failure)
    std::vector<EventArgument> arguments;
    std::string container_id;  // where the collector traces the task's container; else empty
    std::string profile_name;
};

}  // namespace cradle
