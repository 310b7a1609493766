#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "common/json.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

std::string refusal(std::string_view text) {
    auto parsed = parse_json(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == EINVAL);
    CHECK(parsed.error().message.rfind("not JSON (byte ", 0) == 0);
    return parsed.error().message;
}

}  // namespace

TEST_CASE("json: a document parses") {
    auto parsed = parse_json(R"({"op":"status","n":[1,2.5,"x"]})");
    REQUIRE(parsed.ok());
    CHECK((*parsed)["op"] == "status");
    CHECK((*parsed)["n"].size() == 3);
}

TEST_CASE("json: a syntax error says where") {
    const std::string message = refusal(R"({"op":)");
    CHECK(contains(message, "byte 7"));
    CHECK(contains(message, "line 1, column 7"));
    CHECK(contains(refusal(""), "byte 1"));
    CHECK(contains(refusal("{} trailing"), "byte 6"));
}

TEST_CASE("json: a number beyond a double's range is malformed input, not an exception") {
    const std::string message = refusal(R"({"ociVersion":"1.0.2","id":"x","pid":1e999})");
    CHECK(contains(message, "byte 42"));
    CHECK(contains(message, "number overflow parsing '1e999'"));
    CHECK_FALSE(contains(message, "json.exception"));
    CHECK(contains(refusal("[-1e400]"), "-1e400"));
}

TEST_CASE("json: text that is not UTF-8 is refused when read, replaced when written") {
    CHECK(contains(refusal("\"\xff\""), "UTF-8"));
    const nlohmann::json document = {{"error", std::string("bad \xff byte")}};
    CHECK(dump_json(document) == "{\"error\":\"bad \xef\xbf\xbd byte\"}");
    CHECK(dump_json({{"a", 1}}, 2) == "{\n  \"a\": 1\n}");
}

TEST_CASE("json: a long token is cut in the message") {
    const std::string message = refusal("[" + std::string(5000, '9') + "e999]");
    CHECK(message.size() < 300);
}
