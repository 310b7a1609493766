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

#include "common/container_runtime.h"

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
    // ARCH: "x86_64", plus "x86" when compat syscalls were seen: the native architecture, and the
    // compat one (compat_architectures) when `compat_syscalls` has entries.
    std::set<std::string> architectures;
    // CAPABILITIES: granted, audited checks made by the workload.
    std::set<std::string> capabilities;
    // SYSCALLS: the native ABI's allow-list, i.e. the workload's syscalls plus runtime_syscalls,
    // named from the native architecture's table.
    std::set<std::string> syscalls;
    // COMPAT_SYSCALLS: the compat ABI's allow-list (e.g. an i386 program on x86_64), named from
    // the compat architecture's table; empty when no compat syscall was made. A recording that
    // lists a compat architecture but has no compat syscalls is from before per-ABI sets: see
    // split_single_allow_list.
    std::set<std::string> compat_syscalls;
    // DENIED_CAPABILITIES: audited checks the workload needed but was refused (a finding).
    std::set<std::string> denied_capabilities;
    // PROBED_CAPABILITIES: no-audit probes; information, not requirements.
    std::set<std::string> probed_capabilities;
    // RUNTIME_SYSCALLS: what the runtime did after the seccomp filter point and before the
    // workload's exec. Part of `syscalls` too (of `compat_syscalls`, for a 32-bit runtime).
    std::set<std::string> runtime_syscalls;
    // IMPLIED_SYSCALLS: part of `syscalls`, added without being seen: what the kernel makes a
    // process call as a consequence of what it did, which one recording catches and the next
    // may not: rt_sigreturn (and x86's sigreturn) once a signal handler was installed, as a
    // signal may or may not arrive; restart_syscall always, as a sleep that a stop and continue
    // interrupts resumes through it.
    std::set<std::string> implied_syscalls;
    // COMPAT_IMPLIED_SYSCALLS: the same for the compat ABI; part of `compat_syscalls`.
    std::set<std::string> compat_implied_syscalls;
    // SETUP_SYSCALLS: the runtime's setup before the filter point. Information only, never
    // part of `syscalls`.
    std::set<std::string> setup_syscalls;
    // ARGUMENTS: by syscall name, the values the syscalls a profile filters by argument were
    // made with, after the filter point (runtime window and workload). A syscall of `syscalls`
    // without an entry (a tracefile written before, a value not recorded) is allowed with any.
    std::map<std::string, ArgumentValues> arguments;
    // RUNTIMES: the runtimes that created the containers recorded, with what drove them, each
    // once; empty when none was known (a tracefile written before, a hook that could not tell).
    std::set<ContainerRuntime> runtimes;
    // COUNTERS: named event counts, e.g. "lost_syscalls".
    std::map<std::string, std::uint64_t> counters;
    // INCOMPLETE: why the recording may miss something, one single-line reason each.
    std::vector<std::string> incomplete_reasons;

    // A recording is whole when nothing gave a reason to doubt it.
    bool complete() const { return incomplete_reasons.empty(); }

    bool operator==(const Recording&) const = default;
};

// Adds `from` to `into`: the union of every set (runtimes too), counters summed (saturating at the maximum
// instead of wrapping), and the reasons of both, each once, sorted: merging the same
// recordings in any order gives the same result. Argument values are united per syscall, except
// that a syscall one side made without an entry in `arguments` has none in `into` either (made
// with any value). As in one recording, a capability is in one set only: granted before denied
// before probed (a check granted in one container and refused in another is a requirement).
void merge_into(Recording& into, const Recording& from);

// Adds to `syscalls` (and lists in `implied_syscalls`) what the kernel makes a process call
// because of what it did, where the native architectures have it: restart_syscall, and
// rt_sigreturn and sigreturn when a signal handler was installed (rt_sigaction, sigaction or
// signal). Likewise for `compat_syscalls` (and `compat_implied_syscalls`) on the compat
// architectures, when it has entries: each ABI by what it did itself. What the recording saw
// already is not implied.
void add_implied_syscalls(Recording& recording);

// The members of `architectures` that are the compat architecture (compat_arch) of another
// member: {"x86"} for {"x86", "x86_64"}; empty for {"x86_64"} and for {"x86"} alone (a 32-bit
// machine's native architecture).
std::set<std::string> compat_architectures(const std::set<std::string>& architectures);

// The other members of `architectures`: where `syscalls` holds.
std::set<std::string> native_architectures(const std::set<std::string>& architectures);

// Every name the recording allows on some architecture: `syscalls` and `compat_syscalls`.
std::set<std::string> allowed_syscalls(const Recording& recording);

// Gives a recording from before per-ABI sets its meaning then. Such a recording (a tracefile of
// an older Cradle, or of ctrace) lists a compat architecture but has no compat_syscalls; its one
// allow-list held on every listed architecture that has each name. So: `compat_syscalls` gets
// the names of `syscalls` that a compat architecture has, and `syscalls` keeps those a native
// architecture has or none has (a name no architecture has stays, for the profile to refuse);
// `implied_syscalls` is split the same way into `compat_implied_syscalls`. Any other recording
// is left as it is.
void split_single_allow_list(Recording& recording);

}  // namespace cradle
