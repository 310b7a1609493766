#include <doctest/doctest.h>

#include "profilegen/run_options.h"

using namespace cradle;

TEST_CASE("render_docker_options adds each capability, upper case and sorted") {
    Recording recording;
    recording.capabilities = {"setuid", "chown", "syslog", "sys_admin"};
    recording.denied_capabilities = {"net_admin"};
    recording.probed_capabilities = {"sys_resource"};
    CHECK(render_docker_options(recording, "/etc/cradle/web.seccomp.json") ==
          "--cap-drop=ALL --cap-add=CHOWN --cap-add=SETUID --cap-add=SYSLOG "
          "--cap-add=SYS_ADMIN --security-opt=seccomp:/etc/cradle/web.seccomp.json");
}

TEST_CASE("render_docker_options without capabilities only drops") {
    CHECK(render_docker_options(Recording{}, "web.json") ==
          "--cap-drop=ALL --security-opt=seccomp:web.json");
}

TEST_CASE("render_docker_options quotes paths a shell would split or expand") {
    CHECK(render_docker_options(Recording{}, "/tmp/my dir/p.json") ==
          "--cap-drop=ALL --security-opt=seccomp:'/tmp/my dir/p.json'");
    CHECK(render_docker_options(Recording{}, "/tmp/it's$HOME.json") ==
          "--cap-drop=ALL --security-opt=seccomp:'/tmp/it'\\''s$HOME.json'");
    CHECK(render_docker_options(Recording{}, "") == "--cap-drop=ALL --security-opt=seccomp:''");
    CHECK(render_docker_options(Recording{}, "a_b-c.d/E9") ==
          "--cap-drop=ALL --security-opt=seccomp:a_b-c.d/E9");
}

TEST_CASE("oci_capability_names") {
    Recording recording;
    CHECK(oci_capability_names(recording).empty());
    recording.capabilities = {"sys_admin", "syslog", "chown"};
    CHECK(oci_capability_names(recording) ==
          std::vector<std::string>{"CAP_CHOWN", "CAP_SYSLOG", "CAP_SYS_ADMIN"});
}
