#include <doctest/doctest.h>

#include <sys/stat.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/verify_command.h"
#include "common/json.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// A runtime that stands in for runc: `run` reads the bundle's config.json, logs it beside
// itself, and acts out a workload that prints "hello", calls uname (refused when the seccomp
// profile does not allow it) and, when its command says chown, chowns a file (refused without
// CAP_CHOWN).
constexpr const char* k_fake_runtime = R"(#!/usr/bin/env python3
import json, os, sys
log = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs.log")
args = sys.argv[1:]
with open(log, "a") as out:
    if args[0] != "run":
        out.write(json.dumps({"command": args}) + "\n")
        sys.exit(0)
    spec = json.load(open(os.path.join(args[args.index("--bundle") + 1], "config.json")))
    out.write(json.dumps({"command": args, "spec": spec}) + "\n")
capabilities = spec["process"].get("capabilities", {}).get("effective", [])
seccomp = spec.get("linux", {}).get("seccomp") or {"defaultAction": "SCMP_ACT_ALLOW"}
allowed = {name for rule in seccomp.get("syscalls", []) if rule["action"] == "SCMP_ACT_ALLOW" for name in rule["names"]}
print("hello")
if seccomp["defaultAction"] != "SCMP_ACT_ALLOW" and "uname" not in allowed:
    print("uname: Operation not permitted", file=sys.stderr)
    sys.exit(1)
print("Linux")
if "chown" not in " ".join(spec["process"]["args"]):
    sys.exit(0)
if "CAP_CHOWN" not in capabilities:
    print("chown: /tmp/x: Operation not permitted", file=sys.stderr)
    sys.exit(1)
print("1:1")
)";

constexpr const char* k_bundle_spec = R"({
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "args": ["/bin/sh", "-c", "chown 1:1 /tmp/x"],
              "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
                               "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
                               "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"]}},
  "root": {"path": "rootfs", "readonly": true},
  "annotations": {"io.cradle.profile": "web"},
  "hooks": {"createRuntime": [{"path": "/usr/local/bin/cradle-hook", "args": ["cradle-hook", "createRuntime"]}]}
}
)";

constexpr const char* k_allowing_uname =
    R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve", "uname"], "action": "SCMP_ACT_ALLOW"}]})";
constexpr const char* k_refusing_uname =
    R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ALLOW"}]})";

std::string tracefile(const std::string& capabilities) {
    return "ARCH\nx86_64\n\nCAPABILITIES\n" + capabilities + "\nSYSCALLS\nexecve\nuname\n";
}

struct Fixture {
    TempDir dir;
    std::string runtime = dir / "runc";
    std::string bundle = dir / "bundle";

    Fixture() {
        write_text(runtime, k_fake_runtime);
        REQUIRE(::chmod(runtime.c_str(), 0755) == 0);
        REQUIRE(::mkdir(bundle.c_str(), 0755) == 0);
        write_text(bundle + "/config.json", k_bundle_spec);
        profile("web", "chown\nfowner\nkill\n", k_allowing_uname);
    }
    // <dir>/profiles/NAME.tracefile and NAME.seccomp.json
    std::string profile(const std::string& name, const std::string& capabilities, const std::string& seccomp) {
        ::mkdir((dir / "profiles").c_str(), 0755);
        write_text(dir / "profiles/" + name + ".tracefile", tracefile(capabilities));
        write_text(dir / "profiles/" + name + ".seccomp.json", seccomp);
        return dir / "profiles/" + name + ".tracefile";
    }
    CradleRun verify(std::vector<std::string> extra) {
        std::vector<std::string> args = {"verify", "--bundle", bundle, "--runtime", runtime};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_cradle(args);
    }
    // Every call of the runtime, in order.
    std::vector<nlohmann::json> calls() const {
        std::vector<nlohmann::json> all;
        std::istringstream lines(read_text(dir / "runs.log"));
        for (std::string line; std::getline(lines, line);) {
            all.push_back(parse_json(line).value());
        }
        return all;
    }
};

}  // namespace

TEST_CASE("cli: verify runs the bundle as it is, then under the profile, and finds them the same") {
    Fixture fixture;
    const CradleRun run = fixture.verify({"--profile", fixture.dir / "profiles/web.tracefile"});
    CHECK(run.status == 0);
    CHECK(contains(run.out, "reference run (the bundle as it is):  exit status 0, 3 lines on stdout, 0 on stderr\n"));
    CHECK(contains(run.out, "capabilities: CAP_CHOWN CAP_FOWNER CAP_KILL): exit status 0"));
    CHECK(contains(run.out, "the same: the workload exits the same way with the same output under the profile\n"));
    CHECK(run.err.empty());

    const auto calls = fixture.calls();
    REQUIRE(calls.size() == 4);
    // run, delete -f, run, delete -f: each container its own id, always deleted.
    CHECK(calls[0]["command"][0] == "run");
    CHECK(calls[1]["command"] == nlohmann::json{"delete", "-f", calls[0]["command"].back()});
    CHECK(calls[3]["command"] == nlohmann::json{"delete", "-f", calls[2]["command"].back()});
    CHECK(calls[0]["command"].back() != calls[2]["command"].back());
    const nlohmann::json& reference = calls[0]["spec"];
    CHECK(reference["root"]["path"] == fixture.bundle + "/rootfs");
    CHECK_FALSE(reference.contains("linux"));
    CHECK(reference["process"]["capabilities"]["effective"] == nlohmann::json{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"});
    CHECK(reference["hooks"] == nlohmann::json::object());
    CHECK(reference["annotations"] == nlohmann::json::object());
    const nlohmann::json& confined = calls[2]["spec"];
    CHECK(confined["linux"]["seccomp"] == parse_json(k_allowing_uname).value());
    CHECK(confined["process"]["capabilities"]["bounding"] == nlohmann::json{"CAP_CHOWN", "CAP_FOWNER", "CAP_KILL"});
    CHECK(confined["process"]["capabilities"]["ambient"] == nlohmann::json::array());
    // The user's bundle is never written, and no bundle directory of verify's is left behind
    // (the runtime's --bundle is gone).
    CHECK(read_text(fixture.bundle + "/config.json") == k_bundle_spec);
    CHECK(::access(calls[0]["command"][2].get<std::string>().c_str(), F_OK) != 0);
}

TEST_CASE("cli: verify exits 1 and says how the runs differ when the profile lacks what the workload does") {
    Fixture fixture;
    SUBCASE("a syscall refused") {
        const std::string path = fixture.profile("no-uname", "chown\n", k_refusing_uname);
        const CradleRun run = fixture.verify({"--profile", path});
        CHECK(run.status == 1);
        CHECK(contains(run.out,
                       "DIFFERENT under the profile: exit status: exit status 0 without it, exit status 1 "
                       "under it\n"));
    }
    SUBCASE("a capability missing") {
        const std::string path = fixture.profile("no-chown", "kill\n", k_allowing_uname);
        const CradleRun run = fixture.verify({"--profile", path, "--format", "json"});
        CHECK(run.status == 1);
        const nlohmann::json result = parse_json(run.out).value();
        CHECK(result["same"] == false);
        CHECK(result["difference"]["aspect"] == "end");
        CHECK(result["confined"]["stdout_lines"] == 2);
        CHECK_FALSE(result.contains("needed_capabilities"));
    }
    SUBCASE("--minimize-capabilities does not minimize what does not run the same") {
        const std::string path = fixture.profile("no-chown", "kill\n", k_allowing_uname);
        const CradleRun run = fixture.verify({"--profile", path, "--minimize-capabilities"});
        CHECK(run.status == 1);
        CHECK_FALSE(contains(run.out, "proven minimal"));
        CHECK(fixture.calls().size() == 4);
    }
}

TEST_CASE("cli: verify --minimize-capabilities reports the capabilities the workload needs") {
    Fixture fixture;
    const CradleRun text =
        fixture.verify({"--profile", fixture.dir / "profiles/web.tracefile", "--minimize-capabilities"});
    CHECK(text.status == 0);
    CHECK(contains(text.out,
                   "without CAP_CHOWN: differs, needed (exit status: exit status 0 with it, exit status 1 "
                   "without it)\n"));
    CHECK(contains(text.out, "without CAP_FOWNER: the same, not needed\n"));
    CHECK(contains(text.out, "capabilities the workload needs (proven minimal): CAP_CHOWN\n"));

    const CradleRun json = fixture.verify(
        {"--minimize-capabilities", "--profile", fixture.dir / "profiles/web.tracefile", "--format=json"});
    CHECK(json.status == 0);
    const nlohmann::json result = parse_json(json.out).value();
    CHECK(result["same"] == true);
    CHECK(result["difference"].is_null());
    CHECK(result["needed_capabilities"] == nlohmann::json{"CAP_CHOWN"});
    CHECK(result["unneeded_capabilities"] == nlohmann::json{"CAP_FOWNER", "CAP_KILL"});
    CHECK(result["minimization"].size() == 3);

    // A workload that needs no capability, with a recording that lists some all the same.
    std::string spec = k_bundle_spec;
    spec.replace(spec.find("chown 1:1 /tmp/x"), 16, "echo");
    write_text(fixture.bundle + "/config.json", spec);
    const std::string padded = fixture.profile("padded", "kill\nnet_raw\n", k_allowing_uname);
    const CradleRun nothing = fixture.verify({"--profile", padded, "--minimize-capabilities"});
    CHECK(nothing.status == 0);
    CHECK(contains(nothing.out, "without CAP_KILL: the same, not needed\n"));
    CHECK(contains(nothing.out, "without CAP_NET_RAW: the same, not needed\n"));
    CHECK(contains(nothing.out, "capabilities the workload needs (proven minimal): none\n"));
}

TEST_CASE("cli: verify finds a profile NAME in the configured output directory") {
    Fixture fixture;
    write_text(fixture.dir / "cradle.json", "{\"output_dir\": \"" + fixture.dir / "profiles" + "\"}");
    const CradleRun run = fixture.verify({"--profile", "web", "--config", fixture.dir / "cradle.json"});
    CHECK(run.status == 0);
    CHECK(contains(run.out, fixture.dir / "profiles/web.seccomp.json"));

    const CradleRun missing = fixture.verify({"--profile", "nothing", "--config", fixture.dir / "cradle.json"});
    CHECK(missing.status == 2);
    CHECK(contains(missing.err, "nothing.tracefile"));
    const CradleRun tokens = fixture.verify({"--profile", "web-%Y", "--config", fixture.dir / "cradle.json"});
    CHECK(tokens.status == 2);
    CHECK(contains(tokens.err, "without strftime tokens"));
    const CradleRun bad = fixture.verify({"--profile", "..hidden", "--config", fixture.dir / "cradle.json"});
    CHECK(bad.status == 2);
}

TEST_CASE("cli: verify errors exit 2 and run nothing") {
    Fixture fixture;
    SUBCASE("no seccomp profile beside the tracefile") {
        write_text(fixture.dir / "lone.tracefile", tracefile("chown\n"));
        const CradleRun run = fixture.verify({"--profile", fixture.dir / "lone.tracefile"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "lone.seccomp.json"));
    }
    SUBCASE("no bundle") {
        const CradleRun run = run_cradle({"verify", "--bundle", fixture.dir / "nowhere", "--profile",
                                          fixture.dir / "profiles/web.tracefile", "--runtime", fixture.runtime});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "nowhere/config.json"));
    }
    SUBCASE("no runtime") {
        const CradleRun run = run_cradle({"verify", "--bundle", fixture.bundle, "--profile",
                                          fixture.dir / "profiles/web.tracefile", "--runtime", fixture.dir / "none"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "none"));
    }
    SUBCASE("a config.json without a root") {
        write_text(fixture.bundle + "/config.json", R"({"process": {}})");
        const CradleRun run = fixture.verify({"--profile", fixture.dir / "profiles/web.tracefile"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "root.path"));
    }
    CHECK(::access((fixture.dir / "runs.log").c_str(), F_OK) != 0);
}

TEST_CASE("cli: verify argument parsing") {
    std::ostringstream out, err;
    int status = -1;
    SUBCASE("everything") {
        const auto options =
            parse_verify_command({"--bundle", "b", "--profile", "web", "--minimize-capabilities", "--runtime",
                                  "/usr/sbin/runc", "--timeout", "300", "--config", "c.json", "--format", "json"},
                                 out, err, status);
        REQUIRE(options.has_value());
        CHECK(options->bundle == "b");
        CHECK(options->profile == "web");
        CHECK(options->minimize_capabilities);
        CHECK(options->runtime == "/usr/sbin/runc");
        CHECK(options->timeout == std::chrono::seconds(300));
        CHECK(options->config == "c.json");
        CHECK(options->format == OutputFormat::json);
    }
    SUBCASE("defaults") {
        const auto options = parse_verify_command({"--bundle=b", "--profile=web"}, out, err, status);
        REQUIRE(options.has_value());
        CHECK_FALSE(options->minimize_capabilities);
        CHECK_FALSE(options->runtime.has_value());
        CHECK(options->timeout == std::chrono::seconds(60));
        CHECK(options->format == OutputFormat::text);
    }
    SUBCASE("no --bundle") {
        CHECK_FALSE(parse_verify_command({"--profile", "web"}, out, err, status).has_value());
        CHECK(status == 2);
        CHECK(err.str() == "cradle verify: name the bundle with --bundle DIR\n");
    }
    SUBCASE("no --profile") {
        CHECK_FALSE(parse_verify_command({"--bundle", "b"}, out, err, status).has_value());
        CHECK(status == 2);
        CHECK(contains(err.str(), "--profile NAME|TRACEFILE"));
    }
    SUBCASE("a bad --timeout") {
        for (const char* bad : {"0", "-1", "1.5", "soon", "86401"}) {
            std::ostringstream errors;
            CHECK_FALSE(parse_verify_command({"--bundle", "b", "--profile", "p", "--timeout", bad}, out, errors, status)
                            .has_value());
            CHECK(status == 2);
            CHECK(contains(errors.str(), "--timeout must be a whole number of seconds"));
        }
    }
    SUBCASE("a positional argument") {
        CHECK_FALSE(parse_verify_command({"--bundle", "b", "--profile", "p", "extra"}, out, err, status).has_value());
        CHECK(status == 2);
        CHECK(contains(err.str(), "unexpected argument \"extra\""));
    }
    SUBCASE("an unknown flag") {
        CHECK_FALSE(parse_verify_command({"--bundle", "b", "--profile", "p", "--fast"}, out, err, status).has_value());
        CHECK(status == 2);
    }
    SUBCASE("--help") {
        CHECK_FALSE(parse_verify_command({"--help"}, out, err, status).has_value());
        CHECK(status == 0);
        CHECK(out.str() == k_verify_command_help);
    }
}

TEST_CASE("cli: verify --help has its synopsis and examples") {
    const CradleRun run = run_cradle({"help", "verify"});
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("Usage: cradle verify --bundle DIR --profile NAME|TRACEFILE [--minimize-capabilities]"));
    CHECK(contains(run.out, "Examples:\n  cradle verify"));
    CHECK(contains(run.out, "The comparison is exact"));
}
