// What changed between two recordings: the names each section gained and lost, and which of the
// gains are high-risk permissions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profilegen/recording.h"

namespace cradle {

// The sections diff_recordings compares, in the order it reports them: what the workload is
// allowed (ARCH, CAPABILITIES, SYSCALLS, COMPAT_SYSCALLS) and what it was refused
// (DENIED_CAPABILITIES). The informational sections (probed capabilities, runtime, implied and
// setup syscalls, counters, reasons) are not compared.
inline constexpr std::string_view k_compared_sections[] = {"ARCH", "CAPABILITIES", "SYSCALLS", "COMPAT_SYSCALLS",
                                                           "DENIED_CAPABILITIES"};

struct SectionDiff {
    std::string section;               // one of k_compared_sections
    std::vector<std::string> added;    // in B, not in A, sorted
    std::vector<std::string> removed;  // in A, not in B, sorted

    bool operator==(const SectionDiff&) const = default;
};

// The sections of k_compared_sections that differ from `a` to `b`, in that order; empty when
// they are equal there.
std::vector<SectionDiff> diff_recordings(const Recording& a, const Recording& b);

enum class RiskKind { capability, syscall };

// "capability" or "syscall".
std::string_view risk_kind_name(RiskKind kind);

// A permission a workload rarely needs and an attacker would like: kernel code and modules,
// mounts and namespaces, other processes' memory, raw devices, the host's clock and power.
struct RiskyPermission {
    RiskKind kind;
    std::string_view name;    // as in a Recording: "bpf", "sys_admin"
    std::string_view reason;  // one line: why it is risky
};

// The high-risk syscalls and capabilities, sorted by kind (capabilities first) then name, each
// once. Names are libseccomp's and libcap's (without "cap_").
std::span<const RiskyPermission> risky_permissions();

// The entry of risky_permissions() for `name` of `kind`, or nullptr when it is not listed.
const RiskyPermission* find_risky_permission(RiskKind kind, std::string_view name);

// The risky permissions `diffs` newly allow: the listed names among the CAPABILITIES and
// SYSCALLS (or COMPAT_SYSCALLS) added, capabilities first, each in name order and once. Removals
// and the other sections never count.
std::vector<RiskyPermission> risky_additions(const std::vector<SectionDiff>& diffs);

// `diffs` in ctrace's diff format: for each section, its heading, then a "+name" line for each
// name added and a "-name" line for each name removed, sorted; a blank line between sections.
// Empty for no differences.
std::string render_diff_text(const std::vector<SectionDiff>& diffs);

// The lines that name each risky addition with its reason, after a heading:
//     RISKY_ADDITIONS
//     +syscall bpf: <reason>
// Empty when there are none.
std::string render_risky_text(const std::vector<RiskyPermission>& risky);

// `diffs` as a JSON object indented by 2: every section of k_compared_sections, differing or
// not, as {"added": [...], "removed": [...]}; with `include_risky`, also "risky": [{"kind",
// "name", "reason"}...] for `risky`. Names come from parsed tracefiles ([a-z0-9_]+), so the
// document is always valid UTF-8.
std::string render_diff_json(const std::vector<SectionDiff>& diffs, const std::vector<RiskyPermission>& risky,
                             bool include_risky);

}  // namespace cradle
