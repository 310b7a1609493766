#include <doctest/doctest.h>

#include "profilegen/verify_spec.h"

using namespace cradle;

namespace {

nlohmann::json recorded_bundle() {
    return nlohmann::json::parse(R"({
      "ociVersion": "1.0.2",
      "process": {"terminal": true, "args": ["/bin/sh", "-c", "chown 1:1 /tmp/x"],
                  "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"]}},
      "root": {"path": "rootfs", "readonly": false},
      "mounts": [{"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]},
                 {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
                 {"destination": "/abs", "type": "bind", "source": "/srv/abs", "options": ["bind"]}],
      "annotations": {"io.cradle.profile": "web", "other": "kept"},
      "hooks": {"createRuntime": [{"path": "/usr/local/bin/cradle-hook", "args": ["cradle-hook", "createRuntime"]},
                                  {"path": "/usr/bin/mine", "args": ["mine"]}],
                "poststop": [{"path": "/opt/cradle-hook", "args": ["cradle-hook", "poststop"]}]},
      "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}, "namespaces": [{"type": "pid"}]}
    })");
}

}  // namespace

TEST_CASE("verify_spec: the reference run keeps the bundle as recorded, pointing at it from elsewhere") {
    const auto spec = reference_spec(recorded_bundle(), "/srv/bundles/web");
    REQUIRE(spec.ok());
    CHECK((*spec)["root"]["path"] == "/srv/bundles/web/rootfs");
    CHECK((*spec)["root"]["readonly"] == true);
    CHECK((*spec)["process"]["terminal"] == false);
    CHECK((*spec)["mounts"][0]["source"] == "/srv/bundles/web/data");
    CHECK((*spec)["mounts"][1]["source"] == "tmpfs");
    CHECK((*spec)["mounts"][2]["source"] == "/srv/abs");
    // Verifying records nothing: no annotation, no cradle-hook; the rest is kept.
    CHECK((*spec)["annotations"] == nlohmann::json{{"other", "kept"}});
    CHECK((*spec)["hooks"] ==
          nlohmann::json::parse(R"({"createRuntime": [{"path": "/usr/bin/mine", "args": ["mine"]}]})"));
    // As recorded: its own filter and capabilities.
    CHECK((*spec)["linux"] == recorded_bundle()["linux"]);
    CHECK((*spec)["process"]["capabilities"] == recorded_bundle()["process"]["capabilities"]);
    CHECK((*spec)["process"]["args"] == recorded_bundle()["process"]["args"]);
}

TEST_CASE("verify_spec: an absolute root stays, a relative one with dots is made normal") {
    nlohmann::json bundle = recorded_bundle();
    bundle["root"] = {{"path", "/var/lib/rootfs"}};
    CHECK((*reference_spec(bundle, "/b"))["root"]["path"] == "/var/lib/rootfs");
    bundle["root"] = {{"path", "./x/../rootfs"}};
    CHECK((*reference_spec(bundle, "/b"))["root"]["path"] == "/b/rootfs");
}

TEST_CASE("verify_spec: a config.json without process or root.path is refused") {
    CHECK_FALSE(reference_spec(nlohmann::json::array(), "/b").ok());
    nlohmann::json no_process = recorded_bundle();
    no_process.erase("process");
    CHECK(reference_spec(no_process, "/b").error().message == "config.json has no \"process\" object");
    nlohmann::json no_root = recorded_bundle();
    no_root["root"].erase("path");
    CHECK(reference_spec(no_root, "/b").error().message == "config.json has no \"root.path\" string");
}

TEST_CASE("verify_spec: under the profile: its seccomp profile, and only the granted capabilities") {
    const nlohmann::json reference = *reference_spec(recorded_bundle(), "/b");
    const nlohmann::json profile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                                    {"syscalls", {{{"names", {"execve", "chown"}}, {"action", "SCMP_ACT_ALLOW"}}}}};
    const nlohmann::json spec = confined_spec(reference, profile, {"CAP_CHOWN"});
    CHECK(spec["linux"]["seccomp"] == profile);
    CHECK(spec["linux"]["namespaces"] == reference["linux"]["namespaces"]);
    const nlohmann::json expected = nlohmann::json::parse(
        R"({"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"],
            "inheritable": [], "ambient": []})");
    CHECK(spec["process"]["capabilities"] == expected);
    CHECK(confined_spec(reference, profile, {})["process"]["capabilities"]["bounding"] == nlohmann::json::array());
    CHECK(spec["root"] == reference["root"]);
}
