#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include <nlohmann/json.hpp>

#include "profilegen/profile_fields.h"

using namespace cradle;
using nlohmann::json;

namespace {

std::string fields_error(const json& object, const std::string& where, std::string_view unknown = k_unsupported_field) {
    auto checked = check_fields(object, where, {"names", "action"}, unknown);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == EINVAL);
    return checked.error().message;
}

}  // namespace

TEST_CASE("check_fields names the object or the field it refuses") {
    CHECK(check_fields(json{{"names", json::array()}, {"action", "SCMP_ACT_ALLOW"}}, "syscalls[0]", {"names", "action"})
              .ok());
    CHECK(check_fields(json::object(), "", {"names"}).ok());
    CHECK(fields_error(json::array(), "syscalls[0]") == "\"syscalls[0]\": not an object");
    CHECK(fields_error(json{{"flags", 1}}, "") == "\"flags\": not supported by Cradle (refused rather than ignored)");
    CHECK(fields_error(json{{"names", 1}, {"includes", 1}}, "syscalls[2]") ==
          "\"syscalls[2].includes\": not supported by Cradle (refused rather than ignored)");
    CHECK(fields_error(json{{"comment", ""}}, "syscalls[0]", "no such field in the spec") ==
          "\"syscalls[0].comment\": no such field in the spec");
}

TEST_CASE("read_string_field reads a string and names the field it cannot") {
    const json rule = {{"action", "SCMP_ACT_LOG"}, {"op", 3}};
    auto action = read_string_field(rule, "action", "syscalls[1].action");
    REQUIRE(action.ok());
    CHECK(*action == "SCMP_ACT_LOG");
    auto op = read_string_field(rule, "op", "syscalls[1].args[0].op");
    REQUIRE_FALSE(op.ok());
    CHECK(op.error().code == EINVAL);
    CHECK(op.error().message == "\"syscalls[1].args[0].op\": not a string");
    auto names = read_string_field(rule, "names", "syscalls[1].names");
    REQUIRE_FALSE(names.ok());
    CHECK(names.error().message == "\"syscalls[1].names\": missing");
}
