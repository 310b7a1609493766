#include "profilegen/recording.h"

#include <algorithm>
#include <limits>

#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

// Before the syscalls are united: a syscall made without recorded values on one side has none
// after.
void merge_arguments(Recording& into, const Recording& from) {
    std::set<std::string> names;
    for (const auto& [name, values] : into.arguments) {
        names.insert(name);
    }
    for (const auto& [name, values] : from.arguments) {
        names.insert(name);
    }
    for (const auto& name : names) {
        const auto theirs = from.arguments.find(name);
        const bool unknown_here = into.syscalls.contains(name) && !into.arguments.contains(name);
        const bool unknown_there = from.syscalls.contains(name) && theirs == from.arguments.end();
        if (unknown_here || unknown_there) {
            into.arguments.erase(name);
            continue;
        }
        if (theirs == from.arguments.end()) {
            continue;
        }
        auto& ours = into.arguments[name];
        ours.values.insert(theirs->second.values.begin(), theirs->second.values.end());
        ours.any = ours.any || theirs->second.any;
    }
}

}  // namespace

void merge_into(Recording& into, const Recording& from) {
    merge_arguments(into, from);
    into.architectures.insert(from.architectures.begin(), from.architectures.end());
    into.capabilities.insert(from.capabilities.begin(), from.capabilities.end());
    into.syscalls.insert(from.syscalls.begin(), from.syscalls.end());
    into.denied_capabilities.insert(from.denied_capabilities.begin(), from.denied_capabilities.end());
    into.probed_capabilities.insert(from.probed_capabilities.begin(), from.probed_capabilities.end());
    // As within one recording: granted beats denied, and an audited check beats a probe.
    for (const auto& capability : into.capabilities) {
        into.denied_capabilities.erase(capability);
        into.probed_capabilities.erase(capability);
    }
    for (const auto& capability : into.denied_capabilities) {
        into.probed_capabilities.erase(capability);
    }
    into.runtime_syscalls.insert(from.runtime_syscalls.begin(), from.runtime_syscalls.end());
    into.implied_syscalls.insert(from.implied_syscalls.begin(), from.implied_syscalls.end());
    into.setup_syscalls.insert(from.setup_syscalls.begin(), from.setup_syscalls.end());
    for (const auto& [name, value] : from.counters) {
        auto& total = into.counters[name];
        // A wrapped count would understate losses; saturating keeps "a lot" visible.
        total = value > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                          : total + value;
    }
    for (const auto& reason : from.incomplete_reasons) {
        if (std::find(into.incomplete_reasons.begin(), into.incomplete_reasons.end(), reason) ==
            into.incomplete_reasons.end()) {
            into.incomplete_reasons.push_back(reason);
        }
    }
}

void add_implied_syscalls(Recording& recording) {
    const bool handles_signals = recording.syscalls.contains("rt_sigaction") ||
                                 recording.syscalls.contains("sigaction") || recording.syscalls.contains("signal");
    std::vector<std::string> implied = {"restart_syscall"};
    if (handles_signals) {
        implied.insert(implied.end(), {"rt_sigreturn", "sigreturn"});
    }
    for (const std::string& name : implied) {
        if (!recording.syscalls.contains(name) && syscall_available_anywhere(name, recording.architectures)) {
            recording.implied_syscalls.insert(name);
        }
    }
    recording.syscalls.insert(recording.implied_syscalls.begin(), recording.implied_syscalls.end());
}

}  // namespace cradle
