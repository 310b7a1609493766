#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "profilegen/syscall_table.h"

using namespace cradle;

TEST_CASE("known_architectures is sorted, unique and every name resolves in libseccomp") {
    const auto& known = known_architectures();
    CHECK(std::is_sorted(known.begin(), known.end()));
    CHECK(std::adjacent_find(known.begin(), known.end()) == known.end());
    for (const auto& arch : known) {
        INFO(arch);
        CHECK(seccomp_arch_token(arch).ok());
    }
    CHECK(std::binary_search(known.begin(), known.end(), "x86_64"));
    CHECK(std::binary_search(known.begin(), known.end(), "aarch64"));
}

TEST_CASE("syscall_name and syscall_number agree with the kernel ABI") {
    CHECK(syscall_name("x86_64", 0).value() == "read");
    CHECK(syscall_name("x86_64", 59).value() == "execve");
    CHECK(syscall_name("x86", 3).value() == "read");
    CHECK(syscall_name("aarch64", 63).value() == "read");
    CHECK(syscall_number("x86_64", "read").value() == 0);
    CHECK(syscall_number("x86", "execve").value() == 11);
    CHECK(syscall_number("aarch64", "openat").value() == 56);
    // Round trip over the low x86_64 range, where every number is a syscall.
    for (int number = 0; number < 300; ++number) {
        auto name = syscall_name("x86_64", number);
        REQUIRE(name.ok());
        CHECK(syscall_number("x86_64", *name).value() == number);
    }
}

TEST_CASE("syscall lookups fail clearly") {
    auto arch = syscall_name("vax", 0);
    REQUIRE_FALSE(arch.ok());
    CHECK(arch.error().code == EINVAL);
    CHECK(arch.error().message.find("\"vax\"") != std::string::npos);
    // libseccomp accepts only lower case; Cradle's names are lower case.
    CHECK_FALSE(syscall_name("X86_64", 0).ok());

    auto number = syscall_name("x86_64", 100000);
    REQUIRE_FALSE(number.ok());
    CHECK(number.error().message.find("100000") != std::string::npos);
    CHECK_FALSE(syscall_name("x86_64", -1).ok());

    auto name = syscall_number("x86_64", "no_such_syscall");
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message.find("\"no_such_syscall\"") != std::string::npos);

    // Known to libseccomp, but not a syscall of x86_64.
    auto absent = syscall_number("x86_64", "_llseek");
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().message.find("x86_64") != std::string::npos);
    CHECK(syscall_number("x86", "_llseek").value() == 140);
}

TEST_CASE("syscall_available tells absent syscalls from multiplexed ones") {
    CHECK(syscall_available("x86_64", "read").value());
    CHECK_FALSE(syscall_available("x86_64", "_llseek").value());
    CHECK(syscall_available("x86", "_llseek").value());
    CHECK(syscall_available("x86", "socketcall").value());
    CHECK_FALSE(syscall_available("x86_64", "socketcall").value());
    // Reached through socketcall(2) on x86 as far as libseccomp is concerned.
    CHECK(syscall_available("x86", "socket").value());
    CHECK_FALSE(syscall_available("x86", "kexec_file_load").value());
    CHECK_FALSE(syscall_available("x86_64", "no_such_syscall").ok());
    CHECK_FALSE(syscall_available("vax", "read").ok());
}

TEST_CASE("native_arch and compat_arch") {
    const std::string native = native_arch();
    CHECK_FALSE(native.empty());
    CHECK(seccomp_arch_token(native).ok());
#if defined(__x86_64__)
    CHECK(native == "x86_64");
#elif defined(__aarch64__)
    CHECK(native == "aarch64");
#endif
    CHECK(compat_arch("x86_64").value() == "x86");
    CHECK(compat_arch("aarch64").value() == "arm");
    CHECK_FALSE(compat_arch("x86").has_value());
    CHECK_FALSE(compat_arch("riscv64").has_value());
    CHECK_FALSE(compat_arch("").has_value());
}

TEST_CASE("seccomp architecture constants") {
    CHECK(seccomp_arch_constant("x86_64").value() == "SCMP_ARCH_X86_64");
    CHECK(seccomp_arch_constant("x86").value() == "SCMP_ARCH_X86");
    CHECK(seccomp_arch_constant("x32").value() == "SCMP_ARCH_X32");
    CHECK(seccomp_arch_constant("aarch64").value() == "SCMP_ARCH_AARCH64");
    CHECK(seccomp_arch_constant("arm").value() == "SCMP_ARCH_ARM");
    CHECK(seccomp_arch_constant("ppc64le").value() == "SCMP_ARCH_PPC64LE");
    CHECK(arch_from_seccomp_constant("SCMP_ARCH_X86_64").value() == "x86_64");
    CHECK(arch_from_seccomp_constant("SCMP_ARCH_ARM").value() == "arm");
    for (const auto& arch : known_architectures()) {
        INFO(arch);
        auto constant = seccomp_arch_constant(arch);
        REQUIRE(constant.ok());
        CHECK(arch_from_seccomp_constant(*constant).value() == arch);
    }

    auto unknown = seccomp_arch_constant("vax");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("\"vax\"") != std::string::npos);
    for (const char* bad : {"SCMP_ARCH_VAX", "SCMP_ARCH_x86_64", "x86_64", "SCMP_ARCH_", "SCMP_ARCH_NATIVE", ""}) {
        INFO(bad);
        auto error = arch_from_seccomp_constant(bad);
        REQUIRE_FALSE(error.ok());
        CHECK(error.error().message.find("\"" + std::string(bad) + "\"") != std::string::npos);
    }
}
