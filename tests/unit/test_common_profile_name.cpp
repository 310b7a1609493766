#include <doctest/doctest.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <string>

#include "common/profile_name.h"
#include "test_support.h"

using cradle::expand_profile_name;
using cradle::printable_value;
using cradle::test::contains;

namespace {

// 2024-03-05 17:08:09 UTC, a Tuesday.
constexpr std::time_t k_when = 1709658489;
// 2021-01-01 00:00:00 UTC, a Friday that belongs to ISO week 53 of 2020.
constexpr std::time_t k_new_year = 1609459200;

std::string expanded(std::string_view raw, std::time_t when = k_when) {
    auto result = expand_profile_name(raw, when);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return *result;
}

std::string refusal(std::string_view raw) {
    auto result = expand_profile_name(raw, k_when);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == EINVAL);
    return result.error().message;
}

}  // namespace

TEST_CASE("profile name: plain names pass through unchanged") {
    CHECK(expanded("web") == "web");
    CHECK(expanded("nginx-1.25_alpine") == "nginx-1.25_alpine");
    CHECK(expanded("A.b.C") == "A.b.C");
    CHECK(expanded("x.") == "x.");
    CHECK(expanded("0") == "0");
    CHECK(expanded(std::string(128, 'a')) == std::string(128, 'a'));
}

TEST_CASE("profile name: each allowed token expands in UTC and the C locale") {
    const std::pair<const char*, const char*> cases[] = {
        {"%Y", "2024"},    {"%y", "24"},  {"%C", "20"},    {"%G", "2024"}, {"%g", "24"}, {"%m", "03"},
        {"%d", "05"},      {"%j", "065"}, {"%H", "17"},    {"%I", "05"},   {"%M", "08"}, {"%S", "09"},
        {"%U", "09"},      {"%V", "10"},  {"%W", "10"},    {"%u", "2"},    {"%w", "2"},  {"%a", "Tue"},
        {"%A", "Tuesday"}, {"%b", "Mar"}, {"%B", "March"}, {"%h", "Mar"},  {"%p", "PM"}, {"%s", "1709658489"},
    };
    for (const auto& [token, expected] : cases) {
        CAPTURE(token);
        CHECK(expanded(std::string("p") + token) == std::string("p") + expected);
    }
    CHECK(expanded("web-%Y%m%d-%H%M%S") == "web-20240305-170809");
    // ISO week-based year differs from the calendar year around New Year.
    CHECK(expanded("%G-%V.%Y-%j", k_new_year) == "2020-53.2021-001");
}

TEST_CASE("profile name: expansion does not depend on TZ") {
    const char* old_tz = std::getenv("TZ");
    const std::string saved = old_tz ? old_tz : "";
    setenv("TZ", "America/Los_Angeles", 1);
    tzset();
    const std::string hour = expanded("%H-%s");
    if (old_tz) {
        setenv("TZ", saved.c_str(), 1);
    } else {
        unsetenv("TZ");
    }
    tzset();
    CHECK(hour == "17-1709658489");
}

TEST_CASE("profile name: hostile values are refused with a reason") {
    CHECK(contains(refusal("../x"), "'/'"));
    CHECK(refusal("../x") == "profile name \"../x\": contains '/': a profile name is a name, not a path");
    CHECK(contains(refusal("/etc/x"), "'/'"));
    CHECK(contains(refusal("a/b"), "'/'"));
    CHECK(refusal(".hidden") == "profile name \".hidden\": starts with '.'");
    CHECK(refusal("-x") == "profile name \"-x\": starts with '-'");
    CHECK(contains(refusal(".."), "starts with '.'"));
    CHECK(refusal("a..b") == "profile name \"a..b\": contains \"..\"");
    CHECK(refusal("") == "profile name \"\": is empty");
    CHECK(contains(refusal("a b"), "' ', which is not allowed"));
    CHECK(contains(refusal("a:b"), "':', which is not allowed"));
    CHECK(contains(refusal("a\\b"), "which is not allowed"));
    CHECK(contains(refusal(std::string("a\0b", 3)), "control character (\\x00)"));
    CHECK(contains(refusal(std::string(129, 'a')), "129 bytes long"));
}

TEST_CASE("profile name: strftime tokens outside the allowed set are refused") {
    CHECK(contains(refusal("x%n"), "%n, which is not allowed"));
    for (const char* raw : {"x%e", "x%t", "x%c", "x%D", "x%F", "x%T", "x%R", "x%x", "x%X", "x%Z", "x%z", "x%%", "x%k",
                            "x%l", "x%P", "x%+", "x%E", "x%O"}) {
        CAPTURE(raw);
        CHECK(contains(refusal(raw), "which is not allowed"));
    }
    CHECK(refusal("%") == "profile name \"%\": ends with a lone '%'");
    CHECK(contains(refusal("x%"), "lone '%'"));
    CHECK(contains(refusal("x%\n"), "followed by a control character (\\x0a)"));
    CHECK(contains(refusal("x%/"), "which is not allowed"));
    // A token can not hide ".." or a leading '.' either.
    CHECK(contains(refusal(".%Y"), "starts with '.'"));
    CHECK(contains(refusal("%Y..x"), "contains \"..\""));
}

TEST_CASE("profile name: an embedded newline can not forge a log line") {
    const std::string message = refusal("web\nprofile name \"x\": ok");
    CHECK(message.find('\n') == std::string::npos);
    CHECK(contains(message, "\"web\\x0aprofile name \\\"x\\\": ok\""));
    CHECK(contains(message, "control character (\\x0a)"));
}

TEST_CASE("profile name: UTF-8 is refused and escaped") {
    const std::string message = refusal("caf\xc3\xa9");
    CHECK(message == "profile name \"caf\\xc3\\xa9\": contains a non-ASCII byte (\\xc3)");
}

TEST_CASE("profile name: a 4 KiB value is refused and cut in the message") {
    const std::string raw(4096, 'a');
    const std::string message = refusal(raw);
    CHECK(contains(message, "4096 bytes long, more than the 128 allowed"));
    CHECK(contains(message, "\"" + std::string(64, 'a') + "...\""));
    CHECK(message.size() < 200);
    // Control bytes are cut too, never in the middle of an escape.
    const std::string controls(4096, '\x01');
    const std::string control_message = refusal(controls);
    CHECK(contains(
        control_message, "\"" + [] {
            std::string s;
            for (int i = 0; i < 16; ++i)
                s += "\\x01";
            return s;
        }() + "...\""));
    CHECK(control_message.size() < 200);
}

TEST_CASE("profile name: the expansion is checked again") {
    // %Y of a year before 0 starts with '-'; gmtime handles it on 64-bit time_t.
    if (sizeof(std::time_t) >= 8) {
        const std::time_t year_minus_one = -62198755200;  // -0001-01-01T00:00:00Z (proleptic)
        auto result = expand_profile_name("%Y", year_minus_one);
        REQUIRE_FALSE(result.ok());
        CHECK(contains(result.error().message, "expands to \"-"));
        CHECK(contains(result.error().message, "which starts with '-'"));
    }
    // 43 tokens of %s (10 digits each) stay under 128 raw bytes but expand past 128.
    std::string many;
    for (int i = 0; i < 43; ++i)
        many += "%s";
    REQUIRE(many.size() <= 128);
    auto long_result = expand_profile_name(many, k_when);
    REQUIRE_FALSE(long_result.ok());
    CHECK(contains(long_result.error().message, "expands to"));
    CHECK(contains(long_result.error().message, "430 bytes long"));
}

TEST_CASE("printable_value escapes quotes, backslashes and control bytes") {
    CHECK(printable_value("plain") == "plain");
    CHECK(printable_value("a\"b\\c\x7f") == "a\\\"b\\\\c\\x7f");
    CHECK(printable_value("abcdef", 3) == "abc...");
    CHECK(printable_value("ab\ncd", 4) == "ab...");  // the escape \x0a does not fit in 4
}
