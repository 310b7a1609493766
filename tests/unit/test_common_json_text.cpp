#include <doctest/doctest.h>

#include <cerrno>
#include <optional>
#include <string>

#include "common/json.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

std::string refusal(const nlohmann::json& document) {
    std::optional<Result<std::string>> text;
    CHECK_NOTHROW(text.emplace(write_json(document, 2)));
    REQUIRE(text.has_value());
    REQUIRE_FALSE(text->ok());
    CHECK(text->error().code == EILSEQ);
    return text->error().message;
}

}  // namespace

TEST_CASE("write_json writes what dump writes") {
    const nlohmann::json document = {{"a", {1, "two", nullptr}}, {"b", {{"c", "d\xc3\xa9"}}}};
    auto compact = write_json(document);
    REQUIRE(compact.ok());
    CHECK(*compact == document.dump());
    auto indented = write_json(document, 2);
    REQUIRE(indented.ok());
    CHECK(*indented == document.dump(2));
}

TEST_CASE("write_json names the first string that is not UTF-8 instead of throwing") {
    CHECK(refusal(nlohmann::json("\xff")) == "member \"\" is not UTF-8: invalid UTF-8 byte at index 0: 0xFF");
    CHECK(contains(refusal({{"ok", "fine"}, {"incomplete", {"fine", "bad \xc3"}}}), "member \"/incomplete/1\""));
    // Keys too, and a pointer escapes '/' and '~' in them (RFC 6901).
    CHECK(contains(refusal({{"a/b~", {{"x\xfe", 1}}}}), "member \"/a~1b~0/x\\xfe\""));
    // An overlong encoding and a UTF-8-encoded surrogate are not UTF-8 either.
    CHECK(contains(refusal({{"s", "\xc0\xaf"}}), "member \"/s\""));
    CHECK(contains(refusal({{"s", "\xed\xa0\x80"}}), "member \"/s\""));
}
