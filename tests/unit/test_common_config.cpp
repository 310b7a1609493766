#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include "common/config.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;
using namespace std::chrono_literals;

namespace {

Config parsed(std::string_view text) {
    auto config = parse_config(text);
    REQUIRE_MESSAGE(config.ok(), config.error().message);
    return *config;
}

std::string refusal(std::string_view text) {
    auto config = parse_config(text);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code == EINVAL);
    return config.error().message;
}

std::string source_dir() {
    return CRADLE_SOURCE_DIR;
}

}  // namespace

TEST_CASE("config: an empty object gives the defaults") {
    const Config config = parsed("{}");
    CHECK(config.socket_path == "/run/cradle/cradle.sock");
    CHECK(config.output_dir == "/var/lib/cradle/profiles");
    CHECK(config.pin_dir == "/sys/fs/bpf/cradle");
    CHECK(config.hook_deadline == 2000ms);
    CHECK(config.hook_fail_closed == false);
    CHECK(config.runc_wrapper.runtime == "runc");
    CHECK(config.runc_wrapper.hook == "cradle-hook");
    CHECK(config.runc_wrapper.poststop == false);
    CHECK(config.runc_wrapper.docker_root == "/var/lib/docker");
    CHECK(std::string(k_default_config_path) == "/etc/cradle/cradle.json");
}

TEST_CASE("config: every key is read") {
    const Config config = parsed(R"({"socket": "/tmp/s.sock", "output_dir": "/srv/profiles",
        "pin_dir": "/sys/fs/bpf/other", "hook": {"deadline_ms": 100, "fail_closed": true}})");
    CHECK(config.socket_path == "/tmp/s.sock");
    CHECK(config.output_dir == "/srv/profiles");
    CHECK(config.pin_dir == "/sys/fs/bpf/other");
    CHECK(config.hook_deadline == 100ms);
    CHECK(config.hook_fail_closed == true);
    CHECK(parsed(R"({"hook": {"deadline_ms": 60000}})").hook_deadline == 60000ms);
    // A partial hook section keeps the other default.
    CHECK(parsed(R"({"hook": {"fail_closed": true}})").hook_deadline == 2000ms);
}

TEST_CASE("config: the runc_wrapper section is read") {
    const Config config = parsed(R"({"runc_wrapper": {"runtime": "/usr/sbin/runc", "hook": "/opt/cradle/cradle-hook",
        "poststop": true, "docker_root": "/srv/docker"}})");
    CHECK(config.runc_wrapper.runtime == "/usr/sbin/runc");
    CHECK(config.runc_wrapper.hook == "/opt/cradle/cradle-hook");
    CHECK(config.runc_wrapper.poststop == true);
    CHECK(config.runc_wrapper.docker_root == "/srv/docker");
    // A plain name is looked up by cradle-runc; a partial section keeps the other defaults.
    const Config named = parsed(R"({"runc_wrapper": {"runtime": "crun"}})");
    CHECK(named.runc_wrapper.runtime == "crun");
    CHECK(named.runc_wrapper.hook == "cradle-hook");
    CHECK(named.runc_wrapper.poststop == false);
}

TEST_CASE("config: runc_wrapper refuses relative paths, unknown keys and wrong types") {
    CHECK(contains(refusal(R"({"runc_wrapper": {"runtime": "bin/runc"}})"),
                   "key \"runc_wrapper.runtime\": \"bin/runc\" is neither an absolute path nor a plain name"));
    CHECK(contains(refusal(R"({"runc_wrapper": {"hook": ".."}})"), "key \"runc_wrapper.hook\""));
    CHECK(contains(refusal(R"({"runc_wrapper": {"hook": ""}})"), "key \"runc_wrapper.hook\""));
    CHECK(contains(refusal(R"({"runc_wrapper": {"runtime": 1}})"),
                   "key \"runc_wrapper.runtime\": must be a string, not number"));
    CHECK(contains(refusal(R"({"runc_wrapper": {"docker_root": "docker"}})"),
                   "key \"runc_wrapper.docker_root\": \"docker\" is not an absolute path"));
    CHECK(contains(refusal(R"({"runc_wrapper": {"poststop": "yes"}})"),
                   "key \"runc_wrapper.poststop\": must be true or false"));
    CHECK(contains(refusal(R"({"runc_wrapper": {"binary": "runc"}})"),
                   "key \"runc_wrapper.binary\": unknown key (known: runtime, hook, poststop, docker_root)"));
    CHECK(contains(refusal(R"({"runc_wrapper": []})"), "key \"runc_wrapper\": must be an object, not array"));
}

TEST_CASE("config: the auto_profile section is read and its template checked") {
    const Config defaults = parsed("{}");
    CHECK(defaults.auto_profile.enabled == false);
    CHECK(defaults.auto_profile.template_text == "{namespace}_{workload}_{container}|{name}|{hostname}|{id}");
    const Config config = parsed(R"({"auto_profile": {"enabled": true, "template": "ci-{name}-%Y%m%d|{id}"}})");
    CHECK(config.auto_profile.enabled == true);
    CHECK(config.auto_profile.template_text == "ci-{name}-%Y%m%d|{id}");
    // A partial section keeps the other default.
    CHECK(parsed(R"({"auto_profile": {"enabled": true}})").auto_profile.template_text ==
          defaults.auto_profile.template_text);

    CHECK(contains(refusal(R"({"auto_profile": {"enabled": "yes"}})"),
                   "key \"auto_profile.enabled\": must be true or false, not string"));
    CHECK(contains(refusal(R"({"auto_profile": {"template": 3}})"), "key \"auto_profile.template\": must be a string"));
    CHECK(contains(refusal(R"({"auto_profile": {"template": "{pods}"}})"),
                   "key \"auto_profile.template\": auto_profile template \"{pods}\": has the unknown field {pods}"));
    CHECK(contains(refusal(R"({"auto_profile": {"template": "a/{id}"}})"), "key \"auto_profile.template\""));
    CHECK(contains(refusal(R"({"auto_profile": {"template": "%n{id}"}})"), "%n"));
    CHECK(contains(refusal(R"({"auto_profile": {"template": ""}})"), "is empty"));
    CHECK(contains(refusal(R"({"auto_profile": {"on": true}})"),
                   "key \"auto_profile.on\": unknown key (known: enabled, template)"));
    CHECK(contains(refusal(R"({"auto_profile": true})"), "key \"auto_profile\": must be an object, not boolean"));
}

TEST_CASE("config: the shipped config/cradle.json holds exactly the defaults") {
    const std::string text = read_text(source_dir() + "/config/cradle.json");
    const Config config = parsed(text);
    const Config defaults;
    CHECK(config.socket_path == defaults.socket_path);
    CHECK(config.output_dir == defaults.output_dir);
    CHECK(config.pin_dir == defaults.pin_dir);
    CHECK(config.hook_deadline == defaults.hook_deadline);
    CHECK(config.hook_fail_closed == defaults.hook_fail_closed);
    CHECK(config.runc_wrapper.runtime == defaults.runc_wrapper.runtime);
    CHECK(config.runc_wrapper.hook == defaults.runc_wrapper.hook);
    CHECK(config.runc_wrapper.poststop == defaults.runc_wrapper.poststop);
    CHECK(config.runc_wrapper.docker_root == defaults.runc_wrapper.docker_root);
    CHECK(config.auto_profile.enabled == defaults.auto_profile.enabled);
    CHECK(config.auto_profile.template_text == defaults.auto_profile.template_text);
    // Every key is written out, so an administrator sees what can be set.
    for (const char* key : {"\"socket\"", "\"output_dir\"", "\"pin_dir\"", "\"deadline_ms\"", "\"fail_closed\"",
                            "\"runc_wrapper\"", "\"runtime\"", "\"hook\"", "\"poststop\"", "\"docker_root\"",
                            "\"auto_profile\"", "\"enabled\"", "\"template\""}) {
        CHECK(contains(text, key));
    }
}

TEST_CASE("config: unknown keys are named") {
    CHECK(refusal(R"({"outputdir": "/x"})") ==
          "key \"outputdir\": unknown key (known: socket, output_dir, pin_dir, hook, runc_wrapper, auto_profile)");
    CHECK(contains(refusal(R"({"hook": {"deadline": 5}})"), "key \"hook.deadline\": unknown key"));
}

TEST_CASE("config: wrong types are named") {
    CHECK(contains(refusal(R"({"socket": 5})"), "key \"socket\": must be a string, not number"));
    CHECK(contains(refusal(R"({"output_dir": null})"), "key \"output_dir\": must be a string, not null"));
    CHECK(contains(refusal(R"({"hook": []})"), "key \"hook\": must be an object, not array"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": "2000"}})"), "key \"hook.deadline_ms\": must be an integer"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": 2000.5}})"), "key \"hook.deadline_ms\": must be an integer"));
    CHECK(contains(refusal(R"({"hook": {"fail_closed": "yes"}})"), "key \"hook.fail_closed\": must be true or false"));
    CHECK(contains(refusal(R"({"hook": {"fail_closed": 1}})"), "key \"hook.fail_closed\""));
}

TEST_CASE("config: paths must be absolute") {
    CHECK(
        contains(refusal(R"({"output_dir": "profiles"})"), "key \"output_dir\": \"profiles\" is not an absolute path"));
    CHECK(contains(refusal(R"({"pin_dir": ""})"), "key \"pin_dir\""));
    CHECK(contains(refusal(R"({"socket": "./cradle.sock"})"), "key \"socket\""));
}

TEST_CASE("config: deadline_ms must be within 100..60000") {
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": 99}})"), "99 is outside 100..60000"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": 60001}})"), "60001 is outside"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": -2000}})"), "-2000 is outside"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": 18446744073709551615}})"), "is outside"));
}

TEST_CASE("config: text that is not a JSON object is refused") {
    CHECK(contains(refusal(""), "not JSON"));
    CHECK(contains(refusal(R"({"socket": "/x")"), "not JSON"));
    CHECK(contains(refusal(R"({"socket": "/x"})"
                           " trailing"),
                   "not JSON"));
    CHECK(contains(refusal(R"({"hook": {"deadline_ms": 1e999}})"), "not JSON"));
    CHECK(contains(refusal("[]"), "must be a JSON object, not array"));
    CHECK(contains(refusal("null"), "must be a JSON object"));
}

TEST_CASE("config: a number too large for a double is refused, not thrown") {
    std::optional<Result<Config>> config;
    CHECK_NOTHROW(config.emplace(parse_config(R"({"hook": {"deadline_ms": 1e999}})")));
    REQUIRE(config.has_value());
    REQUIRE_FALSE(config->ok());
    CHECK(config->error().code == EINVAL);
    CHECK(contains(config->error().message, "not JSON"));
    CHECK(contains(config->error().message, "1e999"));
    CHECK(contains(refusal(R"({"socket": -1e999})"), "-1e999"));
}

TEST_CASE("config: load_config reads a file and reports the path") {
    TempDir directory;
    const std::string path = directory / "cradle.json";

    auto absent = load_config(path);
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().code == ENOENT);
    CHECK(absent.error().message.find("config \"" + path + "\": ") == 0);

    write_text(path, R"({"output_dir": "/srv/p", "hook": {"fail_closed": true}})");
    auto loaded = load_config(path);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
    CHECK(loaded->output_dir == "/srv/p");
    CHECK(loaded->hook_fail_closed);

    write_text(path, R"({"output_dir": "relative"})");
    auto invalid = load_config(path);
    REQUIRE_FALSE(invalid.ok());
    CHECK(invalid.error().code == EINVAL);
    CHECK(invalid.error().message.find("config \"" + path + "\": key \"output_dir\"") == 0);

    write_text(path, "{\"socket\": \"/" + std::string(70000, 'a') + "\"}");
    auto big = load_config(path);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == EFBIG);

    auto directory_instead = load_config(directory.path());
    REQUIRE_FALSE(directory_instead.ok());
    CHECK(directory_instead.error().code == EINVAL);
}
