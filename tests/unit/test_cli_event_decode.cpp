#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "cli/event_decode.h"
#include "cli/event_names.h"

using namespace cradle;

namespace {

std::string text(ArgumentType type, std::uint64_t raw) {
    EventArgument argument;
    argument.type = type;
    argument.raw = raw;
    return argument_text(argument);
}

std::string string_text(ArgumentType type, std::vector<std::string> strings, bool truncated = false) {
    EventArgument argument;
    argument.type = type;
    argument.raw = 0x7ffd0000;
    argument.strings = std::move(strings);
    argument.truncated = truncated;
    return argument_text(argument);
}

std::string escaped(std::string_view bytes, EscapeFor target = EscapeFor::text) {
    std::string out;
    append_escaped(out, bytes, target);
    return out;
}

template <typename Address>
std::string sockaddr_text(const Address& address, std::size_t length = sizeof(Address), bool truncated = false) {
    EventArgument argument;
    argument.type = ArgumentType::sockaddr;
    argument.raw = 0x7ffd0000;
    argument.bytes.resize(length);
    std::memcpy(argument.bytes.data(), &address, std::min(length, sizeof(Address)));
    argument.truncated = truncated;
    return argument_text(argument);
}

}  // namespace

TEST_CASE("integers, hex, fds and modes") {
    CHECK(text(ArgumentType::signed_integer, static_cast<std::uint64_t>(-1)) == "-1");
    CHECK(text(ArgumentType::unsigned_integer, 18446744073709551615ULL) == "18446744073709551615");
    CHECK(text(ArgumentType::hex, 0x7f12a000) == "0x7f12a000");
    CHECK(text(ArgumentType::hex, 0) == "0x0");
    CHECK(text(ArgumentType::fd, static_cast<std::uint32_t>(-100)) == "AT_FDCWD");
    CHECK(text(ArgumentType::fd, static_cast<std::uint64_t>(-100)) == "AT_FDCWD");
    CHECK(text(ArgumentType::fd, 3) == "3");
    CHECK(text(ArgumentType::fd, static_cast<std::uint32_t>(-1)) == "-1");
    CHECK(text(ArgumentType::octal_mode, 0644) == "0644");
    CHECK(text(ArgumentType::octal_mode, 04755) == "04755");
    CHECK(text(ArgumentType::octal_mode, 0) == "0");
    CHECK(text(ArgumentType::boolean, 0) == "false");
    CHECK(text(ArgumentType::boolean, 2) == "true");
}

TEST_CASE("open flags: the access mode first, then the flags, then unknown bits in hex") {
    CHECK(text(ArgumentType::open_flags, O_RDONLY) == "O_RDONLY");
    CHECK(text(ArgumentType::open_flags, O_RDONLY | O_CLOEXEC) == "O_RDONLY|O_CLOEXEC");
    CHECK(text(ArgumentType::open_flags, O_WRONLY | O_CREAT | O_TRUNC) == "O_WRONLY|O_CREAT|O_TRUNC");
    CHECK(text(ArgumentType::open_flags, O_RDWR | O_APPEND) == "O_RDWR|O_APPEND");
    CHECK(text(ArgumentType::open_flags, 3) == "O_ACCMODE");
    CHECK(text(ArgumentType::open_flags, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) ==
          "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC");
    // Composite flags take their bits before their parts.
    CHECK(text(ArgumentType::open_flags, O_WRONLY | O_SYNC) == "O_WRONLY|O_SYNC");
    CHECK(text(ArgumentType::open_flags, O_WRONLY | O_DSYNC) == "O_WRONLY|O_DSYNC");
    CHECK(text(ArgumentType::open_flags, O_RDWR | O_TMPFILE) == "O_RDWR|O_TMPFILE");
    CHECK(text(ArgumentType::open_flags, O_PATH) == "O_RDONLY|O_PATH");
    CHECK(text(ArgumentType::open_flags, O_RDONLY | 0x40000000) == "O_RDONLY|0x40000000");
#if defined(__x86_64__)
    CHECK(text(ArgumentType::open_flags, O_RDONLY | 0100000) == "O_RDONLY|O_LARGEFILE");
#endif
    // An int in a 64-bit register: the upper half is not the flags'.
    CHECK(text(ArgumentType::open_flags, 0xffffffff00000000ULL | O_CLOEXEC) == "O_RDONLY|O_CLOEXEC");
}

TEST_CASE("access modes and AT_* flags") {
    CHECK(text(ArgumentType::access_mode, F_OK) == "F_OK");
    CHECK(text(ArgumentType::access_mode, R_OK) == "R_OK");
    CHECK(text(ArgumentType::access_mode, R_OK | W_OK | X_OK) == "R_OK|W_OK|X_OK");
    CHECK(text(ArgumentType::access_mode, R_OK | 0x10) == "R_OK|0x10");
    CHECK(text(ArgumentType::at_flags, 0) == "0");
    CHECK(text(ArgumentType::at_flags, AT_SYMLINK_NOFOLLOW) == "AT_SYMLINK_NOFOLLOW");
    CHECK(text(ArgumentType::at_flags, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
    CHECK(text(ArgumentType::at_flags, AT_EACCESS) == "AT_EACCESS");
    CHECK(text(ArgumentType::at_flags, AT_NO_AUTOMOUNT | 0x1) == "AT_NO_AUTOMOUNT|0x1");
}

TEST_CASE("mmap protections and flags") {
    CHECK(text(ArgumentType::mmap_prot, PROT_NONE) == "PROT_NONE");
    CHECK(text(ArgumentType::mmap_prot, PROT_READ | PROT_EXEC) == "PROT_READ|PROT_EXEC");
    CHECK(text(ArgumentType::mmap_prot, PROT_READ | PROT_WRITE | 0x100) == "PROT_READ|PROT_WRITE|0x100");
    CHECK(text(ArgumentType::mmap_flags, MAP_PRIVATE | MAP_ANONYMOUS) == "MAP_PRIVATE|MAP_ANONYMOUS");
    CHECK(text(ArgumentType::mmap_flags, MAP_SHARED) == "MAP_SHARED");
    CHECK(text(ArgumentType::mmap_flags, MAP_SHARED_VALIDATE | MAP_SYNC) == "MAP_SHARED_VALIDATE|MAP_SYNC");
    CHECK(text(ArgumentType::mmap_flags, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE) ==
          "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
    CHECK(text(ArgumentType::mmap_flags, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21U << MAP_HUGE_SHIFT)) ==
          "MAP_PRIVATE|MAP_HUGE_2MB|MAP_ANONYMOUS|MAP_HUGETLB");
    CHECK(text(ArgumentType::mmap_flags, MAP_SHARED | MAP_HUGETLB | (30U << MAP_HUGE_SHIFT)) ==
          "MAP_SHARED|MAP_HUGE_1GB|MAP_HUGETLB");
    // Without MAP_HUGETLB the same bit is MAP_UNINITIALIZED.
    CHECK(text(ArgumentType::mmap_flags, MAP_PRIVATE | MAP_ANONYMOUS | 0x4000000) ==
          "MAP_PRIVATE|MAP_ANONYMOUS|MAP_UNINITIALIZED");
    CHECK(text(ArgumentType::mmap_flags, 0) == "0");
    CHECK(text(ArgumentType::mmap_flags, 0xf) == "0xf");
    CHECK(text(ArgumentType::mmap_flags, MAP_PRIVATE | 0x8000000000ULL) == "MAP_PRIVATE|0x8000000000");
}

TEST_CASE("clone flags end with the exit signal") {
    CHECK(text(ArgumentType::clone_flags, SIGCHLD) == "SIGCHLD");
    CHECK(text(ArgumentType::clone_flags, CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD) ==
          "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
    CHECK(text(ArgumentType::clone_flags, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                              CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                              CLONE_CHILD_CLEARTID) ==
          "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
          "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
    CHECK(text(ArgumentType::clone_flags, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER | SIGCHLD) ==
          "CLONE_NEWNS|CLONE_NEWUSER|CLONE_NEWPID|SIGCHLD");
    CHECK(text(ArgumentType::clone_flags, 0x200000000ULL | CLONE_VFORK | CLONE_VM) ==
          "CLONE_VM|CLONE_VFORK|CLONE_INTO_CGROUP");
    CHECK(text(ArgumentType::clone_flags, 0) == "0");
    // 0x80 is no signal: it stays a number.
    CHECK(text(ArgumentType::clone_flags, 0x80) == "0x80");
    CHECK(text(ArgumentType::clone_flags, 0x1000000000ULL | SIGCHLD) == "0x1000000000|SIGCHLD");
}

// clone3's struct clone_args as the kernel side captures it: flags, then exit_signal.
std::string clone_args_text(std::vector<std::uint64_t> fields, bool truncated = false, std::uint64_t raw = 0x7ffd0000) {
    EventArgument argument;
    argument.type = ArgumentType::clone_args;
    argument.raw = raw;
    argument.bytes.resize(fields.size() * sizeof(std::uint64_t));
    std::memcpy(argument.bytes.data(), fields.data(), argument.bytes.size());
    argument.truncated = truncated;
    return argument_text(argument);
}

TEST_CASE("clone3's clone_args: its flags and exit signal as clone's flags read") {
    CHECK(clone_args_text({CLONE_VM | CLONE_VFORK, SIGCHLD}) == "CLONE_VM|CLONE_VFORK|SIGCHLD");
    CHECK(clone_args_text({CLONE_NEWPID | CLONE_NEWNS | 0x200000000ULL, 0}) ==
          "CLONE_NEWNS|CLONE_NEWPID|CLONE_INTO_CGROUP");
    CHECK(clone_args_text({0, 0}) == "0");
    CHECK(clone_args_text({0, SIGCHLD}) == "SIGCHLD");
    // A size that stops before exit_signal: the flags, marked cut.
    CHECK(clone_args_text({CLONE_THREAD}, true) == "CLONE_THREAD...");
    // One that stops before the flags' end: nothing was read.
    CHECK(clone_args_text({}, true) == "0x7ffd0000 (too short)");
    // What the kernel refuses still shows as it was: flags in the low byte beside an exit
    // signal, a huge exit signal.
    CHECK(clone_args_text({CLONE_VM | SIGCHLD, SIGKILL}) == "CLONE_VM|SIGCHLD|exit_signal=9");
    CHECK(clone_args_text({CLONE_VM | SIGCHLD, 0}) == "CLONE_VM|SIGCHLD");
    CHECK(clone_args_text({CLONE_VM, 0x1000}) == "CLONE_VM|exit_signal=4096");
    CHECK(clone_args_text({0x80, SIGKILL}) == "0x80|exit_signal=9");
    EventArgument unreadable;
    unreadable.type = ArgumentType::clone_args;
    unreadable.raw = 0x1000;
    unreadable.unreadable = true;
    CHECK(argument_text(unreadable) == "0x1000 (unreadable)");
    unreadable.raw = 0;
    CHECK(argument_text(unreadable) == "NULL");
}

TEST_CASE("i386 socketcall's calls by name") {
    CHECK(text(ArgumentType::socketcall_call, 1) == "SYS_SOCKET");
    CHECK(text(ArgumentType::socketcall_call, 3) == "SYS_CONNECT");
    CHECK(text(ArgumentType::socketcall_call, 20) == "SYS_SENDMMSG");
    CHECK(text(ArgumentType::socketcall_call, 99) == "99");
}

TEST_CASE("address families and socket types") {
    CHECK(text(ArgumentType::address_family, AF_INET) == "AF_INET");
    CHECK(text(ArgumentType::address_family, AF_UNIX) == "AF_UNIX");
    CHECK(text(ArgumentType::address_family, AF_NETLINK) == "AF_NETLINK");
    CHECK(text(ArgumentType::address_family, 250) == "250");
    CHECK(text(ArgumentType::socket_type, SOCK_STREAM) == "SOCK_STREAM");
    CHECK(text(ArgumentType::socket_type, SOCK_DGRAM | SOCK_CLOEXEC) == "SOCK_DGRAM|SOCK_CLOEXEC");
    CHECK(text(ArgumentType::socket_type, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC) ==
          "SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC");
    CHECK(text(ArgumentType::socket_type, 9) == "9");
    CHECK(text(ArgumentType::socket_type, SOCK_STREAM | 0x100) == "SOCK_STREAM|0x100");
}

TEST_CASE("signals, prctl options, ptrace requests and capabilities by name") {
    CHECK(text(ArgumentType::signal, SIGKILL) == "SIGKILL");
    CHECK(text(ArgumentType::signal, SIGTERM) == "SIGTERM");
    CHECK(text(ArgumentType::signal, 0) == "0");
    CHECK(text(ArgumentType::signal, 32) == "SIGRTMIN");
    CHECK(text(ArgumentType::signal, 34) == "SIGRTMIN+2");
    CHECK(text(ArgumentType::signal, 64) == "SIGRTMIN+32");
    CHECK(text(ArgumentType::signal, 65) == "65");
    CHECK(text(ArgumentType::signal, static_cast<std::uint32_t>(-1)) == "-1");
    CHECK(text(ArgumentType::prctl_option, PR_SET_NO_NEW_PRIVS) == "PR_SET_NO_NEW_PRIVS");
    CHECK(text(ArgumentType::prctl_option, PR_CAPBSET_DROP) == "PR_CAPBSET_DROP");
    CHECK(text(ArgumentType::prctl_option, PR_SET_PTRACER) == "PR_SET_PTRACER");
    CHECK(text(ArgumentType::prctl_option, 65) == "PR_SET_MDWE");
    CHECK(text(ArgumentType::prctl_option, 1000) == "1000");
    CHECK(text(ArgumentType::ptrace_request, PTRACE_TRACEME) == "PTRACE_TRACEME");
    CHECK(text(ArgumentType::ptrace_request, PTRACE_ATTACH) == "PTRACE_ATTACH");
    CHECK(text(ArgumentType::ptrace_request, PTRACE_SEIZE) == "PTRACE_SEIZE");
    CHECK(text(ArgumentType::ptrace_request, 0x5000) == "20480");
    CHECK(text(ArgumentType::capability, 0) == "CAP_CHOWN");
    CHECK(text(ArgumentType::capability, 21) == "CAP_SYS_ADMIN");
    CHECK(text(ArgumentType::capability, 12) == "CAP_NET_ADMIN");
    CHECK(text(ArgumentType::capability, 200) == "200");
    CHECK(text(ArgumentType::capability, static_cast<std::uint32_t>(-1)) == "-1");
}

TEST_CASE("the name tables are sorted, without duplicates, and agree with lookups") {
    for (const auto table : {address_family_table(), prctl_option_table(), ptrace_request_table()}) {
        REQUIRE_FALSE(table.empty());
        for (std::size_t i = 1; i < table.size(); ++i) {
            INFO(table[i].name);
            CHECK(table[i - 1].value < table[i].value);
        }
    }
    for (const ValueName& entry : prctl_option_table()) {
        CHECK(std::string(prctl_option_name(entry.value)) == entry.name);
    }
    for (const ValueName& entry : ptrace_request_table()) {
        CHECK(std::string(ptrace_request_name(entry.value)) == entry.name);
    }
}

TEST_CASE("flag lists name disjoint bits, except where a composite comes first") {
    for (const auto names : {open_flag_names(), access_mode_names(), at_flag_names(), prot_names(), map_flag_names(),
                             clone_flag_names(), socket_flag_names()}) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            for (std::size_t j = i + 1; j < names.size(); ++j) {
                INFO(names[i].name, " ", names[j].name);
                // A later name may not hold an earlier one's bits: the earlier would never show.
                const bool later_holds_earlier = names[i].bits != 0 && (names[j].bits & names[i].bits) == names[i].bits;
                CHECK_FALSE(later_holds_earlier);
            }
        }
    }
}

TEST_CASE("strings: escaped, truncated, null and unreadable") {
    CHECK(string_text(ArgumentType::user_string, {"/etc/passwd"}) == "/etc/passwd");
    CHECK(string_text(ArgumentType::kernel_string, {"/usr/bin/ls"}) == "/usr/bin/ls");
    CHECK(string_text(ArgumentType::user_string, {"/very/long"}, true) == "/very/long...");
    CHECK(string_text(ArgumentType::user_string, {"a\nb\x1b[31m"}) == "a\\nb\\x1b[31m");
    CHECK(string_text(ArgumentType::user_string, {""}) == "");
    EventArgument null_pointer;
    null_pointer.type = ArgumentType::user_string;
    CHECK(argument_text(null_pointer) == "NULL");
    EventArgument unreadable;
    unreadable.type = ArgumentType::user_string;
    unreadable.raw = 0xdead0000;
    unreadable.unreadable = true;
    CHECK(argument_text(unreadable) == "0xdead0000 (unreadable)");
    unreadable.type = ArgumentType::user_string_array;
    CHECK(argument_text(unreadable) == "0xdead0000 (unreadable)");
}

TEST_CASE("string arrays") {
    CHECK(string_text(ArgumentType::user_string_array, {"ls", "-l", "/"}) == "[ls -l /]");
    CHECK(string_text(ArgumentType::user_string_array, {}) == "[]");
    CHECK(string_text(ArgumentType::user_string_array, {"sh", "-c", "a\tb"}) == "[sh -c a\\tb]");
    CHECK(string_text(ArgumentType::user_string_array, {"x", "y"}, true) == "[x y ...]");
    CHECK(string_text(ArgumentType::user_string_array, {}, true) == "[...]");
}

TEST_CASE("escaping keeps UTF-8 and printable ASCII, escapes everything else losslessly") {
    CHECK(escaped("plain /path-1_2.txt") == "plain /path-1_2.txt");
    CHECK(escaped("back\\slash") == "back\\\\slash");
    CHECK(escaped("quote\"") == "quote\"");
    CHECK(escaped("\t\n\r") == "\\t\\n\\r");
    CHECK(escaped(std::string("nul\0here", 8)) == "nul\\x00here");
    CHECK(escaped("\x7f") == "\\x7f");
    CHECK(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
    // Invalid UTF-8: a lone continuation byte, a cut sequence, an overlong '/', a surrogate, > U+10FFFF.
    CHECK(escaped("\x80") == "\\x80");
    CHECK(escaped("a\xc3") == "a\\xc3");
    CHECK(escaped("\xe2\x82z") == "\\xe2\\x82z");
    CHECK(escaped("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(escaped("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(escaped("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    CHECK(escaped("\xff\xfe") == "\\xff\\xfe");
    // Valid but unsafe in a terminal: C1 controls, separators, bidirectional overrides.
    CHECK(escaped("\xc2\x9b") == "\\xc2\\x9b");
    CHECK(escaped("\xe2\x80\xa8") == "\\xe2\\x80\\xa8");
    CHECK(escaped("evil\xe2\x80\xaetxt") == "evil\\xe2\\x80\\xaetxt");
    CHECK(escaped("\xe2\x81\xa6") == "\\xe2\\x81\\xa6");
}

TEST_CASE("escaping for a JSON string also escapes quotes and every backslash") {
    CHECK(escaped("a\"b", EscapeFor::json_string) == "a\\\"b");
    CHECK(escaped("a\\b", EscapeFor::json_string) == "a\\\\\\\\b");
    CHECK(escaped("\n", EscapeFor::json_string) == "\\\\n");
    CHECK(escaped("\x01\xff", EscapeFor::json_string) == "\\\\x01\\\\xff");
    CHECK(escaped("caf\xc3\xa9", EscapeFor::json_string) == "caf\xc3\xa9");
}

TEST_CASE("socket addresses") {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(80);
    inet_pton(AF_INET, "10.0.0.1", &in.sin_addr);
    CHECK(sockaddr_text(in) == "AF_INET 10.0.0.1:80");
    CHECK(sockaddr_text(in, 6) == "AF_INET 0x00500a00");  // too short for an address
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(443);
    inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    CHECK(sockaddr_text(in6) == "AF_INET6 [::1]:443");
    inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
    in6.sin6_scope_id = 2;
    CHECK(sockaddr_text(in6) == "AF_INET6 [fe80::1%2]:443");
    CHECK(sockaddr_text(in6, 24) == "AF_INET6 [fe80::1]:443");  // the old 24-byte sockaddr_in6

    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strcpy(un.sun_path, "/run/app.sock");
    CHECK(sockaddr_text(un) == "AF_UNIX /run/app.sock");
    CHECK(sockaddr_text(un, offsetof(sockaddr_un, sun_path) + 13) == "AF_UNIX /run/app.sock");
    CHECK(sockaddr_text(un, sizeof(sa_family_t)) == "AF_UNIX (unnamed)");
    std::memcpy(un.sun_path, "\0abs\0x\n", 7);
    CHECK(sockaddr_text(un, offsetof(sockaddr_un, sun_path) + 7) == "AF_UNIX @abs\\x00x\\n");
    std::strcpy(un.sun_path, "/run/cut");
    CHECK(sockaddr_text(un, offsetof(sockaddr_un, sun_path) + 8, true) == "AF_UNIX /run/cut...");

    struct {
        sa_family_t family = AF_NETLINK;
        unsigned short pad = 0;
        std::uint32_t pid = 0;
        std::uint32_t groups = 0x11;
    } nl;
    CHECK(sockaddr_text(nl) == "AF_NETLINK pid 0 groups 0x11");

    const unsigned char packet[] = {AF_PACKET, 0, 0x00, 0x03, 0xab};
    CHECK(sockaddr_text(packet) == "AF_PACKET 0x0003ab");
    const unsigned char unknown[] = {250, 0, 1, 2};
    CHECK(sockaddr_text(unknown) == "family 250 0x0102");

    EventArgument unreadable;
    unreadable.type = ArgumentType::sockaddr;
    unreadable.raw = 0x1000;
    unreadable.unreadable = true;
    CHECK(argument_text(unreadable) == "0x1000 (unreadable)");
    unreadable.unreadable = false;
    unreadable.bytes = {1};  // shorter than a family
    CHECK(argument_text(unreadable) == "0x1000 (unreadable)");
}

TEST_CASE("return values: errno names for errors, decimal otherwise") {
    auto ret = [](std::int64_t value) {
        std::string out;
        append_return_value(out, value);
        return out;
    };
    CHECK(ret(0) == "0");
    CHECK(ret(3) == "3");
    CHECK(ret(-2) == "-ENOENT");
    CHECK(ret(-1) == "-EPERM");
    CHECK(ret(-13) == "-EACCES");
    CHECK(ret(-4095) == "-4095");  // an error without a name
    CHECK(ret(-4096) == "-4096");  // not an error
    CHECK(ret(140737488343040) == "140737488343040");
    CHECK(return_value_error_name(-2) == std::string("ENOENT"));
    CHECK(return_value_error_name(0) == nullptr);
    CHECK(return_value_error_name(-5000) == nullptr);
}

TEST_CASE("a type out of range prints its raw value") {
    CHECK(text(static_cast<ArgumentType>(200), 0x1234) == "0x1234");
}
