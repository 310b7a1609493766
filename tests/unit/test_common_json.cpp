#include <doctest/doctest.h>

#include <cerrno>
#include <optional>
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

std::string write_refusal(const nlohmann::json& document) {
    std::optional<Result<std::string>> text;
    CHECK_NOTHROW(text.emplace(write_json(document, 2)));
    REQUIRE(text.has_value());
    REQUIRE_FALSE(text->ok());
    CHECK(text->error().code == EILSEQ);
    return text->error().message;
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

TEST_CASE("json: write_json writes what dump writes") {
    const nlohmann::json document = {{"a", {1, "two", nullptr}}, {"b", {{"c", "d\xc3\xa9"}}}};
    auto compact = write_json(document);
    REQUIRE(compact.ok());
    CHECK(*compact == document.dump());
    auto indented = write_json(document, 2);
    REQUIRE(indented.ok());
    CHECK(*indented == document.dump(2));
}

TEST_CASE("json: write_json names the first string that is not UTF-8 instead of throwing") {
    CHECK(write_refusal(nlohmann::json("\xff")) == "member \"\" is not UTF-8: invalid UTF-8 byte at index 0: 0xFF");
    CHECK(contains(write_refusal({{"ok", "fine"}, {"incomplete", {"fine", "bad \xc3"}}}), "member \"/incomplete/1\""));
    // Keys too, and a pointer escapes '/' and '~' in them (RFC 6901).
    CHECK(contains(write_refusal({{"a/b~", {{"x\xfe", 1}}}}), "member \"/a~1b~0/x\\xfe\""));
    // An overlong encoding and a UTF-8-encoded surrogate are not UTF-8 either.
    CHECK(contains(write_refusal({{"s", "\xc0\xaf"}}), "member \"/s\""));
    CHECK(contains(write_refusal({{"s", "\xed\xa0\x80"}}), "member \"/s\""));
}
