#include "profilegen/recording_diff.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/json.h"
#include "profilegen/syscall_arguments.h"

namespace cradle {

namespace {

using enum RiskKind;

// Sorted by kind, then name (a unit test checks it). What Docker's default profile and
// capability set already refuse, plus what breaks out of a container when granted.
constexpr RiskyPermission k_risky_permissions[] = {
    {capability, "bpf", "loads BPF programs and creates maps: kernel code, and a reader of kernel memory"},
    {capability, "dac_read_search", "reads any file and opens files by handle (the \"shocker\" escape)"},
    {capability, "mac_admin", "changes the LSM policy (AppArmor, SELinux, Smack) that confines containers"},
    {capability, "mac_override", "overrides the mandatory access control policy"},
    {capability, "net_admin", "reconfigures interfaces, routes and firewall rules of the network namespace"},
    {capability, "net_raw", "opens raw and packet sockets: forged packets, sniffing, ARP and DNS spoofing"},
    {capability, "perfmon", "opens performance monitoring events, which can observe the kernel and other processes"},
    {capability, "setfcap", "sets file capabilities, and maps root in new user namespaces"},
    {capability, "sys_admin", "mounts, namespaces, BPF and many more administrative operations: close to full root"},
    {capability, "sys_boot", "reboots the host and loads a new kernel"},
    {capability, "sys_module", "loads and unloads kernel modules: arbitrary kernel code"},
    {capability, "sys_ptrace", "traces and reads the memory of any process it can see"},
    {capability, "sys_rawio", "raw I/O ports and device memory: direct access to the hardware"},
    {capability, "sys_time", "sets the host's clock, which no namespace isolates"},
    {capability, "syslog", "reads and clears the kernel log, which leaks kernel addresses"},
    {syscall, "add_key", "kernel keyrings: shared kernel state, blocked by Docker's default profile"},
    {syscall, "bpf", "loads BPF programs and creates maps in the kernel"},
    {syscall, "delete_module", "unloads kernel modules"},
    {syscall, "finit_module", "loads kernel modules from a file: arbitrary kernel code"},
    {syscall, "fsconfig", "configures a filesystem for the new mount API"},
    {syscall, "fsmount", "creates a mount with the new mount API"},
    {syscall, "fsopen", "opens a filesystem context for the new mount API"},
    {syscall, "fspick", "reconfigures an existing mount with the new mount API"},
    {syscall, "init_module", "loads kernel modules: arbitrary kernel code"},
    {syscall, "io_uring_setup",
     "io_uring: a large, often exploited kernel surface; Docker's default profile blocks it"},
    {syscall, "ioperm", "accesses I/O ports directly"},
    {syscall, "iopl", "raises the I/O privilege level: every I/O port"},
    {syscall, "kexec_file_load", "loads a new kernel to boot into"},
    {syscall, "kexec_load", "loads a new kernel to boot into"},
    {syscall, "keyctl", "kernel keyrings: shared kernel state, blocked by Docker's default profile"},
    {syscall, "mount", "mounts filesystems, which can expose the host's"},
    {syscall, "mount_setattr", "changes the properties of mounts, read-only among them"},
    {syscall, "move_mount", "moves mounts with the new mount API"},
    {syscall, "name_to_handle_at", "turns paths into file handles, the first half of the \"shocker\" escape"},
    {syscall, "open_by_handle_at", "opens files by handle, around path checks (the \"shocker\" escape)"},
    {syscall, "open_tree", "clones mounts with the new mount API"},
    {syscall, "perf_event_open",
     "performance events: observes the kernel and other processes, a frequent exploit target"},
    {syscall, "pivot_root", "changes the root filesystem"},
    {syscall, "process_vm_readv", "reads another process's memory"},
    {syscall, "process_vm_writev", "writes another process's memory"},
    {syscall, "ptrace", "traces other processes: reads and changes their memory and registers"},
    {syscall, "reboot", "reboots the host, or loads the kexec kernel"},
    {syscall, "request_key", "kernel keyrings: shared kernel state, blocked by Docker's default profile"},
    {syscall, "setns", "joins other namespaces"},
    {syscall, "swapoff", "stops swapping to a file or device"},
    {syscall, "swapon", "starts swapping to a file or device"},
    {syscall, "umount2", "unmounts filesystems, which can uncover what a mount hid"},
    {syscall, "unshare", "creates namespaces: user namespaces open much of the kernel to unprivileged processes"},
    {syscall, "userfaultfd", "handles page faults in user space, used to win kernel races in exploits"},
};

// Sorted by kind, then value (a unit test checks it, and that every namespace flag is here).
// Every namespace flag: a container's workload rarely creates namespaces, and each new one is
// kernel code reached with the capabilities the namespace grants; together with a user
// namespace, that is all of them, to an unprivileged process. Of the address families, only
// those that reach past the container's network isolation: AF_PACKET, and AF_VSOCK, which
// Docker's default profile refuses. Not AF_NETLINK: C libraries open it for ordinary lookups
// (getifaddrs, getaddrinfo with AI_ADDRCONFIG), so it would fail the gate on harmless drift,
// and what it changes (routes, interfaces, firewall rules) needs CAP_NET_ADMIN, which is listed.
constexpr RiskyArgumentValue k_risky_argument_values[] = {
    {ArgumentKind::family, "AF_PACKET",
     "raw link-layer frames: sniffing and spoofing on the interfaces it sees (the host's, with host networking)"},
    {ArgumentKind::family, "AF_VSOCK",
     "talks to the hypervisor host over vsock, past the network's isolation; Docker's default profile refuses it"},
    {ArgumentKind::family, k_argument_any,
     "allowed with any family (a value not kept, or none recorded), AF_PACKET among them"},
    {ArgumentKind::namespaces, "CLONE_NEWCGROUP", "creates a cgroup namespace, a new view of the cgroup tree"},
    {ArgumentKind::namespaces, "CLONE_NEWIPC", "creates an IPC namespace: System V IPC and message queues of its own"},
    {ArgumentKind::namespaces, "CLONE_NEWNET",
     "creates a network namespace, whose netfilter and routing code a user namespace opens to exploits"},
    {ArgumentKind::namespaces, "CLONE_NEWNS",
     "creates a mount namespace, the first step to mounting over the container's files"},
    {ArgumentKind::namespaces, "CLONE_NEWPID", "creates a PID namespace, a process tree apart from the container's"},
    {ArgumentKind::namespaces, "CLONE_NEWTIME", "creates a time namespace: offsets of the monotonic and boot clocks"},
    {ArgumentKind::namespaces, "CLONE_NEWUSER",
     "creates a user namespace: every capability inside it, which opens much of the kernel to an unprivileged process"},
    {ArgumentKind::namespaces, "CLONE_NEWUTS", "creates a UTS namespace: a host and domain name of its own"},
    {ArgumentKind::namespaces, k_argument_any,
     "allowed with any namespace flag (a value not kept, or none recorded), a user namespace among them"},
};

std::vector<std::string> difference(const std::set<std::string>& from, const std::set<std::string>& without) {
    std::vector<std::string> names;
    std::set_difference(from.begin(), from.end(), without.begin(), without.end(), std::back_inserter(names));
    return names;
}

// ARGUMENTS as a set of lines; the other sections are sets of names already.
std::set<std::string> entries_of(const Recording& recording, std::string_view section) {
    if (section == "ARCH") {
        return recording.architectures;
    }
    if (section == "CAPABILITIES") {
        return recording.capabilities;
    }
    if (section == "SYSCALLS") {
        return recording.syscalls;
    }
    if (section == "COMPAT_SYSCALLS") {
        return recording.compat_syscalls;
    }
    if (section == "ARGUMENTS") {
        const std::vector<std::string> lines = argument_lines(recording.arguments);
        return {lines.begin(), lines.end()};
    }
    return recording.denied_capabilities;
}

// The added entries of `section` in `diffs`.
std::vector<std::string> added_to(const std::vector<SectionDiff>& diffs, std::string_view section) {
    for (const SectionDiff& diff : diffs) {
        if (diff.section == section) {
            return diff.added;
        }
    }
    return {};
}

// Whether a profile of `recording` allows `syscall` with any argument: made, and a value not
// kept or none recorded at all (syscall_arguments.h: such a syscall gets no argument filter).
bool allows_any_argument(const Recording& recording, const std::string& syscall) {
    if (!recording.syscalls.contains(syscall) && !recording.compat_syscalls.contains(syscall)) {
        return false;
    }
    const auto values = recording.arguments.find(syscall);
    return values == recording.arguments.end() || values->second.any;
}

}  // namespace

std::vector<SectionDiff> diff_recordings(const Recording& a, const Recording& b) {
    std::vector<SectionDiff> diffs;
    for (const std::string_view section : k_compared_sections) {
        const std::set<std::string> in_a = entries_of(a, section);
        const std::set<std::string> in_b = entries_of(b, section);
        SectionDiff diff{std::string(section), difference(in_b, in_a), difference(in_a, in_b)};
        if (!diff.added.empty() || !diff.removed.empty()) {
            diffs.push_back(std::move(diff));
        }
    }
    return diffs;
}

std::string_view risk_kind_name(RiskKind kind) {
    switch (kind) {
        case capability: return "capability";
        case syscall: return "syscall";
        case argument: break;
    }
    return "argument";
}

std::span<const RiskyPermission> risky_permissions() { return k_risky_permissions; }

const RiskyPermission* find_risky_permission(RiskKind kind, std::string_view name) {
    const auto before = [](const RiskyPermission& entry, const std::pair<RiskKind, std::string_view>& key) {
        return std::pair(entry.kind, entry.name) < key;
    };
    const auto key = std::pair(kind, name);
    const auto* found = std::lower_bound(std::begin(k_risky_permissions), std::end(k_risky_permissions), key, before);
    return found != std::end(k_risky_permissions) && found->kind == kind && found->name == name ? found : nullptr;
}

std::span<const RiskyArgumentValue> risky_argument_values() { return k_risky_argument_values; }

const RiskyArgumentValue* find_risky_argument_value(ArgumentKind kind, std::string_view value) {
    for (const RiskyArgumentValue& entry : k_risky_argument_values) {
        if (entry.kind == kind && entry.value == value) {
            return &entry;
        }
    }
    return nullptr;
}

std::vector<RiskyAddition> risky_additions(const Recording& a, const Recording& b) {
    const std::vector<SectionDiff> diffs = diff_recordings(a, b);
    std::vector<RiskyAddition> risky;
    std::set<std::string> reported_syscalls;
    for (const RiskKind kind : {capability, syscall}) {
        // A syscall newly allowed to either ABI counts, once: a 32-bit ptrace is a ptrace.
        std::set<std::string> added;
        for (const SectionDiff& diff : diffs) {
            const bool counts = kind == capability ? diff.section == "CAPABILITIES"
                                                   : diff.section == "SYSCALLS" || diff.section == "COMPAT_SYSCALLS";
            if (counts) {
                added.insert(diff.added.begin(), diff.added.end());
            }
        }
        for (const std::string& name : added) {
            if (const RiskyPermission* entry = find_risky_permission(kind, name)) {
                risky.push_back({kind, name, entry->reason});
                if (kind == syscall) {
                    reported_syscalls.insert(name);
                }
            }
        }
    }
    // By line, so each is named once and in order: B's "unshare any" line and B's unshare
    // without an entry at all allow the same.
    std::map<std::string, std::string_view> arguments;
    const auto consider = [&](const ArgumentSyscall& syscall, std::string_view value) {
        const std::string name(syscall.name);
        if (reported_syscalls.contains(name) || allows_any_argument(a, name)) {
            return;
        }
        if (const RiskyArgumentValue* entry = find_risky_argument_value(syscall.kind, value)) {
            arguments.emplace(name + " " + std::string(value), entry->reason);
        }
    };
    // ARGUMENTS lines are "syscall value" (argument_lines), one space between.
    for (const std::string& line : added_to(diffs, "ARGUMENTS")) {
        const auto space = line.find(' ');
        if (const ArgumentSyscall* syscall = find_argument_syscall(line.substr(0, space));
            syscall && space != std::string::npos) {
            consider(*syscall, std::string_view(line).substr(space + 1));
        }
    }
    for (const ArgumentSyscall& syscall : argument_syscalls()) {
        if (allows_any_argument(b, std::string(syscall.name))) {
            consider(syscall, k_argument_any);
        }
    }
    for (const auto& [line, reason] : arguments) {
        risky.push_back({argument, line, reason});
    }
    return risky;
}

std::string render_diff_text(const std::vector<SectionDiff>& diffs) {
    std::string text;
    for (const SectionDiff& diff : diffs) {
        if (!text.empty()) {
            text += "\n";
        }
        text += diff.section + "\n";
        for (const std::string& name : diff.added) {
            text += "+" + name + "\n";
        }
        for (const std::string& name : diff.removed) {
            text += "-" + name + "\n";
        }
    }
    return text;
}

std::string render_risky_text(const std::vector<RiskyAddition>& risky) {
    if (risky.empty()) {
        return "";
    }
    std::string text = "RISKY_ADDITIONS\n";
    for (const RiskyAddition& entry : risky) {
        text +=
            "+" + std::string(risk_kind_name(entry.kind)) + " " + entry.name + ": " + std::string(entry.reason) + "\n";
    }
    return text;
}

std::string render_diff_json(const std::vector<SectionDiff>& diffs, const std::vector<RiskyAddition>& risky,
                             bool include_risky) {
    nlohmann::json document = nlohmann::json::object();
    for (const std::string_view section : k_compared_sections) {
        document[std::string(section)] = {{"added", nlohmann::json::array()}, {"removed", nlohmann::json::array()}};
    }
    for (const SectionDiff& diff : diffs) {
        document[diff.section] = {{"added", diff.added}, {"removed", diff.removed}};
    }
    if (include_risky) {
        nlohmann::json entries = nlohmann::json::array();
        for (const RiskyAddition& entry : risky) {
            entries.push_back({{"kind", risk_kind_name(entry.kind)}, {"name", entry.name}, {"reason", entry.reason}});
        }
        document["risky"] = std::move(entries);
    }
    return dump_json(document, 2) + "\n";
}

}  // namespace cradle
