#include "profilegen/recording_diff.h"

#include <algorithm>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "common/json.h"

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

std::vector<std::string> difference(const std::set<std::string>& from, const std::set<std::string>& without) {
    std::vector<std::string> names;
    std::set_difference(from.begin(), from.end(), without.begin(), without.end(), std::back_inserter(names));
    return names;
}

const std::set<std::string>& section_of(const Recording& recording, std::string_view section) {
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
    return recording.denied_capabilities;
}

}  // namespace

std::vector<SectionDiff> diff_recordings(const Recording& a, const Recording& b) {
    std::vector<SectionDiff> diffs;
    for (const std::string_view section : k_compared_sections) {
        SectionDiff diff{std::string(section), difference(section_of(b, section), section_of(a, section)),
                         difference(section_of(a, section), section_of(b, section))};
        if (!diff.added.empty() || !diff.removed.empty()) {
            diffs.push_back(std::move(diff));
        }
    }
    return diffs;
}

std::string_view risk_kind_name(RiskKind kind) { return kind == capability ? "capability" : "syscall"; }

std::span<const RiskyPermission> risky_permissions() { return k_risky_permissions; }

const RiskyPermission* find_risky_permission(RiskKind kind, std::string_view name) {
    const auto before = [](const RiskyPermission& entry, const std::pair<RiskKind, std::string_view>& key) {
        return std::pair(entry.kind, entry.name) < key;
    };
    const auto key = std::pair(kind, name);
    const auto* found = std::lower_bound(std::begin(k_risky_permissions), std::end(k_risky_permissions), key, before);
    return found != std::end(k_risky_permissions) && found->kind == kind && found->name == name ? found : nullptr;
}

std::vector<RiskyPermission> risky_additions(const std::vector<SectionDiff>& diffs) {
    std::vector<RiskyPermission> risky;
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
                risky.push_back(*entry);
            }
        }
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

std::string render_risky_text(const std::vector<RiskyPermission>& risky) {
    if (risky.empty()) {
        return "";
    }
    std::string text = "RISKY_ADDITIONS\n";
    for (const RiskyPermission& entry : risky) {
        text += "+" + std::string(risk_kind_name(entry.kind)) + " " + std::string(entry.name) + ": " +
                std::string(entry.reason) + "\n";
    }
    return text;
}

std::string render_diff_json(const std::vector<SectionDiff>& diffs, const std::vector<RiskyPermission>& risky,
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
        for (const RiskyPermission& entry : risky) {
            entries.push_back({{"kind", risk_kind_name(entry.kind)}, {"name", entry.name}, {"reason", entry.reason}});
        }
        document["risky"] = std::move(entries);
    }
    return dump_json(document, 2) + "\n";
}

}  // namespace cradle
