// Where kernel functions live, read from /proc/kallsyms: the BPF side tells a capability
// check's caller by the return addresses on the kernel stack.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "cradle_abi.h"

namespace cradle {

// Kernel functions that call cap_capable() (directly or through security_capable()) only
// with CAP_OPT_NOAUDIT: a check they make is a probe, never a requirement. Sorted.
//   cap_vm_enough_memory, inlined into security_vm_enough_memory_mm: the CAP_SYS_ADMIN
//     check behind every accounted private writable mapping (mm/util.c, commoncap.c);
//   has_capability_noaudit, has_ns_capability_noaudit, ns_capable_noaudit
//     (kernel/capability.c), e.g. overlayfs' listxattr and ls -l.
// __ptrace_may_access passes NOAUDIT only for some modes, so it is not listed: its checks
// stay audited, which keeps a probe rather than dropping a requirement.
inline const std::vector<std::string> k_noaudit_callers = {
    "cap_vm_enough_memory", "has_capability_noaudit",       "has_ns_capability_noaudit",
    "ns_capable_noaudit",   "security_vm_enough_memory_mm",
};

// The text range of each of `names` found in `kallsyms` (the /proc/kallsyms format:
// "ffffffff81abcc70 T cap_capable"). A function ends where the next symbol starts. Names
// not in the text are absent from the result; addresses of 0 (an unprivileged reader)
// are an error (EPERM), as is text that holds no symbol at all.
Result<std::map<std::string, cradle_text_range>> find_function_text(std::string_view kallsyms,
                                                                    const std::vector<std::string>& names);

// Reads /proc/kallsyms and calls find_function_text().
Result<std::map<std::string, cradle_text_range>> find_kernel_function_text(const std::vector<std::string>& names);

// Tells a skeleton's kernel side (its rodata, before load: cap_capable_text,
// security_capable_text, noaudit_callers[CRADLE_NOAUDIT_CALLERS]; bpf/capability.bpf.h) where
// cap_capable, security_capable and the no-audit callers are. Returns whether it found at least
// one no-audit caller, without which no check can be told a probe; the rodata is left as it was
// when /proc/kallsyms cannot be read or has no cap_capable (every check's caller is unknown).
// Both the collector's programs and those of `cradle events` classify so.
template <typename Rodata>
bool configure_caller_ranges(Rodata& rodata) {
    std::vector<std::string> names = k_noaudit_callers;
    names.push_back("cap_capable");
    names.push_back("security_capable");
    auto ranges = find_kernel_function_text(names);
    if (!ranges || !ranges->count("cap_capable")) {
        return false;
    }
    rodata.cap_capable_text = ranges->at("cap_capable");
    if (ranges->count("security_capable")) {
        rodata.security_capable_text = ranges->at("security_capable");
    }
    std::size_t next = 0;
    for (const std::string& name : k_noaudit_callers) {
        if (ranges->count(name) && next < CRADLE_NOAUDIT_CALLERS) {
            rodata.noaudit_callers[next++] = ranges->at(name);
        }
    }
    return next > 0;
}

}  // namespace cradle
