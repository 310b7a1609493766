#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/base_policy.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

const BaseContext k_x86_64{"x86_64", "6.18.0-1-amd64", {"CAP_CHOWN"}};

// An allow-list base with every kind of condition Docker's default uses.
const nlohmann::json k_allow_list = nlohmann::json::parse(R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}
  ],
  "syscalls": [
    {"names": ["execve", "exit_group", "read", "write", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390x"]}},
    {"names": ["clone", "unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["s390_runtime_instr"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
    {"name": "ptrace", "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
    {"names": ["kexec_load"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.1"}},
    {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "no directories"}
  ]
})");

Recording x86_64_recording(std::set<std::string> syscalls) {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.capabilities = {"chown"};
    recording.syscalls = std::move(syscalls);
    return recording;
}

bool names(const nlohmann::json& rule, const std::string& name) {
    const auto& list = rule["names"];
    return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

TEST_CASE("merge_with_base settles an allow-list base and reports what it refuses") {
    const Recording recording = x86_64_recording({"clone", "execve", "exit_group", "mkdir", "read", "rmdir", "write"});
    auto merge = merge_with_base(k_allow_list, recording, k_x86_64);
    REQUIRE_MESSAGE(merge.ok(), merge.error().message);
    // archMap by the native architecture; includes/excludes by CAP_CHOWN, amd64 and the kernel;
    // unknown names left out; "name" made "names"; args, errnoRet and comment kept.
    CHECK(merge->profile.dump(2) == R"({
  "architectures": [
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86"
  ],
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "syscalls": [
    {
      "action": "SCMP_ACT_ALLOW",
      "names": [
        "execve",
        "exit_group",
        "read",
        "write"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 0,
          "op": "SCMP_CMP_MASKED_EQ",
          "value": 2114060288,
          "valueTwo": 0
        }
      ],
      "names": [
        "clone"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "names": [
        "chown"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "names": [
        "arch_prctl"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "names": [
        "ptrace"
      ]
    },
    {
      "action": "SCMP_ACT_ERRNO",
      "comment": "no directories",
      "errnoRet": 13,
      "names": [
        "mkdir"
      ]
    }
  ]
})");
    REQUIRE(merge->refused.size() == 2);
    CHECK(merge->refused[0].syscall == "mkdir");
    CHECK(merge->refused[0].by == "syscalls[8] (SCMP_ACT_ERRNO)");
    CHECK(merge->refused[1].syscall == "rmdir");
    CHECK(merge->refused[1].by == "defaultAction SCMP_ACT_ERRNO");
    CHECK(merge->conditional == std::vector<std::string>{"clone"});
    CHECK(merge->missing_architectures.empty());
}

TEST_CASE("merge_with_base: the capabilities granted decide includes and excludes") {
    BaseContext admin = k_x86_64;
    admin.capabilities = {"CAP_SYS_ADMIN"};
    auto merge = merge_with_base(k_allow_list, x86_64_recording({"clone", "chown", "unshare"}), admin);
    REQUIRE_MESSAGE(merge.ok(), merge.error().message);
    const auto& rules = merge->profile["syscalls"];
    // clone without conditions, and unshare; the argument-conditioned clone and chown are gone.
    CHECK(std::any_of(rules.begin(), rules.end(), [](const auto& r) { return names(r, "unshare"); }));
    CHECK(std::none_of(rules.begin(), rules.end(), [](const auto& r) { return r.contains("args"); }));
    CHECK(std::none_of(rules.begin(), rules.end(), [](const auto& r) { return names(r, "chown"); }));
    REQUIRE(merge->refused.size() == 1);
    CHECK(merge->refused[0].syscall == "chown");
    CHECK(merge->conditional.empty());
}

TEST_CASE("merge_with_base: a deny-list base refuses only what it names") {
    const nlohmann::json base = nlohmann::json::parse(R"({
      "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 17, "op": "SCMP_CMP_EQ"}]},
        {"names": ["kexec_load"], "action": "SCMP_ACT_KILL_PROCESS"}
      ]
    })");
    Recording recording = x86_64_recording({"execve", "mkdir", "read", "rmdir", "socket"});
    recording.architectures.insert("x86");
    auto merge = merge_with_base(base, recording, k_x86_64);
    REQUIRE_MESSAGE(merge.ok(), merge.error().message);
    // No architectures listed: the native one alone, as a runtime does; no defaultErrnoRet.
    CHECK(merge->profile["architectures"] == nlohmann::json{"SCMP_ARCH_X86_64"});
    CHECK_FALSE(merge->profile.contains("defaultErrnoRet"));
    CHECK(merge->profile["syscalls"].size() == 3);
    REQUIRE(merge->refused.size() == 1);
    CHECK(merge->refused[0].syscall == "mkdir");
    CHECK(merge->refused[0].by == "syscalls[0] (SCMP_ACT_ERRNO)");
    CHECK(merge->conditional == std::vector<std::string>{"socket"});
    CHECK(merge->missing_architectures == std::vector<std::string>{"x86"});
}

TEST_CASE("merge_with_base keeps Docker's default as dockerd would apply it") {
    auto docker = read_base_profile(std::string(CRADLE_SOURCE_DIR) + "/tests/unit/data/docker-default.json");
    REQUIRE_MESSAGE(docker.ok(), docker.error().message);
    const Recording recording =
        x86_64_recording({"clone", "clone3", "execve", "exit_group", "mkdir", "personality", "read", "socket"});
    auto merge = merge_with_base(*docker, recording, {"x86_64", "6.18.0", {"CAP_CHOWN"}});
    REQUIRE_MESSAGE(merge.ok(), merge.error().message);
    const auto& profile = merge->profile;
    CHECK(profile["architectures"] == nlohmann::json{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
    for (const auto& rule : profile["syscalls"]) {
        CHECK_FALSE(rule.contains("includes"));
        CHECK_FALSE(rule.contains("excludes"));
        // clone only without namespace flags, never unconditionally.
        if (names(rule, "clone")) {
            CHECK(rule["args"] ==
                  nlohmann::json::parse(
                      R"([{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}])"));
        }
        if (names(rule, "clone3")) {
            CHECK(rule["action"] == "SCMP_ACT_ERRNO");
            CHECK(rule["errnoRet"] == 38);
        }
        CHECK_FALSE(names(rule, "unshare"));
        CHECK_FALSE(names(rule, "s390_runtime_instr"));
    }
    // clone3 answers ENOSYS, from which glibc falls back to clone: a note, not a finding.
    CHECK(merge->refused.empty());
    CHECK(merge->falling_back == std::vector<std::string>{"clone3"});
    CHECK(merge->conditional == std::vector<std::string>{"clone", "personality", "socket"});

    // The base without mkdir refuses it by its default action.
    nlohmann::json without = *docker;
    auto& allowed = without["syscalls"][0]["names"];
    allowed.erase(std::find(allowed.begin(), allowed.end(), "mkdir"));
    auto refusing = merge_with_base(without, x86_64_recording({"execve", "mkdir", "read"}), k_x86_64);
    REQUIRE_MESSAGE(refusing.ok(), refusing.error().message);
    REQUIRE(refusing->refused.size() == 1);
    CHECK(refusing->refused[0].syscall == "mkdir");
    CHECK(refusing->refused[0].by == "defaultAction SCMP_ACT_ERRNO");
    // The same inputs give the same profile.
    auto again = merge_with_base(without, x86_64_recording({"execve", "mkdir", "read"}), k_x86_64);
    REQUIRE(again.ok());
    CHECK(again->profile.dump() == refusing->profile.dump());
}

TEST_CASE("merge_with_base refuses what it cannot keep, naming the field") {
    const auto refused = [](const char* text) {
        auto merge = merge_with_base(nlohmann::json::parse(text), x86_64_recording({"read"}), k_x86_64);
        REQUIRE_FALSE(merge.ok());
        CHECK(merge.error().code == EINVAL);
        return merge.error().message;
    };
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"]})") ==
          "base profile: \"flags\": not supported by Cradle (refused rather than ignored)");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_NOTIFY"})") ==
          "base profile: \"defaultAction\": unknown action \"SCMP_ACT_NOTIFY\"");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": [], "archMap": []})") ==
          "base profile: \"archMap\": given with \"architectures\"");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})") ==
          "base profile: \"syscalls[0].args[0].index\": 6 is outside 0..5");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                      "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]})") ==
          "base profile: \"syscalls[0].args[0].op\": unknown comparison \"SCMP_CMP_LIKE\"");
    // A mistake in a rule that does not apply here is still refused.
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                      "includes": {"arches": ["s390x"], "os": "linux"}}]})") ==
          "base profile: \"syscalls[0].includes.os\": not supported by Cradle (refused rather than ignored)");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "name": "write",
                      "action": "SCMP_ACT_ALLOW"}]})") == "base profile: \"syscalls[0].names\": given with \"name\"");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                      "errnoRet": 1}]})") ==
          "base profile: \"syscalls[0].errnoRet\": only valid with SCMP_ACT_ERRNO, not SCMP_ACT_ALLOW");
    // Two actions for one syscall, which libseccomp would quietly settle.
    auto twice = merge_with_base(nlohmann::json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": "SCMP_ACT_KILL"}]})"),
                                 x86_64_recording({"read"}), k_x86_64);
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().message ==
          "base profile: \"syscalls[1]\": syscall \"read\": already has another action in \"syscalls[0]\"");
}

TEST_CASE("read_base_profile names the file it cannot read or parse") {
    TempDir dir;
    auto missing = read_base_profile(dir / "none.json");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
    CHECK(contains(missing.error().message, dir / "none.json"));
    write_text(dir / "bad.json", "{\"defaultAction\":");
    auto bad = read_base_profile(dir / "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == EINVAL);
    CHECK(bad.error().message.find("base profile \"" + (dir / "bad.json") + "\": not JSON") == 0);
}

TEST_CASE("docker_architecture_name") {
    CHECK(docker_architecture_name("x86_64") == "amd64");
    CHECK(docker_architecture_name("aarch64") == "arm64");
    CHECK(docker_architecture_name("x86") == "x86");
    CHECK(docker_architecture_name("s390x") == "s390x");
}
