#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "profilegen/capability_table.h"

using namespace cradle;

TEST_CASE("capability_name gives libcap's names without cap_") {
    CHECK(capability_name(0).value() == "chown");
    CHECK(capability_name(7).value() == "setuid");
    CHECK(capability_name(12).value() == "net_admin");
    CHECK(capability_name(21).value() == "sys_admin");
}

TEST_CASE("capability_name refuses numbers it has no name for") {
    auto negative = capability_name(-1);
    REQUIRE_FALSE(negative.ok());
    CHECK(negative.error().code == EINVAL);
    CHECK(negative.error().message.find("-1") != std::string::npos);
    auto huge = capability_name(1000);
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().message.find("1000") != std::string::npos);
}

TEST_CASE("capability_number accepts the usual spellings") {
    for (const char* spelling : {"chown", "CHOWN", "cap_chown", "CAP_CHOWN", "Cap_Chown"}) {
        INFO(spelling);
        CHECK(capability_number(spelling).value() == 0);
    }
    CHECK(capability_number("sys_admin").value() == 21);
    CHECK(capability_number("CAP_NET_BIND_SERVICE").value() == 10);
}

TEST_CASE("capability_number refuses what is not a capability name") {
    for (const char* bad : {"", "cap_", "21", "cap_21", "no_such_cap", "chown ", "cap-chown", "CAP_CHOWN,CAP_KILL"}) {
        INFO(bad);
        auto result = capability_number(bad);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == EINVAL);
        CHECK(result.error().message.find("\"" + std::string(bad) + "\"") != std::string::npos);
    }
}

TEST_CASE("capability_count covers every named capability and round-trips") {
    const int count = capability_count();
    CHECK(count > 21);  // sys_admin exists everywhere Cradle runs
    for (int cap = 0; cap < count; ++cap) {
        auto name = capability_name(cap);
        INFO(cap);
        REQUIRE(name.ok());
        CHECK(capability_number(*name).value() == cap);
    }
}

TEST_CASE("bare_capability_name only respells") {
    for (const char* spelling : {"chown", "CHOWN", "cap_chown", "CAP_CHOWN", "Cap_Chown"}) {
        INFO(spelling);
        CHECK(bare_capability_name(spelling) == "chown");
    }
    CHECK(bare_capability_name("CAP_NO_SUCH") == "no_such");
    CHECK(bare_capability_name("CAP_") == "");
    CHECK(bare_capability_name("cap_cap_x") == "cap_x");
    CHECK(bare_capability_name("CAP-CHOWN!") == "cap-chown!");
    CHECK(bare_capability_name("") == "");
}
