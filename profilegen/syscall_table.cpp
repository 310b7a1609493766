#include "profilegen/syscall_table.h"

#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>

namespace cradle {

namespace {

// The spelling of libseccomp's constants is "SCMP_ARCH_" plus the upper-cased name for every
// architecture it supports, so only the prefix is written down here.
constexpr std::string_view k_constant_prefix = "SCMP_ARCH_";

// libseccomp's pseudo numbers for syscalls absent from an architecture start below this value
// (seccomp-syscalls.h, "single syscalls"); the numbers between it and -1 stand for syscalls
// reached through socketcall(2) or ipc(2), which do exist on that architecture.
constexpr int k_absent_syscall_limit = -10000;

Error invalid(std::string message) { return Error{EINVAL, std::move(message)}; }

std::string quoted(const std::string& value) { return "\"" + value + "\""; }

}  // namespace

const std::vector<std::string>& known_architectures() {
    // One name a line keeps the order easy to check; a test checks it anyway.
    // clang-format off
    static const std::vector<std::string> k_architectures = {
        "aarch64",
        "arm",
        "mips",
        "mips64",
        "mips64n32",
        "mipsel",
        "mipsel64",
        "mipsel64n32",
        "parisc",
        "parisc64",
        "ppc",
        "ppc64",
        "ppc64le",
        "riscv64",
        "s390",
        "s390x",
        "x32",
        "x86",
        "x86_64",
    };
    // clang-format on
    return k_architectures;
}

Result<std::uint32_t> seccomp_arch_token(const std::string& arch) {
    const auto& known = known_architectures();
    // Newer libseccomp releases accept more names; the table keeps the set of names Cradle
    // reads and writes closed, and the same on every build.
    if (!std::binary_search(known.begin(), known.end(), arch)) {
        return invalid("architecture " + quoted(arch) + ": unknown");
    }
    const std::uint32_t token = seccomp_arch_resolve_name(arch.c_str());
    if (token == 0) {
        return invalid("architecture " + quoted(arch) + ": not supported by this libseccomp");
    }
    return token;
}

Result<std::string> syscall_name(const std::string& arch, int number) {
    auto token = seccomp_arch_token(arch);
    if (!token) {
        return token.error();
    }
    if (number < 0) {
        return invalid("syscall number " + std::to_string(number) + " on " + arch + ": negative");
    }
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(*token, number), &std::free);
    if (!name) {
        return invalid("syscall number " + std::to_string(number) + " on " + arch + ": unknown to libseccomp");
    }
    return std::string(name.get());
}

namespace {

// libseccomp's number for `name` on `arch`: negative for a syscall reached only through a
// multiplexer (socketcall, ipc) or absent there; an error when libseccomp does not know it.
Result<int> resolve_name(const std::string& arch, const std::string& name) {
    auto token = seccomp_arch_token(arch);
    if (!token) {
        return token.error();
    }
    const int number = seccomp_syscall_resolve_name_arch(*token, name.c_str());
    if (number == __NR_SCMP_ERROR) {
        return invalid("syscall " + quoted(name) + ": unknown to libseccomp");
    }
    return number;
}

}  // namespace

Result<int> syscall_number(const std::string& arch, const std::string& name) {
    auto number = resolve_name(arch, name);
    if (number && *number < 0) {
        return invalid("syscall " + quoted(name) + ": has no number of its own on " + arch);
    }
    return number;
}

Result<bool> syscall_available(const std::string& arch, const std::string& name) {
    auto number = resolve_name(arch, name);
    if (!number) {
        return number.error();
    }
    return *number > k_absent_syscall_limit;
}

std::string native_arch() {
    const std::uint32_t native = seccomp_arch_native();
    for (const auto& arch : known_architectures()) {
        if (seccomp_arch_resolve_name(arch.c_str()) == native) {
            return arch;
        }
    }
    return "";
}

std::optional<std::string> compat_arch(const std::string& native) {
    if (native == "x86_64") {
        return "x86";
    }
    if (native == "aarch64") {
        return "arm";
    }
    return std::nullopt;
}

Result<std::string> seccomp_arch_constant(const std::string& arch) {
    auto token = seccomp_arch_token(arch);
    if (!token) {
        return token.error();
    }
    std::string constant(k_constant_prefix);
    for (const char c : arch) {
        constant += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return constant;
}

Result<std::string> arch_from_seccomp_constant(const std::string& constant) {
    const auto fail = [&] { return invalid("seccomp architecture " + quoted(constant) + ": unknown"); };
    if (!constant.starts_with(k_constant_prefix)) {
        return fail();
    }
    std::string arch;
    for (const char c : constant.substr(k_constant_prefix.size())) {
        if (c >= 'a' && c <= 'z') {
            return fail();  // constants are upper case; "SCMP_ARCH_x86" is not one
        }
        arch += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (!seccomp_arch_token(arch)) {
        return fail();
    }
    return arch;
}

}  // namespace cradle
