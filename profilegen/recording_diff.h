// What changed between two recordings: the entries (names, argument lines) each section gained
// and lost, and which of the gains are high-risk permissions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profilegen/recording.h"
#include "profilegen/syscall_arguments.h"

namespace cradle {

// The sections diff_recordings compares, in the order it reports them: what the workload is
// allowed (ARCH, CAPABILITIES, SYSCALLS, COMPAT_SYSCALLS, and the argument values its argument
// filters allow, ARGUMENTS) and what it was refused (DENIED_CAPABILITIES). The informational
// sections (probed capabilities, runtime, implied and setup syscalls, counters, reasons) are not
// compared.
inline constexpr std::string_view k_compared_sections[] = {
    "ARCH", "CAPABILITIES", "SYSCALLS", "COMPAT_SYSCALLS", "ARGUMENTS", "DENIED_CAPABILITIES"};

struct SectionDiff {
    std::string section;               // one of k_compared_sections
    std::vector<std::string> added;    // in B, not in A, sorted
    std::vector<std::string> removed;  // in A, not in B, sorted

    bool operator==(const SectionDiff&) const = default;
};

// The sections of k_compared_sections that differ from `a` to `b`, in that order; empty when
// they are equal there. A section's entries are its names, and for ARGUMENTS its lines as a
// tracefile writes them (argument_lines: "socket AF_PACKET", "unshare CLONE_NEWNET", "clone
// none", "clone3 any"): a line is an entry.
std::vector<SectionDiff> diff_recordings(const Recording& a, const Recording& b);

enum class RiskKind { capability, syscall, argument };

// "capability", "syscall" or "argument".
std::string_view risk_kind_name(RiskKind kind);

// A permission a workload rarely needs and an attacker would like: kernel code and modules,
// mounts and namespaces, other processes' memory, raw devices, the host's clock and power.
struct RiskyPermission {
    RiskKind kind;            // capability or syscall
    std::string_view name;    // as in a Recording: "bpf", "sys_admin"
    std::string_view reason;  // one line: why it is risky
};

// The high-risk syscalls and capabilities, sorted by kind (capabilities first) then name, each
// once. Names are libseccomp's and libcap's (without "cap_").
std::span<const RiskyPermission> risky_permissions();

// The entry of risky_permissions() for `name` of `kind`, or nullptr when it is not listed.
const RiskyPermission* find_risky_permission(RiskKind kind, std::string_view name);

// A value of a syscall a profile filters by argument (syscall_arguments.h) that a workload
// rarely needs and an attacker would like: every namespace flag of clone, clone3 and unshare;
// the address families AF_PACKET and AF_VSOCK of socket; and k_argument_any for both kinds, a
// value not kept, which the profile then allows with any argument, the risky ones among them.
struct RiskyArgumentValue {
    ArgumentKind kind;        // family or namespaces; no persona is listed
    std::string_view value;   // as argument_value_text writes it: "AF_PACKET", "CLONE_NEWNET"
    std::string_view reason;  // one line: why it is risky
};

// The risky argument values, sorted by kind then value, each once.
std::span<const RiskyArgumentValue> risky_argument_values();

// The entry of risky_argument_values() for `value` of a syscall of `kind`, or nullptr.
const RiskyArgumentValue* find_risky_argument_value(ArgumentKind kind, std::string_view value);

// A risky permission B newly allows, as `cradle diff --fail-on risky` reports it.
struct RiskyAddition {
    RiskKind kind;
    std::string name;         // "bpf", "sys_admin", or an ARGUMENTS line: "unshare CLONE_NEWNET"
    std::string_view reason;  // the reason of its entry in risky_permissions() or risky_argument_values()

    bool operator==(const RiskyAddition&) const = default;
};

// The risky permissions `b` newly allows over `a`: the names of risky_permissions() among the
// CAPABILITIES and SYSCALLS (or COMPAT_SYSCALLS) diff_recordings(a, b) adds; then the argument
// values of risky_argument_values() b allows and `a` did not, each named by its ARGUMENTS line:
// a line diff_recordings adds, or "syscall any" when b allows the syscall with any argument (a
// value not kept, or made with no ARGUMENTS entry, as a tracefile from before ARGUMENTS) and `a`
// did not. Capabilities first, then syscalls, then argument lines, each in name order and once.
// A syscall's argument values are left out when the syscall is itself reported (unshare newly
// allowed: named once, as a syscall), and when `a` already allowed it with any argument (made,
// through either ABI, with any or with no ARGUMENTS entry). Removals and the other sections
// never count.
std::vector<RiskyAddition> risky_additions(const Recording& a, const Recording& b);

// `diffs` in ctrace's diff format: for each section, its heading, then a "+entry" line for each
// entry added and a "-entry" line for each entry removed, sorted; a blank line between sections.
// Empty for no differences.
std::string render_diff_text(const std::vector<SectionDiff>& diffs);

// The lines that name each risky addition with its reason, after a heading:
//     RISKY_ADDITIONS
//     +syscall bpf: <reason>
//     +argument unshare CLONE_NEWNET: <reason>
// Empty when there are none.
std::string render_risky_text(const std::vector<RiskyAddition>& risky);

// `diffs` as a JSON object indented by 2: every section of k_compared_sections, differing or
// not, as {"added": [...], "removed": [...]}; with `include_risky`, also "risky": [{"kind",
// "name", "reason"}...] for `risky`. Entries come from parsed tracefiles ([a-z0-9_]+ names, and
// ARGUMENTS lines of such a name and argument_value_text's ASCII), so the document is always
// valid UTF-8.
std::string render_diff_json(const std::vector<SectionDiff>& diffs, const std::vector<RiskyAddition>& risky,
                             bool include_risky);

}  // namespace cradle
