#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "golden.h"
#include "profilegen/spo_profile.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("spo_object_name makes a DNS-1123 label of a profile name") {
    CHECK(spo_object_name("web") == "web");
    CHECK(spo_object_name("Web_API.v2") == "web-api-v2");
    CHECK(spo_object_name("--a__b--") == "a-b");
    CHECK(spo_object_name("...") == "cradle");
    CHECK(spo_object_name("") == "cradle");
    CHECK(spo_object_name(std::string(70, 'a') + "-b") == std::string(63, 'a'));
    // Cut at 63 where the 63rd character is a separator: no trailing '-'.
    CHECK(spo_object_name(std::string(62, 'a') + "-bc") == std::string(62, 'a'));
    for (const std::string& name :
         std::vector<std::string>{"web", "web-api-v2", "a-b", "cradle", std::string(63, 'a')}) {
        CHECK(is_dns1123_label(name));
    }
    for (const std::string& name :
         std::vector<std::string>{"", "-web", "web-", "Web", "web.api", "web_api", std::string(64, 'a')}) {
        CAPTURE(name);
        CHECK_FALSE(is_dns1123_label(name));
    }
}

TEST_CASE("spo_localhost_profile is where the operator installs the object") {
    CHECK(spo_localhost_profile("web", std::nullopt) == "operator/web.json");
    CHECK(spo_localhost_profile("web", "shop") == "operator/shop/web.json");
}

TEST_CASE("render_spo_seccomp_profile (golden)") {
    const nlohmann::json profile = nlohmann::json::parse(R"({
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [
        {"names": ["execve", "read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "comment": "ENOSYS: fall back"}
      ]
    })");
    check_golden_render("spo_seccomp_profile.web.yaml",
                        [&] { return render_spo_seccomp_profile(profile, "web", std::nullopt); });
    auto namespaced = render_spo_seccomp_profile(profile, "web", "shop");
    REQUIRE(namespaced.ok());
    CHECK(contains(*namespaced, "metadata:\n  name: \"web\"\n  namespace: \"shop\"\nspec:\n"));
}

TEST_CASE("render_spo_seccomp_profile refuses what the spec cannot hold") {
    const auto refused = [](const char* text) {
        auto rendered = render_spo_seccomp_profile(nlohmann::json::parse(text), "web", std::nullopt);
        REQUIRE_FALSE(rendered.ok());
        CHECK(rendered.error().code == EINVAL);
        return rendered.error().message;
    };
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38})") ==
          "SeccompProfile object: \"defaultErrnoRet\": the spec has none, and without it the runtime answers EPERM, "
          "not 38");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": []})") ==
          "SeccompProfile object: \"archMap\": no such field in the SeccompProfile spec");
    CHECK(
        refused(
            R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read: x"], "action": "SCMP_ACT_ALLOW"}]})") ==
        "SeccompProfile object: \"syscalls[0].names[0]\": not a word of [A-Za-z0-9_]");
    CHECK(refused(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]}]})") ==
          "SeccompProfile object: \"syscalls[0].args[0].value\": not an integer from 0 to 9223372036854775807");
}
