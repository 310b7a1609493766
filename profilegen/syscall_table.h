// Syscall and architecture names, resolved by libseccomp.
//
// Cradle names architectures the way libseccomp does ("x86_64", "x86", "x32", "aarch64", "arm",
// ...) and syscalls by their libseccomp names ("read", "_llseek"). Every lookup here goes through
// libseccomp, so the tables follow the installed library instead of a hand-written copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace cradle {

// The architecture names Cradle accepts, sorted. Every one is resolved by libseccomp
// (seccomp_arch_resolve_name); this list only exists because libseccomp cannot turn a token
// back into a name.
const std::vector<std::string>& known_architectures();

// The name of syscall `number` on `arch`, e.g. syscall_name("x86_64", 0) == "read".
// Fails (code EINVAL) for an unknown architecture or a number libseccomp has no name for.
Result<std::string> syscall_name(const std::string& arch, int number);

// The number of syscall `name` on `arch`, e.g. syscall_number("x86_64", "read") == 0.
// Fails (code EINVAL) for an unknown architecture, a name libseccomp does not know, or a name
// that has no number of its own on `arch` (a syscall absent there, or one libseccomp only
// reaches through a multiplexer such as socketcall on x86).
Result<int> syscall_number(const std::string& arch, const std::string& name);

// Whether a process on `arch` can make syscall `name`, directly or through a multiplexer
// (socketcall, ipc): "socket" on "x86" is available, "_llseek" on "x86_64" is not.
// Fails (code EINVAL) for an unknown architecture or a name libseccomp does not know on any
// architecture.
Result<bool> syscall_available(const std::string& arch, const std::string& name);

// Whether `name` is a syscall on at least one of `architectures` (names as above); an unknown
// architecture counts as not having it.
template <typename Architectures>
bool syscall_available_anywhere(const std::string& name, const Architectures& architectures) {
    for (const std::string& arch : architectures) {
        if (auto available = syscall_available(arch, name); available && *available) {
            return true;
        }
    }
    return false;
}

// The architecture this program runs as (seccomp_arch_native()), e.g. "x86_64". Returns ""
// only if libseccomp's native architecture is missing from known_architectures().
std::string native_arch();

// The 32-bit architecture a 64-bit `native` one also runs: "x86" for "x86_64", "arm" for
// "aarch64"; nullopt for every other architecture.
std::optional<std::string> compat_arch(const std::string& native);

// The spelling of the libseccomp constant used in OCI/Docker profiles:
// "x86_64" -> "SCMP_ARCH_X86_64". Fails (code EINVAL) for an unknown architecture.
Result<std::string> seccomp_arch_constant(const std::string& arch);

// The reverse of seccomp_arch_constant: "SCMP_ARCH_AARCH64" -> "aarch64".
// Fails (code EINVAL) for anything that is not the constant of a known architecture.
Result<std::string> arch_from_seccomp_constant(const std::string& constant);

// The libseccomp token (SCMP_ARCH_*) of `arch`. Fails (code EINVAL) for an unknown architecture.
Result<std::uint32_t> seccomp_arch_token(const std::string& arch);

}  // namespace cradle
