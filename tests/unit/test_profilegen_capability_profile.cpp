#include <doctest/doctest.h>

#include <cerrno>

#include "golden.h"
#include "profilegen/capability_profile.h"
#include "profilegen/run_options.h"

using namespace cradle;
using cradle::test::check_golden_render;

TEST_CASE("oci_capability_names") {
    Recording recording;
    CHECK(oci_capability_names(recording).empty());
    recording.capabilities = {"sys_admin", "syslog", "chown"};
    recording.denied_capabilities = {"net_admin"};
    CHECK(oci_capability_names(recording) == std::vector<std::string>{"CAP_CHOWN", "CAP_SYSLOG", "CAP_SYS_ADMIN"});
    CHECK(oci_capability_names(recording.denied_capabilities) == std::vector<std::string>{"CAP_NET_ADMIN"});
}

TEST_CASE("render_capability_profile: the granted set, as runc takes process.capabilities (golden)") {
    Recording recording;
    recording.capabilities = {"sys_admin", "syslog", "chown"};
    // Refused and probed capabilities are findings and information, never granted.
    recording.denied_capabilities = {"net_admin"};
    recording.probed_capabilities = {"sys_resource"};
    check_golden_render("capability_profile.three-granted.json", [&] { return render_capability_profile(recording); });
}

TEST_CASE("render_capability_profile without capabilities grants nothing (golden)") {
    check_golden_render("capability_profile.none.json", [&] { return render_capability_profile(Recording{}); });
}

TEST_CASE("render_capability_profile refuses a name that is not UTF-8") {
    Recording recording;
    recording.capabilities = {"\xff"};
    auto text = render_capability_profile(recording);
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().code == EILSEQ);
}

TEST_CASE("build_capability_profile is what the OCI fragment embeds") {
    Recording recording;
    recording.capabilities = {"kill"};
    auto fragment = render_oci_config_fragment(recording, nlohmann::json::object());
    REQUIRE_MESSAGE(fragment.ok(), fragment.error().message);
    CHECK(nlohmann::json::parse(*fragment)["process"]["capabilities"] == build_capability_profile(recording));
    CHECK(build_capability_profile(recording)["bounding"] == nlohmann::json::array({"CAP_KILL"}));
}
