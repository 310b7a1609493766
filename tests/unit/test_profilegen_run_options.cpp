#include <doctest/doctest.h>

#include <cerrno>
#include <optional>

#include "profilegen/run_options.h"

using namespace cradle;

TEST_CASE("render_run_options adds each capability, upper case and sorted, in each dialect") {
    Recording recording;
    recording.capabilities = {"setuid", "chown", "syslog", "sys_admin"};
    recording.denied_capabilities = {"net_admin"};
    recording.probed_capabilities = {"sys_resource"};
    CHECK(render_run_options(recording, "/etc/cradle/web.seccomp.json", RunOptionsDialect::docker) ==
          "--cap-drop=ALL --cap-add=CHOWN --cap-add=SETUID --cap-add=SYSLOG "
          "--cap-add=SYS_ADMIN --security-opt seccomp=/etc/cradle/web.seccomp.json");
    CHECK(render_run_options(recording, "/etc/cradle/web.seccomp.json", RunOptionsDialect::podman) ==
          "--cap-drop=all --cap-add=CHOWN --cap-add=SETUID --cap-add=SYSLOG "
          "--cap-add=SYS_ADMIN --security-opt seccomp=/etc/cradle/web.seccomp.json");
}

TEST_CASE("render_run_options without capabilities only drops") {
    CHECK(render_run_options(Recording{}, "web.json", RunOptionsDialect::docker) ==
          "--cap-drop=ALL --security-opt seccomp=web.json");
    CHECK(render_run_options(Recording{}, "web.json", RunOptionsDialect::podman) ==
          "--cap-drop=all --security-opt seccomp=web.json");
}

TEST_CASE("render_run_options quotes paths a shell would split or expand") {
    for (const RunOptionsDialect dialect : {RunOptionsDialect::docker, RunOptionsDialect::podman}) {
        const std::string drop = dialect == RunOptionsDialect::docker ? "--cap-drop=ALL" : "--cap-drop=all";
        CHECK(render_run_options(Recording{}, "/tmp/my dir/p.json", dialect) ==
              drop + " --security-opt seccomp='/tmp/my dir/p.json'");
        CHECK(render_run_options(Recording{}, "/tmp/it's$HOME.json", dialect) ==
              drop + " --security-opt seccomp='/tmp/it'\\''s$HOME.json'");
        CHECK(render_run_options(Recording{}, "", dialect) == drop + " --security-opt seccomp=''");
        CHECK(render_run_options(Recording{}, "a_b-c.d/E9", dialect) == drop + " --security-opt seccomp=a_b-c.d/E9");
    }
}

TEST_CASE("oci_capability_names") {
    Recording recording;
    CHECK(oci_capability_names(recording).empty());
    recording.capabilities = {"sys_admin", "syslog", "chown"};
    CHECK(oci_capability_names(recording) == std::vector<std::string>{"CAP_CHOWN", "CAP_SYSLOG", "CAP_SYS_ADMIN"});
}

TEST_CASE("render_run_options_json") {
    Recording recording;
    recording.capabilities = {"chown"};
    recording.syscalls = {"execve", "read"};
    recording.denied_capabilities = {"sys_admin"};
    recording.incomplete_reasons = {"the workload never started"};
    auto text = render_run_options_json(recording, "/p/web.seccomp.json");
    REQUIRE_MESSAGE(text.ok(), text.error().message);
    CHECK(*text == R"({
  "capabilities": [
    "CAP_CHOWN"
  ],
  "denied_capabilities": [
    "sys_admin"
  ],
  "docker_run_options": "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=/p/web.seccomp.json",
  "incomplete": [
    "the workload never started"
  ],
  "podman_run_options": "--cap-drop=all --cap-add=CHOWN --security-opt seccomp=/p/web.seccomp.json",
  "seccomp_profile": "/p/web.seccomp.json",
  "syscalls": 2
})");
}

TEST_CASE("render_run_options_json names a string that is not UTF-8 instead of throwing") {
    Recording recording;
    recording.incomplete_reasons = {"fine", "cut \xe2\x80"};
    std::optional<Result<std::string>> text;
    CHECK_NOTHROW(text.emplace(render_run_options_json(recording, "/p/web.json")));
    REQUIRE(text.has_value());
    REQUIRE_FALSE(text->ok());
    CHECK(text->error().code == EILSEQ);
    CHECK(text->error().message.find("member \"/incomplete/1\" is not UTF-8") == 0);

    CHECK_NOTHROW(text.emplace(render_run_options_json(Recording{}, "/p/\xff.json")));
    REQUIRE_FALSE(text->ok());
    // The path is in three members; the first in document order is named.
    CHECK(text->error().message.find("member \"/docker_run_options\"") == 0);
}
