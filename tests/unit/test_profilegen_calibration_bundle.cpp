#include <doctest/doctest.h>

#include <sys/stat.h>

#include "profilegen/calibration_bundle.h"
#include "profilegen/seccomp_profile.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("calibration_bundle: /bin/true under a permissive filter, registered as cradle-calibration") {
    const nlohmann::json skeleton = nlohmann::json::parse(
        R"({"process": {"terminal": true, "args": ["sh"], "noNewPrivileges": true}, "root": {"path": "rootfs"},
            "linux": {"namespaces": [{"type": "pid"}]}, "mounts": []})");
    const CalibrationHook hook{"/usr/local/bin/cradle-hook", "/run/x/cradle.sock", "/etc/x.json"};
    const nlohmann::json spec = calibration_spec(skeleton, "/tmp/rootfs", hook, false);
    CHECK(spec["root"] == nlohmann::json{{"path", "/tmp/rootfs"}, {"readonly", true}});
    CHECK(spec["process"]["args"] == nlohmann::json{"/bin/true"});
    CHECK(spec["process"]["terminal"] == false);
    CHECK(spec["process"]["noNewPrivileges"] == false);
    CHECK(calibration_spec(skeleton, "/r", hook, true)["process"]["noNewPrivileges"] == true);
    CHECK(spec["linux"]["namespaces"] == skeleton["linux"]["namespaces"]);
    CHECK(spec["annotations"] == nlohmann::json{{"io.cradle.profile", "cradle-calibration"}});
    CHECK(spec["hooks"]["createRuntime"][0]["path"] == "/usr/local/bin/cradle-hook");
    CHECK(spec["hooks"]["createRuntime"][0]["args"] ==
          nlohmann::json{"cradle-hook", "--socket", "/run/x/cradle.sock", "--config", "/etc/x.json", "createRuntime"});
    CHECK(spec["hooks"]["poststop"][0]["args"].back() == "poststop");
    const CalibrationHook plain{"/h", std::nullopt, std::nullopt};
    CHECK(calibration_spec(skeleton, "/r", plain, true)["hooks"]["poststop"][0]["args"] ==
          nlohmann::json{"cradle-hook", "poststop"});
    CHECK(spec["linux"]["seccomp"] == permissive_seccomp_profile());
}

TEST_CASE("calibration_bundle: the permissive filter compiles and allows by default") {
    const nlohmann::json profile = permissive_seccomp_profile();
    CHECK(profile["defaultAction"] == "SCMP_ACT_ALLOW");
    CHECK(compile_seccomp_profile(profile).ok());
}

TEST_CASE("calibration_bundle: the root filesystem holds a copy of the program as /bin/true") {
    TempDir dir;
    write_text(dir / "program", "#!/bin/sh\n");
    REQUIRE(make_calibration_rootfs(dir / "rootfs", dir / "program").ok());
    CHECK(read_text(dir / "rootfs/bin/true") == "#!/bin/sh\n");
    struct stat status {};
    REQUIRE(::stat((dir / "rootfs/bin/true").c_str(), &status) == 0);
    CHECK((status.st_mode & 0777) == 0755);
    CHECK(entries(dir / "rootfs") == std::vector<std::string>{"bin", "dev", "proc", "sys", "tmp"});
    CHECK_FALSE(make_calibration_rootfs(dir / "other", dir / "missing").ok());
}
