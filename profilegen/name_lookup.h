// Looking up syscalls and capabilities by name or number, as `cradle syscall` and `cradle
// capability` do: what a number in a kernel message or a name in a tracefile stands for.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace cradle {

struct SyscallEntry {
    std::string arch;  // Cradle's architecture name, "x86_64"
    std::string name;  // libseccomp's name, "read"
    int number = 0;    // the number on `arch`, 0

    bool operator==(const SyscallEntry&) const = default;
};

// The syscall `query` names on `arch`: a decimal number ("59"), or a libseccomp name ("execve").
// Fails with EINVAL for an unknown architecture (syscall_table's message), and with ENOENT and
// the message `no syscall named or numbered "<query>" on <arch>` for a query that names no
// syscall there (an unknown name, a number without a name, a name that has no number of its
// own on `arch`, such as "_llseek" on x86_64).
Result<SyscallEntry> look_up_syscall(const std::string& arch, const std::string& query);

// Every syscall libseccomp numbers on `arch`, sorted by number (numbers 0 to 4095; none above
// on the architectures Cradle knows). Fails with EINVAL for an unknown architecture.
Result<std::vector<SyscallEntry>> list_syscalls(const std::string& arch);

struct CapabilityEntry {
    std::string name;  // as Cradle writes it: "sys_admin"
    int number = 0;    // 21

    // The name as the kernel headers, Docker and OCI spell it: "CAP_SYS_ADMIN".
    std::string constant() const;

    bool operator==(const CapabilityEntry&) const = default;
};

// The capability `query` names: a decimal number ("21"), or a name in any of
// capability_number's spellings ("sys_admin", "CAP_SYS_ADMIN"). Fails with ENOENT and the
// message `no capability named or numbered "<query>"` for anything libcap has no capability for.
Result<CapabilityEntry> look_up_capability(const std::string& query);

// Every capability libcap names, sorted by number (0 to capability_count() - 1).
std::vector<CapabilityEntry> list_capabilities();

// Entries as text, one a line: "59 execve", and "21 sys_admin CAP_SYS_ADMIN".
std::string render_syscalls_text(const std::vector<SyscallEntry>& entries);
std::string render_capabilities_text(const std::vector<CapabilityEntry>& entries);

// Entries as a JSON array indented by 2, one object each (keys sorted):
// {"arch": "x86_64", "name": "execve", "number": 59}, and
// {"constant": "CAP_SYS_ADMIN", "name": "sys_admin", "number": 21}.
std::string render_syscalls_json(const std::vector<SyscallEntry>& entries);
std::string render_capabilities_json(const std::vector<CapabilityEntry>& entries);

}  // namespace cradle
