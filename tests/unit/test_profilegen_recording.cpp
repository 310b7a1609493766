#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "profilegen/recording.h"
#include "profilegen/syscall_table.h"

using namespace cradle;

TEST_CASE("an empty recording is complete; a reason makes it incomplete") {
    Recording recording;
    CHECK(recording.complete());
    recording.incomplete_reasons.push_back("lost 3 syscall events");
    CHECK_FALSE(recording.complete());
}

TEST_CASE("merge_into unites every set") {
    Recording into;
    into.architectures = {"x86_64"};
    into.capabilities = {"chown"};
    into.syscalls = {"read", "write"};
    into.compat_syscalls = {"_llseek"};
    into.compat_implied_syscalls = {"restart_syscall"};
    into.denied_capabilities = {"sys_admin"};
    into.probed_capabilities = {"net_admin"};
    into.runtime_syscalls = {"write"};
    into.implied_syscalls = {"restart_syscall"};
    into.setup_syscalls = {"mount"};

    Recording from;
    from.architectures = {"x86", "x86_64"};
    from.capabilities = {"setuid"};
    from.syscalls = {"execve", "read"};
    from.compat_syscalls = {"socketcall", "read"};
    from.compat_implied_syscalls = {"sigreturn"};
    from.denied_capabilities = {"sys_ptrace"};
    from.probed_capabilities = {"net_admin", "sys_resource"};
    from.runtime_syscalls = {"close"};
    from.implied_syscalls = {"rt_sigreturn"};
    from.setup_syscalls = {"pivot_root"};

    merge_into(into, from);
    CHECK(into.architectures == std::set<std::string>{"x86", "x86_64"});
    CHECK(into.capabilities == std::set<std::string>{"chown", "setuid"});
    CHECK(into.syscalls == std::set<std::string>{"execve", "read", "write"});
    CHECK(into.compat_syscalls == std::set<std::string>{"_llseek", "read", "socketcall"});
    CHECK(into.compat_implied_syscalls == std::set<std::string>{"restart_syscall", "sigreturn"});
    CHECK(into.denied_capabilities == std::set<std::string>{"sys_admin", "sys_ptrace"});
    CHECK(into.probed_capabilities == std::set<std::string>{"net_admin", "sys_resource"});
    CHECK(into.runtime_syscalls == std::set<std::string>{"close", "write"});
    CHECK(into.implied_syscalls == std::set<std::string>{"restart_syscall", "rt_sigreturn"});
    CHECK(into.setup_syscalls == std::set<std::string>{"mount", "pivot_root"});
    // `from` is left alone.
    CHECK(from.syscalls == std::set<std::string>{"execve", "read"});
}

TEST_CASE("merge_into keeps each capability in one set: granted, else denied, else probed") {
    Recording into;
    into.capabilities = {"chown"};
    into.denied_capabilities = {"setuid", "kill"};
    into.probed_capabilities = {"sys_admin", "net_admin"};

    Recording from;
    from.capabilities = {"setuid", "sys_admin"};
    from.denied_capabilities = {"chown", "net_admin"};
    from.probed_capabilities = {"kill", "sys_resource"};

    merge_into(into, from);
    CHECK(into.capabilities == std::set<std::string>{"chown", "setuid", "sys_admin"});
    CHECK(into.denied_capabilities == std::set<std::string>{"kill", "net_admin"});
    CHECK(into.probed_capabilities == std::set<std::string>{"sys_resource"});
}

TEST_CASE("merge_into sums counters, saturating") {
    Recording into;
    into.counters = {{"lost_syscalls", 2}, {"big", std::numeric_limits<std::uint64_t>::max() - 1}};
    Recording from;
    from.counters = {{"lost_syscalls", 5}, {"lost_capabilities", 1}, {"big", 10}};
    merge_into(into, from);
    CHECK(into.counters.at("lost_syscalls") == 7);
    CHECK(into.counters.at("lost_capabilities") == 1);
    CHECK(into.counters.at("big") == std::numeric_limits<std::uint64_t>::max());
    CHECK(into.counters.size() == 3);
}

TEST_CASE("merge_into keeps the reasons of both sorted, without duplicates, in either order") {
    Recording into;
    into.incomplete_reasons = {"b", "a"};
    Recording from;
    from.incomplete_reasons = {"c", "a", "d", "c"};
    Recording reversed = from;
    merge_into(reversed, into);
    merge_into(into, from);
    CHECK(into.incomplete_reasons == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(reversed.incomplete_reasons == into.incomplete_reasons);
    CHECK_FALSE(into.complete());

    Recording whole;
    merge_into(whole, Recording{});
    CHECK(whole.complete());
    CHECK(whole == Recording{});
}

TEST_CASE("merging a recording into itself doubles counters and changes nothing else") {
    Recording recording;
    recording.syscalls = {"read"};
    recording.counters = {{"lost_syscalls", 4}};
    recording.incomplete_reasons = {"x"};
    merge_into(recording, recording);
    CHECK(recording.syscalls == std::set<std::string>{"read"});
    CHECK(recording.counters.at("lost_syscalls") == 8);
    CHECK(recording.incomplete_reasons == std::vector<std::string>{"x"});
}

TEST_CASE("merge_into unites argument values per syscall") {
    Recording into;
    into.syscalls = {"socket", "clone"};
    into.arguments = {{"socket", {{2}, false}}, {"clone", {{}, false}}};
    Recording from;
    from.syscalls = {"socket", "unshare", "personality"};
    from.arguments = {{"socket", {{1, 2}, false}}, {"unshare", {{0x40000000}, false}}, {"personality", {{0}, true}}};

    merge_into(into, from);
    const std::map<std::string, ArgumentValues> expected = {
        {"clone", {{}, false}},
        {"personality", {{0}, true}},
        {"socket", {{1, 2}, false}},
        {"unshare", {{0x40000000}, false}},
    };
    CHECK(into.arguments == expected);
}

TEST_CASE("merge_into: a syscall one side made without argument values has none after") {
    // A tracefile written before ARGUMENTS, merged with a new recording: either way round.
    Recording old_file;
    old_file.syscalls = {"socket", "read"};
    Recording recorded;
    recorded.syscalls = {"socket", "clone"};
    recorded.arguments = {{"socket", {{2}, false}}, {"clone", {{}, false}}};

    Recording into = old_file;
    merge_into(into, recorded);
    CHECK(into.arguments == std::map<std::string, ArgumentValues>{{"clone", {{}, false}}});
    into = recorded;
    merge_into(into, old_file);
    CHECK(into.arguments == std::map<std::string, ArgumentValues>{{"clone", {{}, false}}});

    // Merging into an empty recording keeps what there is.
    Recording empty;
    merge_into(empty, recorded);
    CHECK(empty.arguments == recorded.arguments);
    merge_into(recorded, recorded);
    CHECK(empty.arguments == recorded.arguments);
}

TEST_CASE("compat_architectures and native_architectures tell the ABIs of a recording apart") {
    using Names = std::set<std::string>;
    CHECK(compat_architectures({"x86", "x86_64"}) == Names{"x86"});
    CHECK(native_architectures({"x86", "x86_64"}) == Names{"x86_64"});
    CHECK(compat_architectures({"x86_64"}).empty());
    // On a 32-bit machine x86 is the native architecture.
    CHECK(compat_architectures({"x86"}).empty());
    CHECK(native_architectures({"x86"}) == Names{"x86"});
    CHECK(compat_architectures({"aarch64", "arm"}) == Names{"arm"});
    CHECK(native_architectures({"aarch64", "arm"}) == Names{"aarch64"});
}

TEST_CASE("add_implied_syscalls: each ABI by what it did itself") {
    Recording recording;
    recording.architectures = {"x86", "x86_64"};
    recording.syscalls = {"execve", "rt_sigaction"};
    recording.compat_syscalls = {"read"};
    add_implied_syscalls(recording);
    CHECK(recording.implied_syscalls == std::set<std::string>{"restart_syscall", "rt_sigreturn"});
    CHECK(recording.compat_implied_syscalls == std::set<std::string>{"restart_syscall"});
    CHECK(recording.compat_syscalls == std::set<std::string>{"read", "restart_syscall"});

    recording.compat_syscalls.insert("signal");
    add_implied_syscalls(recording);
    CHECK(recording.compat_implied_syscalls == std::set<std::string>{"restart_syscall", "rt_sigreturn", "sigreturn"});

    // No compat syscalls: nothing is implied for the compat ABI.
    Recording native;
    native.architectures = {"x86_64"};
    native.syscalls = {"signal"};
    add_implied_syscalls(native);
    CHECK(native.compat_syscalls.empty());
    CHECK(native.compat_implied_syscalls.empty());
    CHECK(native.implied_syscalls == std::set<std::string>{"restart_syscall", "rt_sigreturn"});
}

TEST_CASE("split_single_allow_list gives a one-list recording its meaning per ABI") {
    Recording single;
    single.architectures = {"x86", "x86_64"};
    single.syscalls = {"_llseek", "newfstatat", "read", "unknown_syscall"};
    single.implied_syscalls = {"restart_syscall", "sigreturn"};
    split_single_allow_list(single);
    CHECK(single.syscalls == std::set<std::string>{"newfstatat", "read", "unknown_syscall"});
    CHECK(single.compat_syscalls == std::set<std::string>{"_llseek", "read"});
    CHECK(single.implied_syscalls == std::set<std::string>{"restart_syscall"});
    CHECK(single.compat_implied_syscalls == std::set<std::string>{"restart_syscall", "sigreturn"});
    // Names on each architecture before and after: the same.
    for (const char* arch : {"x86", "x86_64"}) {
        for (const char* name : {"_llseek", "newfstatat", "read"}) {
            INFO(arch << " " << name);
            const bool on_arch = syscall_available(arch, name).value();
            const auto& set = std::string(arch) == "x86" ? single.compat_syscalls : single.syscalls;
            CHECK(set.contains(name) == on_arch);
        }
    }

    // A recording with compat syscalls, or without a compat architecture, is left as it is.
    Recording split = single;
    split_single_allow_list(split);
    CHECK(split == single);
    Recording native;
    native.architectures = {"x86_64"};
    native.syscalls = {"_llseek", "read"};
    Recording untouched = native;
    split_single_allow_list(untouched);
    CHECK(untouched == native);
}

TEST_CASE("allowed_syscalls is both ABIs' names") {
    Recording recording;
    recording.syscalls = {"read", "newfstatat"};
    recording.compat_syscalls = {"read", "_llseek"};
    CHECK(allowed_syscalls(recording) == std::set<std::string>{"_llseek", "newfstatat", "read"});
}

TEST_CASE("merge_into unites the runtimes: the same one stays one") {
    Recording into;
    into.runtimes = {{"runc", "/usr/sbin/runc", "podman"}};
    Recording same = into;
    merge_into(into, same);
    CHECK(into.runtimes.size() == 1);
    Recording other;
    other.runtimes = {{"runc", "/usr/sbin/runc", "docker"}};
    merge_into(into, other);
    CHECK(into.runtimes ==
          std::set<ContainerRuntime>{{"runc", "/usr/sbin/runc", "docker"}, {"runc", "/usr/sbin/runc", "podman"}});
}
