#include <doctest/doctest.h>
#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "hook/hook.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// runc's state at createRuntime for a container that asks to be traced as `profile`.
std::string creating_state(const std::string& profile) {
    return nlohmann::json{{"ociVersion", "1.0.2"},   {"id", "abc123"},
                          {"status", "creating"},    {"pid", 4242},
                          {"bundle", "/run/bundle"}, {"annotations", {{"io.cradle.profile", profile}, {"other", "x"}}}}
        .dump();
}

// crun's state at poststop.
std::string stopped_state() {
    return nlohmann::json{{"ociVersion", "1.0"},
                          {"id", "abc123"},
                          {"status", "stopped"},
                          {"pid", 0},
                          {"annotations", {{"io.cradle.profile", "web"}}}}
        .dump();
}

// The hook's world: a config, a socket path beside it, and stdin from a file.
struct HookFixture {
    TempDir dir;
    UniqueFd input;

    HookFixture() { config(R"({"hook":{"deadline_ms":300}})"); }

    void config(const std::string& text) { write_text(dir / "cradle.json", text); }

    void stdin_text(const std::string& text) {
        write_text(dir / "state.json", text);
        input.reset(::open((dir / "state.json").c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(input.valid());
    }

    std::string socket() const { return dir / "c.sock"; }

    HookOptions options(std::optional<HookStage> stage = HookStage::CreateRuntime) const {
        HookOptions options;
        options.config_path = dir / "cradle.json";
        options.socket_path = socket();
        options.stage = stage;
        options.input_fd = input.get();
        // No test reads the host's /proc: the runtime is read where process() writes it, and is
        // unknown until a test writes it.
        options.proc_root = dir / "proc";
        options.runtime_pid = 400;
        return options;
    }

    // Process `pid` in the fixture's proc root, as read_container_runtime reads it: named `comm`,
    // child of `parent`, running `exe` (no link when empty) with `arguments` NUL-separated.
    void process(int pid, const std::string& comm, int parent, const std::string& exe,
                 const std::string& arguments = "") {
        const std::string base = dir / ("proc/" + std::to_string(pid));
        std::filesystem::create_directories(base);
        write_text(base + "/stat", std::to_string(pid) + " (" + comm + ") S " + std::to_string(parent) + " 1 1 0 -1\n");
        write_text(base + "/comm", comm + "\n");
        write_text(base + "/cmdline", arguments);
        if (!exe.empty()) {
            std::filesystem::create_symlink(exe, base + "/exe");
        }
    }

    // Runs the hook at `stage` with `state` on its stdin.
    HookOutcome run(const std::string& state, std::optional<HookStage> stage = HookStage::CreateRuntime) {
        stdin_text(state);
        return run_hook(options(stage));
    }
};

}  // namespace

TEST_CASE("hook: a container without the annotation is left alone") {
    HookFixture hook;
    auto state = nlohmann::json::parse(creating_state("web"));
    state["annotations"].erase("io.cradle.profile");
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
    const HookOutcome outcome = hook.run(state.dump());
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Debug);
    CHECK(outcome.message.empty());
    CHECK_FALSE(collector.contacted());
}

TEST_CASE("hook: an unreachable collector leaves the container untraced") {
    HookFixture hook;
    const HookOutcome outcome = hook.run(creating_state("web"));
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Warning);
    CHECK(contains(outcome.message, "untraced"));
    CHECK(contains(outcome.message, "abc123"));
    CHECK(contains(outcome.message, hook.socket()));
}

TEST_CASE("hook: an unreachable collector stops the container when configured to fail closed") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300,"fail_closed":true}})");
    const HookOutcome outcome = hook.run(creating_state("web"));
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.severity == Severity::Error);
    CHECK(contains(outcome.message, "fail_closed"));
}

TEST_CASE("hook: failing closed is for registration only; poststop has nothing to stop") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300,"fail_closed":true}})");
    for (std::optional<HookStage> stage : {std::optional<HookStage>(HookStage::Poststop), std::optional<HookStage>()}) {
        CAPTURE(stage.has_value());
        const HookOutcome unreachable = hook.run(stopped_state(), stage);
        CHECK(unreachable.exit_code == 0);
        CHECK(unreachable.severity == Severity::Warning);
        CHECK(contains(unreachable.message, "not flushed"));
    }
    const HookOutcome malformed = hook.run("{not json", HookStage::Poststop);
    CHECK(malformed.exit_code == 0);
    CHECK(malformed.severity == Severity::Warning);
    // Without a stage, malformed input could be a registration: the configured rule holds.
    CHECK(hook.run("{not json", std::nullopt).exit_code == 1);
}

TEST_CASE("hook: malformed input is reported and the container runs") {
    for (const char* text : {"{not json", "", "[]", R"({"id":"abc123"})",
                             R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":1e999,"bundle":"/"})",
                             R"({"id":"x","status":"creating","pid":7,"annotations":{"a":1e999}})"}) {
        CAPTURE(text);
        HookFixture hook;
        const HookOutcome outcome = hook.run(text);
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Warning);
        CHECK(contains(outcome.message, "OCI state"));
    }
}

TEST_CASE("hook: a config that cannot be used is reported and the container runs") {
    SUBCASE("malformed") {
        HookFixture hook;
        hook.config(R"({"hook":{"deadline_ms":300,"typo":1}})");
        const HookOutcome outcome = hook.run(creating_state("web"));
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Warning);
        CHECK(contains(outcome.message, "typo"));
    }
    SUBCASE("named but absent") {
        HookFixture hook;
        hook.stdin_text(creating_state("web"));
        HookOptions options = hook.options();
        options.config_path = *options.config_path + ".missing";
        const HookOutcome outcome = run_hook(options);
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Warning);
        CHECK(contains(outcome.message, ".missing"));
    }
}

TEST_CASE("hook: stdin that never closes does not hang the hook") {
    HookFixture hook;
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    const std::string part = creating_state("web");
    REQUIRE(::write(write_end.get(), part.data(), part.size()) == static_cast<ssize_t>(part.size()));

    HookOptions options = hook.options();
    options.input_fd = read_end.get();
    const auto started = std::chrono::steady_clock::now();
    const HookOutcome outcome = run_hook(options);
    const auto took = std::chrono::steady_clock::now() - started;
    INFO("run_hook returned after ", std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
         " ms with stdin open");
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Warning);
    CHECK(contains(outcome.message, "stdin"));
}

TEST_CASE("hook: a profile name that breaks the rules stops the container") {
    HookFixture hook;
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"x"})");
    const HookOutcome outcome = hook.run(creating_state("../x"));
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.severity == Severity::Error);
    CHECK(contains(outcome.message, "profile name \"../x\""));
    CHECK_FALSE(collector.contacted());
}

TEST_CASE("hook: a profile name that breaks the rules stops the container even when failing open") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300,"fail_closed":false}})");
    const HookOutcome outcome = hook.run(creating_state("a/b"));
    CHECK(outcome.exit_code == 1);
    CHECK(contains(outcome.message, "profile name \"a/b\""));
}

TEST_CASE("hook: createRuntime registers the container with the collector") {
    HookFixture hook;
    // runc (pid 400, the hook's runtime), started by a containerd shim of Docker's namespace (300).
    hook.process(300, "containerd-shim", 1, "/usr/bin/containerd-shim-runc-v2",
                 std::string("containerd-shim-runc-v2\0-namespace\0moby\0", 40));
    hook.process(400, "runc", 300, "/usr/sbin/runc");
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
    const HookOutcome outcome = hook.run(creating_state("web-%Y"));
    const std::string request_text = collector.finish();
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Info);
    CHECK(contains(outcome.message, "traced as \"web\""));

    const auto request = nlohmann::json::parse(request_text);
    CHECK(request.at("op") == "register");
    CHECK(request.at("id") == "abc123");
    CHECK(request.at("pid") == 4242);
    // Only Cradle's own annotation is sent, with the runtime read from /proc.
    CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "web-%Y"}});
    CHECK(request.at("runtime") == nlohmann::json{{"name", "runc"}, {"path", "/usr/sbin/runc"}, {"manager", "docker"}});
}

TEST_CASE("hook: the registration names the runtime that runs the hook and what drove it") {
    HookFixture hook;
    // crun (pid 400), started by conmon (350) for podman; a member not known is left out.
    hook.process(350, "conmon", 1, "/usr/bin/conmon");
    hook.process(400, "crun", 350, "");
    auto state = nlohmann::json::parse(creating_state("web"));
    state["annotations"]["io.container.manager"] = "libpod";
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
    const HookOutcome outcome = hook.run(state.dump());
    CHECK_MESSAGE(outcome.exit_code == 0, outcome.message);
    const auto request = nlohmann::json::parse(collector.finish());
    CHECK(request.at("runtime") == nlohmann::json{{"name", "crun"}, {"manager", "podman"}});
    CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "web"}});
}

TEST_CASE("hook: a runtime that cannot be read does not stop the registration: it is left out") {
    HookFixture hook;  // its proc root holds no process
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
    const HookOutcome outcome = hook.run(creating_state("web"));
    CHECK_MESSAGE(outcome.exit_code == 0, outcome.message);
    const auto request = nlohmann::json::parse(collector.finish());
    CHECK(request.at("op") == "register");
    CHECK_FALSE(request.contains("runtime"));
}

TEST_CASE("hook: without a stage the state's status decides") {
    HookFixture hook;
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web","files":[]})");
    const HookOutcome outcome = hook.run(stopped_state(), std::nullopt);
    const auto request = nlohmann::json::parse(collector.finish());
    CHECK(request.at("op") == "flush");
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Info);
}

TEST_CASE("hook: a collector that never answers leaves the container untraced") {
    HookFixture hook;
    hook.stdin_text(creating_state("web"));
    FakeCollector collector(hook.socket(), std::nullopt);
    const auto started = std::chrono::steady_clock::now();
    const HookOutcome outcome = run_hook(hook.options());
    const auto took = std::chrono::steady_clock::now() - started;
    collector.finish();
    INFO("run_hook returned after ", std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
         " ms with a silent collector");
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Warning);
    CHECK(contains(outcome.message, "untraced"));
}

TEST_CASE("hook: the collector's refusal is reported") {
    HookFixture hook;
    FakeCollector collector(hook.socket(), R"({"ok":false,"error":"no free slot"})");
    const HookOutcome outcome = hook.run(creating_state("web"));
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.severity == Severity::Warning);
    CHECK(contains(outcome.message, "no free slot"));
}

TEST_CASE("hook: poststop flushes and tells how the profile came out") {
    SUBCASE("incomplete") {
        HookFixture hook;
        FakeCollector collector(
            hook.socket(),
            R"({"ok":true,"name":"web","files":["web.tracefile","web.seccomp.json"],"incomplete":["the workload never started"]})");
        const HookOutcome outcome = hook.run(stopped_state(), HookStage::Poststop);
        const auto request = nlohmann::json::parse(collector.finish());
        CHECK(request.at("op") == "flush");
        CHECK(request.at("id") == "abc123");
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Warning);
        CHECK(contains(outcome.message, "INCOMPLETE"));
        CHECK(contains(outcome.message, "the workload never started"));
        CHECK(contains(outcome.message, "\"web\""));
    }
    SUBCASE("complete") {
        HookFixture hook;
        FakeCollector collector(
            hook.socket(), R"({"ok":true,"name":"web","files":["web.tracefile","web.seccomp.json"],"incomplete":[]})");
        const HookOutcome outcome = hook.run(stopped_state(), HookStage::Poststop);
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Info);
        CHECK(contains(outcome.message, "written"));
        CHECK_FALSE(contains(outcome.message, "INCOMPLETE"));
    }
    SUBCASE("already flushed") {
        HookFixture hook;
        FakeCollector collector(hook.socket(), R"({"ok":true,"files":[]})");
        const HookOutcome outcome = hook.run(stopped_state(), HookStage::Poststop);
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Info);
        CHECK(contains(outcome.message, "nothing to flush"));
    }
    SUBCASE("collector gone") {
        HookFixture hook;
        const HookOutcome outcome = hook.run(stopped_state(), HookStage::Poststop);
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.severity == Severity::Warning);
        CHECK(contains(outcome.message, "not flushed"));
    }
}

TEST_CASE("hook: a collector answer of the wrong shape does not throw") {
    struct Case {
        const char* answer;
        std::optional<HookStage> stage;
    };
    for (const Case& c : {Case{R"({"ok":true,"name":5})", HookStage::CreateRuntime},
                          Case{R"({"ok":false,"error":5})", HookStage::CreateRuntime},
                          Case{R"({"ok":true,"name":7,"files":["a"]})", HookStage::Poststop},
                          Case{R"({"ok":true,"name":"web","files":["a"],"incomplete":[5]})", HookStage::Poststop},
                          Case{R"({"ok":true,"name":"web","files":["a"],"incomplete":"x"})", HookStage::Poststop}}) {
        CAPTURE(c.answer);
        HookFixture hook;
        hook.stdin_text(c.stage == HookStage::Poststop ? stopped_state() : creating_state("web"));
        FakeCollector collector(hook.socket(), std::string(c.answer));
        HookOutcome outcome;
        CHECK_NOTHROW(outcome = run_hook(hook.options(c.stage)));
        CHECK(outcome.exit_code == 0);
    }
}

TEST_CASE("hook: each severity has its syslog priority") {
    CHECK(syslog_priority(Severity::Error) == LOG_ERR);
    CHECK(syslog_priority(Severity::Warning) == LOG_WARNING);
    CHECK(syslog_priority(Severity::Info) == LOG_INFO);
    CHECK(syslog_priority(Severity::Debug) == LOG_DEBUG);
}

namespace {

// runc's state at createRuntime for a container without io.cradle.profile, its bundle in `bundle`.
std::string unannotated_state(const std::string& bundle, const nlohmann::json& annotations) {
    return nlohmann::json{{"ociVersion", "1.0.2"}, {"id", "abc123"},   {"status", "creating"},
                          {"pid", 4242},           {"bundle", bundle}, {"annotations", annotations}}
        .dump();
}

}  // namespace

TEST_CASE("hook: with auto_profile on, a container without the annotation is traced under its automatic name") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300},"auto_profile":{"enabled":true}})");
    const nlohmann::json cri = {{"io.kubernetes.cri.sandbox-namespace", "shop"},
                                {"io.kubernetes.cri.sandbox-name", "web-7d4b9c6f5d-x2k9p"},
                                {"io.kubernetes.cri.container-name", "nginx"}};
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"shop_web_nginx"})");
    const HookOutcome outcome = hook.run(unannotated_state(hook.dir / "none", cri));
    const auto request = nlohmann::json::parse(collector.finish());
    CHECK(outcome.exit_code == 0);
    CHECK(contains(outcome.message, "traced as \"shop_web_nginx\" (automatic name)"));
    CHECK(request.at("op") == "register");
    CHECK(request.at("id") == "abc123");
    CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "shop_web_nginx"}});
}

TEST_CASE("hook: with auto_profile on, the hostname comes from the bundle's config.json") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300},"auto_profile":{"enabled":true,"template":"h-{hostname}|{id}"}})");
    std::filesystem::create_directories(hook.dir / "bundle");
    write_text(hook.dir / "bundle/config.json", R"({"ociVersion":"1.0.2","hostname":"web/../x"})");
    {
        FakeCollector collector(hook.socket(), R"({"ok":true,"name":"h-web_.__x"})");
        const HookOutcome outcome = hook.run(unannotated_state(hook.dir / "bundle", nlohmann::json::object()));
        const auto request = nlohmann::json::parse(collector.finish());
        // Repaired, not refused, and the log says so.
        CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "h-web_.__x"}});
        CHECK(outcome.exit_code == 0);
        CHECK(contains(outcome.message, "replaced by '_'"));
    }
    std::filesystem::remove(hook.socket());
    // A config.json behind a symbolic link is not read: the name falls back to the id.
    std::filesystem::create_directories(hook.dir / "linked");
    std::filesystem::create_symlink(hook.dir / "bundle/config.json", hook.dir / "linked/config.json");
    {
        FakeCollector collector(hook.socket(), R"({"ok":true,"name":"abc123"})");
        hook.run(unannotated_state(hook.dir / "linked", nlohmann::json::object()));
        const auto request = nlohmann::json::parse(collector.finish());
        CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "abc123"}});
    }
}

TEST_CASE("hook: with auto_profile on, an explicit annotation still wins and is still checked") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300},"auto_profile":{"enabled":true}})");
    {
        FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
        hook.run(creating_state("web"));
        const auto request = nlohmann::json::parse(collector.finish());
        CHECK(request.at("annotations") == nlohmann::json{{"io.cradle.profile", "web"}});
    }
    std::filesystem::remove(hook.socket());
    FakeCollector collector(hook.socket(), R"({"ok":true,"name":"web"})");
    const HookOutcome outcome = hook.run(creating_state("../etc"));
    CHECK(outcome.exit_code == 1);
    CHECK_FALSE(collector.contacted());
}

TEST_CASE("hook: with auto_profile on, a pod's sandbox is left alone, and poststop flushes by id") {
    HookFixture hook;
    hook.config(R"({"hook":{"deadline_ms":300},"auto_profile":{"enabled":true}})");
    for (const char* key : {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"}) {
        CAPTURE(key);
        FakeCollector collector(hook.socket(), R"({"ok":true,"name":"x"})");
        const HookOutcome outcome = hook.run(unannotated_state("/nonexistent", {{key, "sandbox"}}));
        CHECK(outcome.exit_code == 0);
        CHECK(outcome.message.empty());
        CHECK_FALSE(collector.contacted());
        collector.finish();
        std::filesystem::remove(hook.socket());
    }
    auto state = nlohmann::json::parse(stopped_state());
    state.erase("annotations");
    FakeCollector collector(hook.socket(), R"({"ok":true,"files":[]})");
    const HookOutcome outcome = hook.run(state.dump(), HookStage::Poststop);
    const auto request = nlohmann::json::parse(collector.finish());
    CHECK(outcome.exit_code == 0);
    CHECK(request == nlohmann::json{{"op", "flush"}, {"id", "abc123"}});
}
