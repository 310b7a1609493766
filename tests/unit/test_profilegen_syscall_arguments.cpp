#include <doctest/doctest.h>

#include <sched.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "profilegen/syscall_arguments.h"
#include "profilegen/syscall_table.h"

using namespace cradle;

namespace {

const ArgumentSyscall& syscall_named(const char* name) {
    const ArgumentSyscall* syscall = find_argument_syscall(name);
    REQUIRE(syscall != nullptr);
    return *syscall;
}

// A recording that made `syscalls`, with `arguments`.
Recording made(std::set<std::string> syscalls, std::map<std::string, ArgumentValues> arguments) {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = std::move(syscalls);
    recording.arguments = std::move(arguments);
    return recording;
}

ConditionalAllow equal_to(const char* syscall, std::uint64_t value) { return {syscall, {{0, SCMP_CMP_EQ, value, 0}}}; }

ConditionalAllow none_of(const char* syscall, std::uint64_t flags) {
    return {syscall, {{0, SCMP_CMP_MASKED_EQ, flags, 0}}};
}

constexpr std::uint64_t k_clone_namespaces =
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

}  // namespace

TEST_CASE("syscall_arguments: one entry per syscall of the kernel side, in its order") {
    const auto syscalls = argument_syscalls();
    REQUIRE(syscalls.size() == CRADLE_ARGS_COUNT);
    for (std::size_t i = 0; i < syscalls.size(); ++i) {
        CHECK(syscalls[i].which == static_cast<cradle_argument_syscall>(i));
        CHECK(find_argument_syscall(syscalls[i].name) == &syscalls[i]);
        CHECK(syscall_available("x86_64", std::string(syscalls[i].name)).value());
    }
    CHECK(find_argument_syscall("read") == nullptr);
    CHECK(syscall_named("clone").namespaces == k_clone_namespaces);
    CHECK(syscall_named("clone3").namespaces == (k_clone_namespaces | CLONE_NEWTIME));
    CHECK(syscall_named("unshare").namespaces == (k_clone_namespaces | CLONE_NEWTIME));
}

TEST_CASE("syscall_arguments: the name tables are sorted, and each number is named once") {
    for (const auto table : {address_family_names(), namespace_flag_names()}) {
        CHECK(std::is_sorted(table.begin(), table.end(),
                             [](const NamedValue& a, const NamedValue& b) { return a.name < b.name; }));
        std::set<std::uint64_t> numbers;
        for (const auto& named : table) {
            CHECK_MESSAGE(numbers.insert(named.value).second, named.name);
        }
    }
    for (const auto& family : address_family_names()) {
        CHECK_MESSAGE(family.value < 64, family.name);  // the kernel side's bitmap
    }
    for (const auto& flag : namespace_flag_names()) {
        CHECK(std::has_single_bit(flag.value));
        CHECK((flag.value & syscall_named("unshare").namespaces) == flag.value);
    }
    CHECK(namespace_flag_names().size() == 8);
}

TEST_CASE("syscall_arguments: values are written by name and read back") {
    const auto& socket = syscall_named("socket");
    const auto& clone = syscall_named("clone");
    const auto& personality = syscall_named("personality");
    CHECK(argument_value_text(socket, AF_INET) == "AF_INET");
    CHECK(argument_value_text(socket, AF_UNIX) == "AF_UNIX");
    CHECK(argument_value_text(socket, 63) == "63");
    CHECK(argument_value_text(clone, CLONE_NEWNET) == "CLONE_NEWNET");
    CHECK(argument_value_text(personality, 0xffffffff) == "0xffffffff");
    CHECK(argument_value_text(personality, 0) == "0x0");

    CHECK(parse_argument_value(socket, "AF_PACKET").value() == AF_PACKET);
    CHECK(parse_argument_value(socket, "17").value() == 17);
    CHECK(parse_argument_value(socket, "0x11").value() == 17);
    CHECK(parse_argument_value(clone, "CLONE_NEWUSER").value() == CLONE_NEWUSER);
    CHECK(parse_argument_value(syscall_named("unshare"), "CLONE_NEWTIME").value() == CLONE_NEWTIME);
    CHECK(parse_argument_value(personality, "0x20008").value() == std::uint64_t{0x20008});
    CHECK(parse_argument_value(personality, "4294967295").value() == 0xffffffff);
    for (const auto& syscall : argument_syscalls()) {
        for (const std::uint64_t value : {std::uint64_t{1}, std::uint64_t{CLONE_NEWNET}, std::uint64_t{0}}) {
            if (syscall.kind == ArgumentKind::namespaces && (value & syscall.namespaces) != value) {
                continue;
            }
            if (syscall.kind == ArgumentKind::family && value >= 64) {
                continue;
            }
            if (syscall.kind == ArgumentKind::namespaces && value == 0) {
                continue;  // a flag, not its absence
            }
            const std::string text = argument_value_text(syscall, value);
            auto back = parse_argument_value(syscall, text);
            const std::string what = std::string(syscall.name) + " " + text;
            REQUIRE_MESSAGE(back.ok(), what);
            CHECK(*back == value);
        }
    }
}

TEST_CASE("argument_lines: by syscall, values by number, none and any in their places") {
    const std::map<std::string, ArgumentValues> arguments = {
        {"clone", {{}, false}},
        {"clone3", {{}, true}},
        {"personality", {{0xffffffff, 0}, false}},
        {"socket", {{AF_INET, AF_UNIX, 45}, false}},
        {"unshare", {{CLONE_NEWNET, CLONE_NEWUTS}, true}},
        {"not_filtered", {{7}, false}},
    };
    CHECK(argument_lines(arguments) == std::vector<std::string>{
                                           "clone none",
                                           "clone3 any",
                                           "not_filtered 7",
                                           "personality 0x0",
                                           "personality 0xffffffff",
                                           "socket AF_UNIX",
                                           "socket AF_INET",
                                           "socket AF_MCTP",
                                           "unshare CLONE_NEWUTS",
                                           "unshare CLONE_NEWNET",
                                           "unshare any",
                                       });
    CHECK(argument_lines({}).empty());
    // Every line reads back as what it was written from.
    for (const std::string& line : argument_lines(arguments)) {
        const auto space = line.find(' ');
        const ArgumentSyscall* syscall = find_argument_syscall(line.substr(0, space));
        const std::string value = line.substr(space + 1);
        if (syscall && value != k_argument_any && value != k_argument_none) {
            INFO(line);
            const auto parsed = parse_argument_value(*syscall, value);
            REQUIRE(parsed.ok());
            CHECK(arguments.at(std::string(syscall->name)).values.contains(*parsed));
        }
    }
}

TEST_CASE("syscall_arguments: values the kernel side cannot have recorded are refused") {
    CHECK_FALSE(parse_argument_value(syscall_named("socket"), "64").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("socket"), "AF_NOPE").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("socket"), "").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("socket"), "2x").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("socket"), "-1").ok());
    // CLONE_NEWTIME is the exit signal's bit in clone's flags.
    CHECK_FALSE(parse_argument_value(syscall_named("clone"), "CLONE_NEWTIME").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("clone"), "0x40000000").ok());  // names only
    CHECK_FALSE(parse_argument_value(syscall_named("unshare"), "CLONE_FS").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("personality"), "0x100000000").ok());
    CHECK_FALSE(parse_argument_value(syscall_named("personality"), "AF_INET").ok());
    auto error = parse_argument_value(syscall_named("socket"), "99");
    CHECK(error.error().message == "invalid socket value (an address family below 64)");
}

TEST_CASE("syscall_arguments: the kernel side knows x86's socket by its own number, not socketcall's") {
    CHECK(argument_syscall_number("x86_64", syscall_named("socket")) == syscall_number("x86_64", "socket").value());
    const int x86_socket = argument_syscall_number("x86", syscall_named("socket"));
    REQUIRE(x86_socket > 0);
    CHECK(syscall_name("x86", x86_socket).value() == "socket");
    for (const auto& syscall : argument_syscalls()) {
        for (const char* arch : {"x86_64", "x86"}) {
            const int number = argument_syscall_number(arch, syscall);
            const std::string what = std::string(arch) + " " + std::string(syscall.name);
            REQUIRE_MESSAGE(number >= 0, what);
            CHECK(number < CRADLE_SYSCALL_SLOTS);
            CHECK(syscall_name(arch, number).value() == syscall.name);
        }
    }
}

TEST_CASE("argument_filters: socket and personality, one rule a value seen") {
    const auto filters =
        argument_filters(made({"socket", "personality", "read"}, {{"socket", {{AF_UNIX, AF_INET}, false}},
                                                                  {"personality", {{0xffffffff, PER_LINUX}, false}}}));
    CHECK(filters.conditional == std::set<std::string>{"personality", "socket"});
    CHECK(filters.allow == std::vector<ConditionalAllow>{equal_to("personality", PER_LINUX),
                                                         equal_to("personality", 0xffffffff),
                                                         equal_to("socket", AF_UNIX), equal_to("socket", AF_INET)});
    CHECK(filters.enosys.empty());
}

TEST_CASE("argument_filters: clone and unshare allow the namespace flags seen and no other") {
    const auto filters = argument_filters(
        made({"clone", "unshare"}, {{"clone", {{}, false}}, {"unshare", {{CLONE_NEWUTS, CLONE_NEWNS}, false}}}));
    CHECK(filters.conditional == std::set<std::string>{"clone", "unshare"});
    const std::uint64_t unshare_refused = (k_clone_namespaces | CLONE_NEWTIME) & ~(CLONE_NEWUTS | CLONE_NEWNS);
    CHECK(filters.allow ==
          std::vector<ConditionalAllow>{none_of("clone", k_clone_namespaces), none_of("unshare", unshare_refused)});
}

TEST_CASE("argument_filters: every namespace flag seen refuses nothing: the plain allow-list has it") {
    std::set<std::uint64_t> every;
    for (const auto& flag : namespace_flag_names()) {
        if (flag.value & k_clone_namespaces) {
            every.insert(flag.value);
        }
    }
    const auto filters = argument_filters(made({"clone"}, {{"clone", {every, false}}}));
    CHECK(filters.conditional.empty());
    CHECK(filters.allow.empty());
}

TEST_CASE("argument_filters: never refuse what was made: no values, a value not kept, or none at all") {
    // A tracefile written before ARGUMENTS, or a syscall whose values were not recorded.
    auto filters = argument_filters(made({"socket", "clone", "unshare", "personality", "clone3"}, {}));
    CHECK(filters.conditional.empty());
    CHECK(filters.allow.empty());
    CHECK(filters.enosys.empty());

    filters = argument_filters(made({"socket", "clone", "clone3"},
                                    {{"socket", {{AF_INET}, true}}, {"clone", {{}, true}}, {"clone3", {{}, true}}}));
    CHECK(filters.conditional.empty());
    CHECK(filters.allow.empty());
    CHECK(filters.enosys.empty());

    // A socket "made" with no family cannot come from the kernel side: it stays allowed.
    filters = argument_filters(made({"socket"}, {{"socket", {{}, false}}}));
    CHECK(filters.conditional.empty());

    // Values of a syscall not made allow nothing.
    filters = argument_filters(made({"read"}, {{"socket", {{AF_INET}, false}}, {"unshare", {{}, false}}}));
    CHECK(filters.conditional.empty());
    CHECK(filters.allow.empty());
}

TEST_CASE("argument_filters: clone3 without namespace flags falls back to clone") {
    // clone3 alone: ENOSYS, and clone is allowed as clone3 was used, without namespace flags.
    auto filters = argument_filters(made({"clone3"}, {{"clone3", {{}, false}}}));
    CHECK(filters.enosys == std::set<std::string>{"clone3"});
    CHECK(filters.allow == std::vector<ConditionalAllow>{none_of("clone", k_clone_namespaces)});
    CHECK(filters.conditional == std::set<std::string>{"clone"});

    // With clone made too, clone's own flags decide.
    filters =
        argument_filters(made({"clone", "clone3"}, {{"clone", {{CLONE_NEWUSER}, false}}, {"clone3", {{}, false}}}));
    CHECK(filters.enosys == std::set<std::string>{"clone3"});
    CHECK(filters.allow == std::vector<ConditionalAllow>{none_of("clone", k_clone_namespaces & ~CLONE_NEWUSER)});

    // clone made with values unknown: it stays allowed as it is.
    filters = argument_filters(made({"clone", "clone3"}, {{"clone3", {{}, false}}}));
    CHECK(filters.enosys == std::set<std::string>{"clone3"});
    CHECK(filters.allow.empty());

    // clone3 that made namespaces cannot be refused, nor checked: allowed as it is.
    filters = argument_filters(made({"clone3"}, {{"clone3", {{CLONE_NEWPID}, false}}}));
    CHECK(filters.enosys.empty());
    CHECK(filters.allow.empty());
    CHECK(filters.conditional.empty());
}
