#include "profilegen/recording.h"

#include <algorithm>
#include <iterator>
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
    into.compat_syscalls.insert(from.compat_syscalls.begin(), from.compat_syscalls.end());
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
    into.compat_implied_syscalls.insert(from.compat_implied_syscalls.begin(), from.compat_implied_syscalls.end());
    into.setup_syscalls.insert(from.setup_syscalls.begin(), from.setup_syscalls.end());
    into.runtimes.insert(from.runtimes.begin(), from.runtimes.end());
    for (const auto& [name, value] : from.counters) {
        auto& total = into.counters[name];
        // A wrapped count would understate losses; saturating keeps "a lot" visible.
        total = value > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                          : total + value;
    }
    // Sorted, so that merging the same recordings in any order gives the same bytes.
    // (A copy first: `from` may be `into`.)
    std::vector<std::string> reasons = from.incomplete_reasons;
    reasons.insert(reasons.end(), into.incomplete_reasons.begin(), into.incomplete_reasons.end());
    std::sort(reasons.begin(), reasons.end());
    reasons.erase(std::unique(reasons.begin(), reasons.end()), reasons.end());
    into.incomplete_reasons = std::move(reasons);
}

namespace {

// add_implied_syscalls for one ABI: `syscalls` made on `architectures`, `implied` its list.
void add_implied(std::set<std::string>& syscalls, std::set<std::string>& implied,
                 const std::set<std::string>& architectures) {
    const bool handles_signals =
        syscalls.contains("rt_sigaction") || syscalls.contains("sigaction") || syscalls.contains("signal");
    std::vector<std::string> names = {"restart_syscall"};
    if (handles_signals) {
        names.insert(names.end(), {"rt_sigreturn", "sigreturn"});
    }
    for (const std::string& name : names) {
        if (!syscalls.contains(name) && syscall_available_anywhere(name, architectures)) {
            implied.insert(name);
        }
    }
    syscalls.insert(implied.begin(), implied.end());
}

// split_single_allow_list for one pair of sets.
void split_names(std::set<std::string>& native, std::set<std::string>& compat, const std::set<std::string>& natives,
                 const std::set<std::string>& compats) {
    for (auto name = native.begin(); name != native.end();) {
        const bool on_compat = syscall_available_anywhere(*name, compats);
        if (on_compat) {
            compat.insert(*name);
        }
        if (on_compat && !syscall_available_anywhere(*name, natives)) {
            name = native.erase(name);
        } else {
            ++name;
        }
    }
}

}  // namespace

void add_implied_syscalls(Recording& recording) {
    add_implied(recording.syscalls, recording.implied_syscalls, native_architectures(recording.architectures));
    // A compat ABI that made nothing is not listed, and nothing is implied for it.
    if (!recording.compat_syscalls.empty()) {
        add_implied(recording.compat_syscalls, recording.compat_implied_syscalls,
                    compat_architectures(recording.architectures));
    }
}

std::set<std::string> compat_architectures(const std::set<std::string>& architectures) {
    std::set<std::string> compat;
    for (const std::string& arch : architectures) {
        if (auto other = compat_arch(arch); other && architectures.contains(*other)) {
            compat.insert(*other);
        }
    }
    return compat;
}

std::set<std::string> native_architectures(const std::set<std::string>& architectures) {
    const std::set<std::string> compat = compat_architectures(architectures);
    std::set<std::string> native;
    std::set_difference(architectures.begin(), architectures.end(), compat.begin(), compat.end(),
                        std::inserter(native, native.end()));
    return native;
}

std::set<std::string> allowed_syscalls(const Recording& recording) {
    std::set<std::string> allowed = recording.syscalls;
    allowed.insert(recording.compat_syscalls.begin(), recording.compat_syscalls.end());
    return allowed;
}

void split_single_allow_list(Recording& recording) {
    const std::set<std::string> compats = compat_architectures(recording.architectures);
    if (compats.empty() || !recording.compat_syscalls.empty()) {
        return;
    }
    const std::set<std::string> natives = native_architectures(recording.architectures);
    split_names(recording.syscalls, recording.compat_syscalls, natives, compats);
    split_names(recording.implied_syscalls, recording.compat_implied_syscalls, natives, compats);
}

}  // namespace cradle
