// Recording: what one container did (or several, merged), as names.
//
// This is the data a tracefile holds and a seccomp profile is built from. Syscall names are
// libseccomp's ("read"), capability names libcap's without "cap_" and in lower case ("chown"),
// architectures Cradle's ("x86_64"); see profilegen/syscall_table.h and profilegen/capability_table.h.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cradle {

// The values one of the syscalls a profile filters by argument was made with (ARGUMENTS; see
// profilegen/syscall_arguments.h).
struct ArgumentValues {
    // socket: the address families; personality: the personas; clone, clone3 and unshare: the
    // namespace flags, one flag a value (none: made without one).
    std::set<std::uint64_t> values;
    // A value was not kept: the syscall counts as made with any.
    bool any = false;

    bool operator==(const ArgumentValues&) const = default;
};

struct Recording {
    // ARCH: "x86_64", plus "x86" when compat syscalls were seen. A syscall name in `syscalls`
    // is allowed on every listed architecture that has it.
    std::set<std::string> architectures;
    // CAPABILITIES: granted, audited checks made by the workload.
    std::set<std::string> capabilities;
    // SYSCALLS: the allow-list, i.e. the workload's syscalls plus runtime_syscalls.
    std::set<std::string> syscalls;
    // DENIED_CAPABILITIES: audited checks the workload needed but was refused (a finding).
    std::set<std::string> denied_capabilities;
    // PROBED_CAPABILITIES: no-audit probes; information, not requirements.
    std::set<std::string> probed_capabilities;
    // RUNTIME_SYSCALLS: what the runtime did after the seccomp filter point and before the
    // workload's exec. Part of `syscalls` too.
    std::set<std::string> runtime_syscalls;
    // IMPLIED_SYSCALLS: part of `syscalls`, added without being seen: what the kernel makes a
    // process call as a consequence of what it did, which one recording catches and the next
    // may not: rt_sigreturn (and x86's sigreturn) once a signal handler was installed, as a
    // signal may or may not arrive; restart_syscall always, as a sleep that a stop and continue
    // interrupts resumes through it.
    std::set<std::string> implied_syscalls;
    // SETUP_SYSCALLS: the runtime's setup before the filter point. Information only, never
    // part of `syscalls`.
    std::set<std::string> setup_syscalls;
    // ARGUMENTS: by syscall name, the values the syscalls a profile filters by argument were
    // made with, after the filter point (runtime window and workload). A syscall of `syscalls`
    // without an entry (a tracefile written before, a value not recorded) is allowed with any.
    std::map<std::string, ArgumentValues> arguments;
    // COUNTERS: named event counts, e.g. "lost_syscalls".
    std::map<std::string, std::uint64_t> counters;
    // INCOMPLETE: why the recording may miss something, one single-line reason each.
    std::vector<std::string> incomplete_reasons;

    // A recording is whole when nothing gave a reason to doubt it.
    bool complete() const { return incomplete_reasons.empty(); }

    bool operator==(const Recording&) const = default;
};

// Adds `from` to `into`: the union of every set, counters summed (saturating at the maximum
// instead of wrapping), and the reasons of `from` appended in order, skipping any already in
// `into`. Argument values are united per syscall, except that a syscall one side made without
// an entry in `arguments` has none in `into` either (made with any value). As in one recording, a capability is in one
// set only: granted before denied before probed (a check granted in one container and refused in another is a
// requirement).
void merge_into(Recording& into, const Recording& from);

// Adds to `syscalls` (and lists in `implied_syscalls`) what the kernel makes a process call
// because of what it did, on each of the recording's architectures that has it: restart_syscall,
// and rt_sigreturn and sigreturn when a signal handler was installed (rt_sigaction, sigaction or
// signal). What the recording saw already is not implied.
void add_implied_syscalls(Recording& recording);

}  // namespace cradle
