#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hook/bundle_spec.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;
using nlohmann::ordered_json;

namespace {

// The start of what `runc spec` writes (Go's json.MarshalIndent with a tab), with an extra hook.
const std::string k_runc_spec = R"({
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 18446744073709551615,
				"soft": 1024
			}
		]
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc",
	"mounts": [],
	"hooks": {
		"prestart": [
			{
				"path": "/usr/bin/nvidia-hook",
				"args": [
					"nvidia-hook",
					"prestart"
				]
			}
		]
	},
	"linux": {
		"maskedPaths": [
			"/proc/acpi"
		]
	}
}
)";

// As containerd and Docker write it: one line, Go's escapes, annotations null.
const std::string k_compact_spec =
    R"({"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0},"args":["/bin/sh","-c","echo \u003cok\u003e"],)"
    R"("env":["PATH=/bin","CRADLE_PROFILE=from-env","CRADLE_PROFILE=second"],"cwd":"/"},"root":{"path":"rootfs"},)"
    R"("annotations":null,"linux":{"resources":{"memory":{"limit":-1}}}})";

ordered_json parsed(const std::string& text) {
    auto spec = parse_bundle_spec(text);
    REQUIRE_MESSAGE(spec.ok(), spec.error().message);
    return *spec;
}

CradleHooks hooks_at(const std::string& path) {
    CradleHooks hooks;
    hooks.hook_path = path;
    hooks.timeout_seconds = 12;
    return hooks;
}

bool added(ordered_json& spec, const std::string& profile, const CradleHooks& hooks) {
    auto changed = add_cradle_hooks(spec, profile, hooks);
    REQUIRE_MESSAGE(changed.ok(), changed.error().message);
    return *changed;
}

std::vector<std::string> keys(const ordered_json& object) {
    std::vector<std::string> names;
    for (const auto& [key, value] : object.items()) {
        names.push_back(key);
    }
    return names;
}

std::string refusal(ordered_json spec) {
    const ordered_json before = spec;
    auto changed = add_cradle_hooks(spec, "web", hooks_at("/usr/local/bin/cradle-hook"));
    REQUIRE_FALSE(changed.ok());
    CHECK(changed.error().code == EINVAL);
    CHECK(spec == before);
    return changed.error().message;
}

}  // namespace

TEST_CASE("bundle spec: an untouched spec is written back as it was read") {
    auto text = dump_bundle_spec(parsed(k_runc_spec), k_runc_spec);
    REQUIRE(text.ok());
    CHECK(*text == k_runc_spec);
    const std::string two_spaces = "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}";
    CHECK(*dump_bundle_spec(parsed(two_spaces), two_spaces) == two_spaces);
    // Go's \u003c is written as the character it stands for: the same string.
    auto compact = dump_bundle_spec(parsed(k_compact_spec), k_compact_spec);
    REQUIRE(compact.ok());
    CHECK(compact->find('\n') == std::string::npos);
    CHECK(contains(*compact, R"("echo <ok>")"));
    CHECK(ordered_json::parse(*compact) == ordered_json::parse(k_compact_spec));
}

TEST_CASE("bundle spec: the hook is added at createRuntime, after the spec's own hooks, keeping the rest") {
    ordered_json spec = parsed(k_runc_spec);
    const ordered_json original = spec;
    CHECK(added(spec, "web", hooks_at("/usr/local/bin/cradle-hook")));

    CHECK(spec["annotations"] == ordered_json({{"io.cradle.profile", "web"}}));
    REQUIRE(spec["hooks"]["createRuntime"].size() == 1);
    CHECK(spec["hooks"]["createRuntime"][0] ==
          ordered_json::parse(R"({"path": "/usr/local/bin/cradle-hook", "args": ["cradle-hook", "createRuntime"],
                                  "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "timeout": 12})"));
    CHECK(spec["hooks"]["prestart"] == original["hooks"]["prestart"]);
    CHECK_FALSE(spec["hooks"].contains("poststop"));
    // Key order kept, what is new comes last.
    CHECK(keys(spec) == std::vector<std::string>{"ociVersion", "process", "root", "hostname", "mounts", "hooks",
                                                 "linux", "annotations"});
    CHECK(keys(spec["hooks"]) == std::vector<std::string>{"prestart", "createRuntime"});
    // Everything else is equal.
    ordered_json rest = spec;
    rest.erase("annotations");
    rest["hooks"].erase("createRuntime");
    CHECK(rest == original);
    CHECK(spec["process"]["rlimits"][0]["hard"].get<unsigned long long>() == 18446744073709551615ULL);

    // The tab layout stays, and the text parses back to the same document.
    auto text = dump_bundle_spec(spec, k_runc_spec);
    REQUIRE(text.ok());
    CHECK(contains(*text, "\n\t\"ociVersion\": \"1.0.2-dev\",\n\t\"process\": {\n\t\t\"terminal\": true,"));
    CHECK(text->ends_with("}\n"));
    CHECK(parsed(*text) == spec);
}

TEST_CASE("bundle spec: the hook is added once") {
    ordered_json spec = parsed(k_runc_spec);
    CHECK(added(spec, "web", hooks_at("/usr/local/bin/cradle-hook")));
    const ordered_json once = spec;
    CHECK_FALSE(added(spec, "web", hooks_at("/usr/local/bin/cradle-hook")));
    CHECK(spec == once);
    // Another install's cradle-hook (hooks.d, a hand-written spec) counts too, at either stage.
    ordered_json prestart = parsed(R"({"annotations": {"io.cradle.profile": "a"},
        "hooks": {"prestart": [{"path": "/opt/cradle/bin/cradle-hook"}]}})");
    const ordered_json before = prestart;
    CHECK_FALSE(added(prestart, "web", hooks_at("/usr/local/bin/cradle-hook")));
    CHECK(prestart == before);
    ordered_json mine = parsed(R"({"hooks": {"createRuntime": [{"path": "/x/my-hook"}]}})");
    CHECK(added(mine, "web", hooks_at("/x/my-hook")));
    CHECK(mine["hooks"]["createRuntime"].size() == 1);
    CHECK(mine["annotations"]["io.cradle.profile"] == "web");
}

TEST_CASE("bundle spec: poststop and --config when asked") {
    CradleHooks hooks = hooks_at("/b/cradle-hook");
    hooks.poststop = true;
    hooks.config_path = "/etc/cradle/test.json";
    ordered_json spec = parsed(R"({"hooks": null})");
    CHECK(added(spec, "web", hooks));
    REQUIRE(spec["hooks"]["createRuntime"].size() == 1);
    REQUIRE(spec["hooks"]["poststop"].size() == 1);
    CHECK(spec["hooks"]["createRuntime"][0]["args"] ==
          ordered_json({"cradle-hook", "--config", "/etc/cradle/test.json", "createRuntime"}));
    CHECK(spec["hooks"]["poststop"][0]["args"] ==
          ordered_json({"cradle-hook", "--config", "/etc/cradle/test.json", "poststop"}));
    CHECK_FALSE(added(spec, "web", hooks));
    // Only the stage that lacks it gets it.
    ordered_json half = parsed(R"({"hooks": {"createRuntime": [{"path": "/b/cradle-hook"}]}})");
    CHECK(added(half, "web", hooks));
    CHECK(half["hooks"]["createRuntime"].size() == 1);
    CHECK(half["hooks"]["poststop"].size() == 1);
}

TEST_CASE("bundle spec: the profile name, from the annotation or CRADLE_PROFILE") {
    CHECK(profile_annotation(parsed(R"({"annotations": {"io.cradle.profile": "web"}})")) == "web");
    CHECK_FALSE(profile_annotation(parsed(R"({"annotations": null})")));
    CHECK_FALSE(profile_annotation(parsed(R"({"annotations": {"other": "x"}})")));
    CHECK_FALSE(profile_annotation(parsed(R"({"annotations": {"io.cradle.profile": 5}})")));
    CHECK_FALSE(profile_annotation(parsed("{}")));

    // The first one, as getenv() finds it; empty is none.
    CHECK(profile_variable(parsed(k_compact_spec)) == "from-env");
    CHECK_FALSE(profile_variable(parsed(R"({"process": {"env": ["CRADLE_PROFILE=", "CRADLE_PROFILE=x"]}})")));
    CHECK_FALSE(profile_variable(parsed(R"({"process": {"env": ["CRADLE_PROFILES=x", "XCRADLE_PROFILE=y", 5]}})")));
    CHECK_FALSE(profile_variable(parsed(R"({"process": {"env": null}})")));
    CHECK_FALSE(profile_variable(parsed(R"({"process": []})")));
}

TEST_CASE("bundle spec: a pod's sandbox container is told apart") {
    CHECK(is_pod_sandbox(parsed(R"({"annotations": {"io.kubernetes.cri.container-type": "sandbox",
        "io.cradle.profile": "pod"}})")));
    CHECK_FALSE(is_pod_sandbox(parsed(R"({"annotations": {"io.kubernetes.cri.container-type": "container"}})")));
    CHECK_FALSE(is_pod_sandbox(parsed(R"({"annotations": {"io.kubernetes.cri.container-type": 1}})")));
    CHECK_FALSE(is_pod_sandbox(parsed(R"({"annotations": null})")));
}

TEST_CASE("bundle spec: a name from a label or the environment becomes the annotation; the rest stays") {
    ordered_json spec = parsed(k_compact_spec);
    const ordered_json original = spec;
    CHECK(added(spec, "from-label", hooks_at("/usr/local/bin/cradle-hook")));
    CHECK(spec["annotations"] == ordered_json({{"io.cradle.profile", "from-label"}}));
    // The environment is the user's: CRADLE_PROFILE stays.
    CHECK(spec["process"] == original["process"]);
    CHECK(keys(spec) == std::vector<std::string>{"ociVersion", "process", "root", "annotations", "linux", "hooks"});
    auto text = dump_bundle_spec(spec, k_compact_spec);
    REQUIRE(text.ok());
    CHECK(text->find('\n') == std::string::npos);
    // An annotation the spec has already is never replaced.
    ordered_json annotated = parsed(R"({"annotations": {"io.cradle.profile": "mine", "other": "x"}})");
    CHECK(added(annotated, "theirs", hooks_at("/h/cradle-hook")));
    CHECK(annotated["annotations"] == ordered_json({{"io.cradle.profile", "mine"}, {"other", "x"}}));
}

TEST_CASE("bundle spec: what is not a spec is refused, and left as it was") {
    CHECK(contains(parse_bundle_spec("{\"a\": ").error().message, "config.json: not JSON"));
    CHECK(parse_bundle_spec("[1]").error().message == "config.json: must be a JSON object, not array");
    CHECK(parse_bundle_spec(R"({"a": 1e999})").error().code == EINVAL);
    CHECK(contains(refusal(parsed(R"({"annotations": []})")), "\"annotations\" must be an object, not array"));
    CHECK(contains(refusal(parsed(R"({"hooks": "x"})")), "\"hooks\" must be an object, not string"));
    CHECK(contains(refusal(parsed(R"({"hooks": {"createRuntime": {}}})")), "\"hooks.createRuntime\" must be an array"));
    CHECK(contains(refusal(parsed(R"({"hooks": {"poststop": [1]}})")), "an entry of \"hooks.poststop\""));

    ordered_json spec = parsed("{}");
    spec["hostname"] = std::string("bad\xff");
    auto text = dump_bundle_spec(spec, "{}");
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().code == EILSEQ);
}
