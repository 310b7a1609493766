#include <doctest/doctest.h>

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/syscall_table.h"

using namespace cradle;
using nlohmann::json;

namespace {

std::string compile_error(const json& profile) {
    auto result = compile_seccomp_profile(profile);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

json minimal_profile() {
    return json{{"defaultAction", "SCMP_ACT_ERRNO"},
                {"architectures", {"SCMP_ARCH_X86_64"}},
                {"syscalls", json::array({{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}})}};
}

// libseccomp's pseudo-code for the filter, to see which syscalls landed on which architecture.
std::string pfc_of(const SeccompFilter& filter) {
    UniqueFd fd(memfd_create("test-pfc", MFD_CLOEXEC));
    REQUIRE(fd.valid());
    REQUIRE(seccomp_export_pfc(filter.get(), fd.get()) == 0);
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    off_t offset = 0;
    while ((n = pread(fd.get(), buffer, sizeof buffer, offset)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
        offset += n;
    }
    return text;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t found = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++found;
    }
    return found;
}

// Syscalls a child needs to report back and exit once the filter is loaded.
Recording child_recording() {
    Recording recording;
    recording.architectures = {native_arch()};
    recording.syscalls = {"exit", "exit_group", "getpid", "rt_sigreturn", "write"};
    return recording;
}

constexpr int k_getpid_failed = 99;
constexpr int k_load_failed = 98;

// Forks a child that loads `filter`, checks getpid still works, makes `call` and exits with
// 0 if it worked, else its errno.
template <typename Call>
int errno_under_filter(const SeccompFilter& filter, Call call) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        const pid_t before = getpid();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(filter.get()) != 0) {
            _exit(k_load_failed);
        }
        if (getpid() != before) {
            _exit(k_getpid_failed);
        }
        const long rc = call();
        _exit(rc == 0 ? 0 : (errno & 0x3f));
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

int mkdir_under_filter(const SeccompFilter& filter, const std::string& path) {
    return errno_under_filter(filter, [&] { return long{mkdir(path.c_str(), 0700)}; });
}

std::string scratch_path(const char* tag) {
    return "/tmp/cradle-unit-seccomp-" + std::string(tag) + "-" + std::to_string(getpid());
}

}  // namespace

TEST_CASE("the action table is sorted and complete") {
    const auto& names = seccomp_action_names();
    CHECK(std::is_sorted(names.begin(), names.end()));
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
    for (const char* action : {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                               "SCMP_ACT_LOG", "SCMP_ACT_TRAP"}) {
        INFO(action);
        CHECK(std::find(names.begin(), names.end(), action) != names.end());
    }
}

TEST_CASE("build_seccomp_profile makes a sorted allow-list, native architecture first") {
    Recording recording;
    recording.architectures = {"x86", "x86_64"};
    recording.syscalls = {"write", "read", "_llseek", "execve", "clone3"};
    recording.setup_syscalls = {"pivot_root"};
    recording.capabilities = {"chown"};
    auto profile = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    CHECK((*profile)["defaultAction"] == "SCMP_ACT_ERRNO");
    CHECK((*profile)["defaultErrnoRet"] == 1);
    const json& rules = (*profile)["syscalls"];
    REQUIRE(rules.size() == 2);
    CHECK(rules[0] ==
          json({{"names", {"_llseek", "clone3", "execve", "read", "write"}}, {"action", "SCMP_ACT_ALLOW"}}));
    // The fallback syscalls not recorded (clone3 was) and known to libseccomp get ENOSYS.
    std::vector<std::string> expected_fallbacks;
    for (const auto& name : fallback_syscalls()) {
        auto known = syscall_available("x86_64", name);
        if (name != "clone3" && known && *known) {
            expected_fallbacks.push_back(name);
        }
    }
    CHECK(expected_fallbacks.size() >= 6);
    CHECK(rules[1]["names"] == json(expected_fallbacks));
    CHECK(rules[1]["action"] == "SCMP_ACT_ERRNO");
    CHECK(rules[1]["errnoRet"] == ENOSYS);
    CHECK(rules[1]["comment"].is_string());
    CHECK(profile->size() == 4);
    if (native_arch() == "x86_64") {
        CHECK((*profile)["architectures"] == json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
    } else {
        CHECK((*profile)["architectures"] == json({"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}));
    }

    Recording empty;
    empty.architectures = {"x86_64"};
    auto none = build_seccomp_profile(empty);
    REQUIRE(none.ok());
    REQUIRE((*none)["syscalls"].size() == 1);
    CHECK((*none)["syscalls"][0]["errnoRet"] == ENOSYS);

    Recording every_fallback;
    every_fallback.architectures = {"x86_64"};
    for (const auto& name : fallback_syscalls()) {
        auto known = syscall_available("x86_64", name);
        if (known && *known) {
            every_fallback.syscalls.insert(name);
        }
    }
    auto allowed = build_seccomp_profile(every_fallback);
    REQUIRE(allowed.ok());
    REQUIRE((*allowed)["syscalls"].size() == 1);
    CHECK((*allowed)["syscalls"][0]["action"] == "SCMP_ACT_ALLOW");
}

TEST_CASE("fallback_syscalls is sorted and unique") {
    const auto names = fallback_syscalls();
    CHECK(std::is_sorted(names.begin(), names.end()));
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
    CHECK(std::find(names.begin(), names.end(), "clone3") != names.end());
}

TEST_CASE("build_seccomp_profile refuses what it cannot express") {
    auto no_arch = build_seccomp_profile(Recording{});
    REQUIRE_FALSE(no_arch.ok());
    CHECK(no_arch.error().message.find("no architecture") != std::string::npos);

    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"read", "_llseek", "no_such_syscall"};
    auto names = build_seccomp_profile(recording);
    REQUIRE_FALSE(names.ok());
    CHECK(names.error().code == EINVAL);
    CHECK(names.error().message.find("\"_llseek\", \"no_such_syscall\"") != std::string::npos);
    CHECK(names.error().message.find("\"read\"") == std::string::npos);

    recording.syscalls = {"read"};
    recording.architectures = {"vax"};
    auto arch = build_seccomp_profile(recording);
    REQUIRE_FALSE(arch.ok());
    CHECK(arch.error().message.find("\"vax\"") != std::string::npos);
}

TEST_CASE("render_seccomp_profile is indented JSON with a trailing newline") {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"read"};
    auto text = render_seccomp_profile(recording);
    REQUIRE(text.ok());
    CHECK(
        text->starts_with("{\n"
                          "  \"architectures\": [\n"
                          "    \"SCMP_ARCH_X86_64\"\n"
                          "  ],\n"
                          "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                          "  \"defaultErrnoRet\": 1,\n"
                          "  \"syscalls\": [\n"
                          "    {\n"
                          "      \"action\": \"SCMP_ACT_ALLOW\",\n"
                          "      \"names\": [\n"
                          "        \"read\"\n"
                          "      ]\n"
                          "    },\n"));
    CHECK(text->ends_with("  ]\n}\n"));
    CHECK(json::parse(*text) == build_seccomp_profile(recording).value());
}

TEST_CASE("compile_seccomp_profile puts each syscall only on architectures that have it") {
    json profile = minimal_profile();
    profile["architectures"] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
    profile["syscalls"][0]["names"] = {"_llseek", "read", "kexec_file_load", "socket"};
    auto filter = compile_seccomp_profile(profile);
    REQUIRE_MESSAGE(filter.ok(), filter.error().message);
    const std::string pfc = pfc_of(*filter);
    INFO(pfc);
    CHECK(count(pfc, "# filter for arch") == 2);
    CHECK(count(pfc, "syscall \"read\"") == 2);
    CHECK(count(pfc, "syscall \"_llseek\" (140)") == 1);
    CHECK(count(pfc, "syscall \"_llseek\"") == 1);
    CHECK(count(pfc, "syscall \"kexec_file_load\"") == 1);
    CHECK(count(pfc, "syscall \"socket\" (41)") == 1);
    CHECK(count(pfc, "syscall \"socket\" (359)") == 1);
}

TEST_CASE("compile_seccomp_profile accepts the schema's optional parts") {
    CHECK(compile_seccomp_profile(json{{"defaultAction", "SCMP_ACT_ALLOW"}}).ok());
    CHECK(compile_seccomp_profile(json{{"defaultAction", "SCMP_ACT_ERRNO"},
                                       {"defaultErrnoRet", 13},
                                       {"architectures", json::array()},
                                       {"syscalls", json::array()}})
              .ok());
    json rules = minimal_profile();
    rules["syscalls"].push_back({{"names", {"mkdir"}},
                                 {"action", "SCMP_ACT_ERRNO"},
                                 {"errnoRet", 38},
                                 {"comment", "pretend mkdir is not implemented"}});
    rules["syscalls"].push_back({{"names", {"getpid"}}, {"action", "SCMP_ACT_LOG"}});
    rules["syscalls"].push_back({{"names", {"getppid"}}, {"action", "SCMP_ACT_KILL_PROCESS"}});
    rules["syscalls"].push_back({{"names", json::array()}, {"action", "SCMP_ACT_TRAP"}});
    auto compiled = compile_seccomp_profile(rules);
    CHECK_MESSAGE(compiled.ok(), compiled.error().message);
}

TEST_CASE("compile_seccomp_profile names the field of every schema violation") {
    CHECK(compile_error(json::array()) == "seccomp profile: not a JSON object");
    CHECK(compile_error(json::object()) == "seccomp profile: \"defaultAction\": missing");
    CHECK(compile_error(json{{"defaultAction", 1}}) == "seccomp profile: \"defaultAction\": not a string");
    CHECK(compile_error(json{{"defaultAction", "SCMP_ACT_MAYBE"}}) ==
          "seccomp profile: \"defaultAction\": unknown action \"SCMP_ACT_MAYBE\"");
    CHECK(compile_error(json{{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", "1"}}) ==
          "seccomp profile: \"defaultErrnoRet\": not an integer");
    CHECK(compile_error(json{{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 5000}}) ==
          "seccomp profile: \"defaultErrnoRet\": 5000 is outside 0..4095");
    CHECK(compile_error(json{{"defaultAction", "SCMP_ACT_KILL"}, {"defaultErrnoRet", 1}}) ==
          "seccomp profile: \"defaultErrnoRet\": only valid with SCMP_ACT_ERRNO, not "
          "SCMP_ACT_KILL");
    CHECK(compile_error(json{{"defaultAction", "SCMP_ACT_ERRNO"}, {"flags", json::array()}}) ==
          "seccomp profile: \"flags\": not supported by Cradle (refused rather than ignored)");

    json profile = minimal_profile();
    profile["architectures"] = "SCMP_ARCH_X86_64";
    CHECK(compile_error(profile) == "seccomp profile: \"architectures\": not an array");
    profile["architectures"] = {"SCMP_ARCH_X86_64", 3};
    CHECK(compile_error(profile) == "seccomp profile: \"architectures[1]\": not a string");
    profile["architectures"] = {"SCMP_ARCH_VAX"};
    CHECK(compile_error(profile) ==
          "seccomp profile: \"architectures[0]\": seccomp architecture \"SCMP_ARCH_VAX\": "
          "unknown");
    profile["architectures"] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86"};
    CHECK(compile_error(profile) == "seccomp profile: \"architectures[1]\": \"SCMP_ARCH_X86\" listed twice");

    profile = minimal_profile();
    profile["syscalls"] = json::object();
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls\": not an array");
    profile["syscalls"] = {"read"};
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0]\": not an object");

    profile = minimal_profile();
    profile["syscalls"][0].erase("names");
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].names\": missing");
    profile["syscalls"][0]["names"] = "read";
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].names\": not an array");
    profile["syscalls"][0]["names"] = {"read", 0};
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].names[1]\": not a string");
    profile["syscalls"][0]["names"] = {"read", "no_such_syscall"};
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].names[1]\": syscall \"no_such_syscall\": unknown");
    profile["syscalls"][0]["names"] = {"_llseek"};
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[0].names[0]\": syscall \"_llseek\": not available on "
          "x86_64");

    profile = minimal_profile();
    profile["syscalls"][0].erase("action");
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].action\": missing");
    profile["syscalls"][0]["action"] = "ALLOW";
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].action\": unknown action \"ALLOW\"");
    profile["syscalls"][0]["action"] = "SCMP_ACT_ALLOW";
    profile["syscalls"][0]["errnoRet"] = 1;
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[0].errnoRet\": only valid with SCMP_ACT_ERRNO, not "
          "SCMP_ACT_ALLOW");
    profile["syscalls"][0]["action"] = "SCMP_ACT_ERRNO";
    profile["syscalls"][0]["errnoRet"] = -1;
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].errnoRet\": -1 is outside 0..4095");
    // Past 2^63 the value is quoted as it is written, not wrapped to a negative number.
    profile["syscalls"][0]["errnoRet"] = std::numeric_limits<std::uint64_t>::max();
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[0].errnoRet\": 18446744073709551615 is outside 0..4095");
    CHECK(compile_error(json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO",
                                        "defaultErrnoRet": 9223372036854775808})")) ==
          "seccomp profile: \"defaultErrnoRet\": 9223372036854775808 is outside 0..4095");
    profile["syscalls"][0]["errnoRet"] = std::uint64_t{ENOSYS};
    CHECK(compile_seccomp_profile(profile).ok());
    profile["syscalls"][0].erase("errnoRet");
    profile["syscalls"][0]["includes"] = json::object();
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[0].includes\": not supported by Cradle (refused rather "
          "than ignored)");
    profile["syscalls"][0].erase("includes");
    profile["syscalls"][0]["comment"] = 7;
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].comment\": not a string");
}

TEST_CASE("compile_seccomp_profile reports conflicting rules for one syscall") {
    json profile = minimal_profile();
    profile["syscalls"].push_back({{"names", {"read"}}, {"action", "SCMP_ACT_KILL"}});
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[1].names[0]\": syscall \"read\": already has another "
          "action in \"syscalls[0].names[0]\"");
    // The same action twice is only redundant.
    profile["syscalls"][1]["action"] = "SCMP_ACT_ALLOW";
    profile["syscalls"][1]["names"] = {"write", "read", "write"};
    CHECK(compile_seccomp_profile(profile).ok());
}

TEST_CASE("SeccompFilter owns its context and moves") {
    auto compiled = compile_seccomp_profile(minimal_profile());
    REQUIRE(compiled.ok());
    SeccompFilter first = std::move(*compiled);
    REQUIRE(first.get() != nullptr);
    const scmp_filter_ctx ctx = first.get();
    SeccompFilter second(std::move(first));
    CHECK(first.get() == nullptr);
    CHECK(second.get() == ctx);
    SeccompFilter third;
    third = std::move(second);
    CHECK(second.get() == nullptr);
    CHECK(third.get() == ctx);
}

TEST_CASE("a generated profile is enforced on a real process") {
    const std::string path = scratch_path("denied");
    rmdir(path.c_str());

    auto profile = build_seccomp_profile(child_recording());
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    auto denying = compile_seccomp_profile(*profile);
    REQUIRE(denying.ok());
    CHECK(mkdir_under_filter(*denying, path) == EPERM);
    struct stat info {};
    CHECK(stat(path.c_str(), &info) != 0);

    // The same child with mkdir allowed: proves the EPERM above came from the filter.
    Recording allowing_recording = child_recording();
    for (const char* name : {"mkdir", "mkdirat"}) {
        if (syscall_available(native_arch(), name).value()) {
            allowing_recording.syscalls.insert(name);
        }
    }
    auto allowing = compile_seccomp_profile(build_seccomp_profile(allowing_recording).value());
    REQUIRE(allowing.ok());
    CHECK(mkdir_under_filter(*allowing, path) == 0);
    CHECK(stat(path.c_str(), &info) == 0);
    rmdir(path.c_str());

    // The errno comes from the profile, not from a coincidence.
    json eacces = *profile;
    eacces["defaultErrnoRet"] = EACCES;
    auto other_errno = compile_seccomp_profile(eacces);
    REQUIRE(other_errno.ok());
    CHECK(mkdir_under_filter(*other_errno, path) == EACCES);
}

TEST_CASE("a fallback syscall the workload never made fails with ENOSYS, the rest with EPERM") {
    // clone3 with no arguments: EINVAL from the kernel itself, so ENOSYS can only be the filter's.
    const auto clone3 = [] { return syscall(SYS_clone3, nullptr, 0); };
    REQUIRE(clone3() == -1);
    REQUIRE(errno == EINVAL);

    auto profile = build_seccomp_profile(child_recording());
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    auto filter = compile_seccomp_profile(*profile);
    REQUIRE(filter.ok());
    CHECK(errno_under_filter(*filter, clone3) == ENOSYS);
    CHECK(mkdir_under_filter(*filter, scratch_path("enosys")) == EPERM);

    Recording with_clone3 = child_recording();
    with_clone3.syscalls.insert("clone3");
    auto allowing = compile_seccomp_profile(build_seccomp_profile(with_clone3).value());
    REQUIRE(allowing.ok());
    CHECK(errno_under_filter(*allowing, clone3) == EINVAL);
}

namespace {

// The JSON array lines of `names` at the indent of a rule's "names" entries.
std::string name_lines(const std::vector<std::string>& names) {
    std::string lines;
    for (std::size_t i = 0; i < names.size(); ++i) {
        lines += "        \"" + names[i] + "\"" + (i + 1 < names.size() ? ",\n" : "\n");
    }
    return lines;
}

// fallback_syscalls() that libseccomp knows on x86_64 or x86, less `recorded`.
std::vector<std::string> expected_enosys(const std::set<std::string>& recorded) {
    std::vector<std::string> names;
    for (const auto& name : fallback_syscalls()) {
        const auto on = [&](const char* arch) {
            auto available = syscall_available(arch, name);
            return available && *available;
        };
        if (!recorded.contains(name) && (on("x86_64") || on("x86"))) {
            names.push_back(name);
        }
    }
    return names;
}

}  // namespace

TEST_CASE("render_seccomp_profile writes exactly these bytes") {
    Recording recording;
    recording.architectures = {"x86_64", "x86"};
    recording.syscalls = {"write", "read", "_llseek", "clone3"};
    recording.capabilities = {"chown"};
    recording.setup_syscalls = {"mount"};
    auto text = render_seccomp_profile(recording);
    REQUIRE_MESSAGE(text.ok(), text.error().message);
    // Which fallbacks libseccomp knows depends on its version; everything else is fixed.
    const std::vector<std::string> enosys = expected_enosys(recording.syscalls);
    REQUIRE(enosys.size() >= 6);
    const std::string architectures = native_arch() == "x86_64" ? "    \"SCMP_ARCH_X86_64\",\n    \"SCMP_ARCH_X86\"\n"
                                                                : "    \"SCMP_ARCH_X86\",\n    \"SCMP_ARCH_X86_64\"\n";
    CHECK(*text ==
          "{\n"
          "  \"architectures\": [\n" +
              architectures +
              "  ],\n"
              "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
              "  \"defaultErrnoRet\": 1,\n"
              "  \"syscalls\": [\n"
              "    {\n"
              "      \"action\": \"SCMP_ACT_ALLOW\",\n"
              "      \"names\": [\n" +
              name_lines({"_llseek", "clone3", "read", "write"}) +
              "      ]\n"
              "    },\n"
              "    {\n"
              "      \"action\": \"SCMP_ACT_ERRNO\",\n"
              "      \"comment\": \"never made while recording; ENOSYS lets the caller fall back to an "
              "older syscall\",\n"
              "      \"errnoRet\": 38,\n"
              "      \"names\": [\n" +
              name_lines(enosys) +
              "      ]\n"
              "    }\n"
              "  ]\n"
              "}\n");

    Recording empty;
    empty.architectures = {"x86"};
    auto only_enosys = render_seccomp_profile(empty);
    REQUIRE_MESSAGE(only_enosys.ok(), only_enosys.error().message);
    std::vector<std::string> enosys_on_x86;
    for (const auto& name : fallback_syscalls()) {
        if (auto available = syscall_available("x86", name); available && *available) {
            enosys_on_x86.push_back(name);
        }
    }
    CHECK(*only_enosys ==
          "{\n"
          "  \"architectures\": [\n"
          "    \"SCMP_ARCH_X86\"\n"
          "  ],\n"
          "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
          "  \"defaultErrnoRet\": 1,\n"
          "  \"syscalls\": [\n"
          "    {\n"
          "      \"action\": \"SCMP_ACT_ERRNO\",\n"
          "      \"comment\": \"never made while recording; ENOSYS lets the caller fall back to an "
          "older syscall\",\n"
          "      \"errnoRet\": 38,\n"
          "      \"names\": [\n" +
              name_lines(enosys_on_x86) +
              "      ]\n"
              "    }\n"
              "  ]\n"
              "}\n");
}

TEST_CASE("bytes that are not UTF-8 give an error, never a JSON exception") {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"read",
                          "re\xff"
                          "ad"};
    auto syscall = render_seccomp_profile(recording);
    REQUIRE_FALSE(syscall.ok());
    CHECK(syscall.error().code == EINVAL);

    recording.syscalls = {"read"};
    recording.architectures = {"x86\xc3"};
    auto arch = render_seccomp_profile(recording);
    REQUIRE_FALSE(arch.ok());
    CHECK(arch.error().code == EINVAL);

    // What the profile does not hold may be anything.
    recording.architectures = {"x86_64"};
    recording.setup_syscalls = {"\xff"};
    recording.capabilities = {"\xfe"};
    recording.incomplete_reasons = {"\xfd"};
    recording.counters = {{"\xfc", 1}};
    CHECK(render_seccomp_profile(recording).ok());

    json profile = minimal_profile();
    profile["syscalls"][0]["names"] = {"read", "\xff"};
    CHECK(compile_error(profile) == "seccomp profile: \"syscalls[0].names[1]\": syscall \"\xff\": unknown");
    profile = minimal_profile();
    profile["syscalls"][0]["comment"] = "\xff";
    CHECK(compile_seccomp_profile(profile).ok());
    profile["architectures"] = {"SCMP_ARCH_\xff"};
    CHECK(compile_error(profile) ==
          "seccomp profile: \"architectures[0]\": seccomp architecture \"SCMP_ARCH_\xff\": unknown");
}

TEST_CASE("build_seccomp_profile answers ENOSYS by default when asked, and compiles") {
    Recording recording;
    recording.architectures = {native_arch()};
    recording.syscalls = {"execve", "read"};
    auto eperm = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(eperm.ok(), eperm.error().message);
    CHECK((*eperm)["defaultErrnoRet"] == EPERM);
    CHECK(build_seccomp_profile(recording, RefusalErrno::eperm).value() == *eperm);

    auto enosys = build_seccomp_profile(recording, RefusalErrno::enosys);
    REQUIRE_MESSAGE(enosys.ok(), enosys.error().message);
    CHECK((*enosys)["defaultErrnoRet"] == ENOSYS);
    // Only the default differs: the fallback rule stays, now the same as the default.
    json expected = *eperm;
    expected["defaultErrnoRet"] = ENOSYS;
    CHECK(*enosys == expected);
    CHECK(compile_seccomp_profile(*enosys).ok());

    auto text = render_seccomp_profile(recording, RefusalErrno::enosys);
    REQUIRE(text.ok());
    CHECK(json::parse(*text) == *enosys);
    CHECK(refusal_errno_value(RefusalErrno::eperm) == EPERM);
    CHECK(refusal_errno_value(RefusalErrno::enosys) == ENOSYS);
}

namespace {

// A recording whose child (errno_under_filter) may also make the syscalls of argument rules.
Recording recording_with_arguments() {
    Recording recording = child_recording();
    recording.syscalls.insert({"socket", "close", "clone", "unshare", "personality"});
    recording.arguments = {
        {"socket", {{AF_UNIX, AF_INET}, false}},
        {"clone", {{}, false}},
        {"unshare", {{CLONE_NEWUTS}, false}},
        {"personality", {{0xffffffff}, false}},
    };
    return recording;
}

json arg(unsigned index, std::uint64_t value, std::uint64_t value_two, const char* op) {
    return {{"index", index}, {"value", value}, {"valueTwo", value_two}, {"op", op}};
}

// The profile's rules for `name`, in order.
std::vector<json> rules_for(const json& profile, const std::string& name) {
    std::vector<json> rules;
    for (const auto& rule : profile.at("syscalls")) {
        const auto& names = rule.at("names");
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            rules.push_back(rule);
        }
    }
    return rules;
}

constexpr std::uint64_t k_namespaces = 0x7e020000;  // clone's CLONE_NEW* flags

// struct clone_args of <linux/sched.h> (whose macros clash with <sched.h>'s), first version.
struct CloneArgs {
    std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

// A socket of `family`: 0, or the errno.
long open_socket(int family) {
    const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? -1 : close(fd);
}

// clone(flags | SIGCHLD) whose child exits at once; 0 in the parent when it was made.
long clone_with(unsigned long flags) {
    const long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        syscall(SYS_exit, 0);
    }
    return pid > 0 ? 0 : -1;
}

// A profile of `recording` that refuses with EACCES, which none of the calls tested here gets
// from the kernel: a refusal is the filter's.
SeccompFilter eacces_filter(const Recording& recording) {
    auto profile = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    (*profile)["defaultErrnoRet"] = EACCES;
    auto filter = compile_seccomp_profile(*profile);
    REQUIRE_MESSAGE(filter.ok(), filter.error().message);
    return std::move(*filter);
}

// The part of libseccomp's pseudo-code for `arch` (its "# filter for arch NAME" block).
std::string pfc_for_arch(const std::string& pfc, const std::string& arch) {
    const std::string heading = "# filter for arch " + arch + " (";
    const auto start = pfc.find(heading);
    if (start == std::string::npos) {
        return "";
    }
    const auto end = pfc.find("# filter for arch ", start + heading.size());
    return pfc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool allows(const std::string& block, const std::string& name) {
    return block.find("# filter for syscall \"" + name + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("build_seccomp_profile filters by the argument values recorded") {
    auto profile = build_seccomp_profile(recording_with_arguments());
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    // Out of the plain allow-list, into rules of their own.
    const auto& plain = profile->at("syscalls").at(0);
    CHECK(plain.at("action") == "SCMP_ACT_ALLOW");
    CHECK_FALSE(plain.contains("args"));
    for (const char* filtered : {"socket", "clone", "unshare", "personality"}) {
        CHECK(std::find(plain.at("names").begin(), plain.at("names").end(), filtered) == plain.at("names").end());
    }
    const json allow = "SCMP_ACT_ALLOW";
    CHECK(rules_for(*profile, "socket") == std::vector<json>{{{"names", {"socket"}},
                                                              {"action", allow},
                                                              {"args", {arg(0, AF_UNIX, 0, "SCMP_CMP_EQ")}},
                                                              {"comment", "made with AF_UNIX"}},
                                                             {{"names", {"socket"}},
                                                              {"action", allow},
                                                              {"args", {arg(0, AF_INET, 0, "SCMP_CMP_EQ")}},
                                                              {"comment", "made with AF_INET"}}});
    CHECK(rules_for(*profile, "clone") == std::vector<json>{{{"names", {"clone"}},
                                                             {"action", allow},
                                                             {"args", {arg(0, k_namespaces, 0, "SCMP_CMP_MASKED_EQ")}},
                                                             {"comment", "made with no namespace flag"}}});
    CHECK(
        rules_for(*profile, "unshare") ==
        std::vector<json>{{{"names", {"unshare"}},
                           {"action", allow},
                           {"args", {arg(0, (k_namespaces | CLONE_NEWTIME) & ~CLONE_NEWUTS, 0, "SCMP_CMP_MASKED_EQ")}},
                           {"comment", "made with CLONE_NEWUTS and no other namespace flag"}}});
    CHECK(rules_for(*profile, "personality") == std::vector<json>{{{"names", {"personality"}},
                                                                   {"action", allow},
                                                                   {"args", {arg(0, 0xffffffff, 0, "SCMP_CMP_EQ")}},
                                                                   {"comment", "made with 0xffffffff"}}});
    // clone3 never made: ENOSYS, as before.
    CHECK(rules_for(*profile, "clone3").at(0).at("errnoRet") == ENOSYS);
}

TEST_CASE("build_seccomp_profile answers ENOSYS for clone3 made without namespaces, and allows clone") {
    Recording recording = child_recording();
    recording.syscalls.insert("clone3");
    recording.arguments = {{"clone3", {{}, false}}};
    auto profile = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    const auto clone3 = rules_for(*profile, "clone3");
    REQUIRE(clone3.size() == 1);
    CHECK(clone3[0].at("names") == json{"clone3"});
    CHECK(clone3[0].at("action") == "SCMP_ACT_ERRNO");
    CHECK(clone3[0].at("errnoRet") == ENOSYS);
    CHECK(rules_for(*profile, "clone").at(0).at("args") == json{arg(0, k_namespaces, 0, "SCMP_CMP_MASKED_EQ")});

    auto filter = compile_seccomp_profile(*profile);
    REQUIRE(filter.ok());
    CloneArgs args{};
    args.exit_signal = SIGCHLD;
    const auto spawn_with_clone3 = [&] {
        const long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) {
            syscall(SYS_exit, 0);
        }
        return pid > 0 ? 0L : -1L;
    };
    CHECK(errno_under_filter(*filter, spawn_with_clone3) == ENOSYS);
    CHECK(errno_under_filter(*filter, [] { return clone_with(0); }) == 0);
}

TEST_CASE("argument rules are enforced on a real process") {
    const SeccompFilter filter = eacces_filter(recording_with_arguments());
    CHECK(errno_under_filter(filter, [] { return open_socket(AF_INET); }) == 0);
    CHECK(errno_under_filter(filter, [] { return open_socket(AF_UNIX); }) == 0);
    CHECK(errno_under_filter(filter, [] { return open_socket(AF_NETLINK); }) == EACCES);
    CHECK(errno_under_filter(filter, [] { return open_socket(AF_INET6); }) == EACCES);
    CHECK(errno_under_filter(filter, [] { return clone_with(0); }) == 0);
    CHECK(errno_under_filter(filter, [] { return clone_with(CLONE_NEWNET); }) == EACCES);
    CHECK(errno_under_filter(filter, [] { return clone_with(CLONE_NEWUSER); }) == EACCES);
    // unshare(CLONE_NEWUTS) is the kernel's to answer: EPERM unprivileged.
    const int unshare_uts = errno_under_filter(filter, [] { return long{unshare(CLONE_NEWUTS)}; });
    CHECK((unshare_uts == 0 || unshare_uts == EPERM));
    CHECK(errno_under_filter(filter, [] { return long{unshare(CLONE_FS)}; }) == 0);
    CHECK(errno_under_filter(filter, [] { return long{unshare(CLONE_NEWNET)}; }) == EACCES);
    CHECK(errno_under_filter(filter, [] { return long{unshare(CLONE_NEWUTS | CLONE_NEWNET)}; }) == EACCES);
    CHECK(errno_under_filter(filter, [] { return personality(0xffffffff) == -1 ? -1L : 0L; }) == 0);
    CHECK(errno_under_filter(filter, [] { return personality(ADDR_NO_RANDOMIZE) == -1 ? -1L : 0L; }) == EACCES);

    // The same calls are the kernel's to answer once the values are unknown.
    Recording unknown = recording_with_arguments();
    unknown.arguments.clear();
    const SeccompFilter plain = eacces_filter(unknown);
    CHECK(errno_under_filter(plain, [] { return open_socket(AF_NETLINK); }) == 0);
    CHECK(errno_under_filter(plain, [] { return clone_with(CLONE_NEWUSER); }) != EACCES);
    CHECK(errno_under_filter(plain, [] { return long{unshare(CLONE_NEWNET)}; }) != EACCES);
}

TEST_CASE("argument rules compile for x86 too, where socket is also reached through socketcall") {
    Recording recording = recording_with_arguments();
    recording.architectures = {"x86_64", "x86"};
    auto profile = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    auto filter = compile_seccomp_profile(*profile);
    REQUIRE(filter.ok());
    const std::string pfc = pfc_of(*filter);
    CHECK(pfc.find("socketcall") != std::string::npos);
}

TEST_CASE("compile_seccomp_profile reads args as Docker's profile writes them") {
    json profile = minimal_profile();
    profile["syscalls"].push_back(
        {{"names", {"personality"}}, {"action", "SCMP_ACT_ALLOW"}, {"args", {arg(0, 0, 0, "SCMP_CMP_EQ")}}});
    profile["syscalls"].push_back(
        {{"names", {"personality"}}, {"action", "SCMP_ACT_ALLOW"}, {"args", {arg(0, 8, 0, "SCMP_CMP_EQ")}}});
    profile["syscalls"].push_back({{"names", {"clone"}},
                                   {"action", "SCMP_ACT_ALLOW"},
                                   {"args", {{{"index", 0}, {"value", 2114060288}, {"op", "SCMP_CMP_MASKED_EQ"}}}}});
    profile["syscalls"].push_back({{"names", {"socket"}},
                                   {"action", "SCMP_ACT_ALLOW"},
                                   {"args", {arg(0, 40, 0, "SCMP_CMP_NE"), arg(1, 5, 0, "SCMP_CMP_LE")}}});
    profile["syscalls"].push_back({{"names", {"socket"}}, {"action", "SCMP_ACT_ALLOW"}, {"args", nullptr}});
    auto compiled = compile_seccomp_profile(profile);
    REQUIRE_MESSAGE(compiled.ok(), compiled.error().message);
    const std::string pfc = pfc_of(*compiled);
    CHECK(pfc.find("personality") != std::string::npos);

    // Another action for a syscall that has a rule is still a conflict, args or not.
    profile["syscalls"].push_back(
        {{"names", {"personality"}}, {"action", "SCMP_ACT_KILL"}, {"args", {arg(0, 9, 0, "SCMP_CMP_EQ")}}});
    CHECK(compile_error(profile) ==
          "seccomp profile: \"syscalls[6].names[0]\": syscall \"personality\": already has another action in "
          "\"syscalls[1].names[0]\"");
}

TEST_CASE("compile_seccomp_profile names the field of every args violation") {
    const auto with_args = [](json args) {
        json profile = minimal_profile();
        profile["syscalls"][0]["args"] = std::move(args);
        return compile_error(profile);
    };
    CHECK(with_args(json::object()) == "seccomp profile: \"syscalls[0].args\": not an array");
    CHECK(with_args({1}) == "seccomp profile: \"syscalls[0].args[0]\": not an object");
    // A missing value is 0, as runc reads it.
    json without_value = minimal_profile();
    without_value["syscalls"][0]["args"] = {{{"index", 0}, {"op", "SCMP_CMP_EQ"}}};
    json with_zero = minimal_profile();
    with_zero["syscalls"][0]["args"] = {arg(0, 0, 0, "SCMP_CMP_EQ")};
    auto compiled_without = compile_seccomp_profile(without_value);
    auto compiled_zero = compile_seccomp_profile(with_zero);
    REQUIRE_MESSAGE(compiled_without.ok(), compiled_without.error().message);
    REQUIRE(compiled_zero.ok());
    CHECK(pfc_of(*compiled_without) == pfc_of(*compiled_zero));
    CHECK(with_args({{{"value", 0}, {"op", "SCMP_CMP_EQ"}}}) ==
          "seccomp profile: \"syscalls[0].args[0].index\": missing");
    CHECK(with_args({{{"index", 0}, {"value", 0}}}) == "seccomp profile: \"syscalls[0].args[0].op\": missing");
    CHECK(with_args({arg(6, 0, 0, "SCMP_CMP_EQ")}) ==
          "seccomp profile: \"syscalls[0].args[0].index\": 6 is outside 0..5");
    CHECK(with_args({{{"index", 0}, {"value", -1}, {"op", "SCMP_CMP_EQ"}}}) ==
          "seccomp profile: \"syscalls[0].args[0].value\": not an integer from 0 to 2^64-1");
    CHECK(with_args({{{"index", 0}, {"value", 1}, {"valueTwo", "2"}, {"op", "SCMP_CMP_EQ"}}}) ==
          "seccomp profile: \"syscalls[0].args[0].valueTwo\": not an integer from 0 to 2^64-1");
    CHECK(with_args({arg(0, 0, 0, "SCMP_CMP_SOMETIMES")}) ==
          "seccomp profile: \"syscalls[0].args[0].op\": unknown comparison \"SCMP_CMP_SOMETIMES\"");
    CHECK(with_args({{{"index", 0}, {"value", 1}, {"op", 3}}}) ==
          "seccomp profile: \"syscalls[0].args[0].op\": not a string");
    CHECK(with_args({{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}, {"mask", 1}}}) ==
          "seccomp profile: \"syscalls[0].args[0].mask\": not supported by Cradle (refused rather than ignored)");
}

TEST_CASE("build_seccomp_profile: each ABI's names on the architectures that have them") {
    Recording recording;
    recording.architectures = {"x86", "x86_64"};
    recording.syscalls = {"exit_group", "newfstatat", "ptrace", "read"};
    recording.compat_syscalls = {"_llseek", "exit_group", "read", "socketcall"};
    auto profile = build_seccomp_profile(recording);
    REQUIRE_MESSAGE(profile.ok(), profile.error().message);
    CHECK((*profile)["syscalls"][0]["names"] ==
          json({"_llseek", "exit_group", "newfstatat", "ptrace", "read", "socketcall"}));
    auto filter = compile_seccomp_profile(*profile);
    REQUIRE_MESSAGE(filter.ok(), filter.error().message);
    const std::string pfc = pfc_of(*filter);
    INFO(pfc);
    const std::string x86_64 = pfc_for_arch(pfc, "x86_64");
    const std::string x86 = pfc_for_arch(pfc, "x86");
    REQUIRE_FALSE(x86_64.empty());
    REQUIRE_FALSE(x86.empty());
    // A compat-only name is allowed on x86 only, a native-only name on x86_64 only.
    for (const char* name : {"_llseek", "socketcall"}) {
        INFO(name);
        CHECK(allows(x86, name));
        CHECK_FALSE(allows(x86_64, name));
    }
    CHECK(allows(x86_64, "newfstatat"));
    CHECK_FALSE(allows(x86, "newfstatat"));
    CHECK(allows(x86_64, "read"));
    CHECK(allows(x86, "read"));
    // What the format cannot say: a name both tables have, made by one ABI, is allowed on both
    // (runtimes add every rule on every listed architecture), as the header says.
    CHECK(allows(x86, "ptrace"));

    // The same recording as one list (a tracefile from before per-ABI sets) gives the same profile.
    Recording single;
    single.architectures = recording.architectures;
    single.syscalls = allowed_syscalls(recording);
    CHECK(build_seccomp_profile(single).value() == *profile);
}

TEST_CASE("build_seccomp_profile: x86 is listed only with the compat ABI's syscalls") {
    Recording native;
    native.architectures = {"x86_64"};
    native.syscalls = {"read"};
    CHECK(build_seccomp_profile(native).value()["architectures"] == json({"SCMP_ARCH_X86_64"}));

    // Compat syscalls without a compat architecture cannot be placed.
    Recording unplaced = native;
    unplaced.compat_syscalls = {"_llseek"};
    auto none = build_seccomp_profile(unplaced);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("lists no compat architecture") != std::string::npos);

    // Each set is checked against its own architecture's table.
    Recording misplaced;
    misplaced.architectures = {"x86", "x86_64"};
    misplaced.syscalls = {"read", "_llseek"};
    misplaced.compat_syscalls = {"read", "newfstatat"};
    auto native_wrong = build_seccomp_profile(misplaced);
    REQUIRE_FALSE(native_wrong.ok());
    CHECK(native_wrong.error().message.find("syscall \"_llseek\" not available on x86_64") != std::string::npos);
    misplaced.syscalls = {"read"};
    auto compat_wrong = build_seccomp_profile(misplaced);
    REQUIRE_FALSE(compat_wrong.ok());
    CHECK(compat_wrong.error().message.find("compat syscall \"newfstatat\" not available on x86") != std::string::npos);
}
