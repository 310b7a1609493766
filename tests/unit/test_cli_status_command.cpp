#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/status_command.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("cli: status without a collector is an error that names the socket") {
    const CradleRun run = run_cradle({"status", "--socket", "/nonexistent/cradle.sock"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "/nonexistent/cradle.sock"));
}

TEST_CASE("cli: status prints what the collector reports") {
    TempDir dir;
    const nlohmann::json answer = {{"ok", true},
                                   {"capability_source", "fexit"},
                                   {"classifies_probes", true},
                                   {"output_dir", "/var/lib/cradle/profiles"},
                                   {"pin_dir", "/sys/fs/bpf/cradle"},
                                   {"runtime_baseline_syscalls", 17},
                                   {"runtime_baseline_samples", 2},
                                   {"containers",
                                    {{{"id", "abc123"},
                                      {"name", "web"},
                                      {"phase", "workload"},
                                      {"workload_syscalls", 42},
                                      {"lost_syscalls", 1},
                                      {"lost_cgroups", 2}}}}};

    SUBCASE("text") {
        FakeCollector collector(dir / "c.sock", answer.dump());
        const CradleRun run = run_cradle({"status", "--socket", dir / "c.sock"});
        CHECK(nlohmann::json::parse(collector.finish()) == nlohmann::json{{"op", "status"}});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "fexit (no-audit probes told apart)"));
        CHECK(contains(run.out, "17 syscalls from 2 containers"));
        CHECK(contains(run.out, "containers:        1"));
        CHECK(contains(run.out, "abc123"));
        CHECK(contains(run.out, "web"));
        CHECK(contains(run.out, "42"));
    }
    SUBCASE("json") {
        FakeCollector collector(dir / "c.sock", answer.dump());
        const CradleRun run = run_cradle({"status", "--format", "json", "--socket=" + (dir / "c.sock")});
        CHECK(run.status == 0);
        CHECK(nlohmann::json::parse(run.out) == answer);
    }
    SUBCASE("members of the wrong type read as unknown") {
        FakeCollector collector(dir / "c.sock",
                                R"({"ok":true,"capability_source":5,"containers":[{"id":7,"workload_syscalls":"x"}]})");
        CradleRun run;
        CHECK_NOTHROW(run = run_cradle({"status", "--socket", dir / "c.sock"}));
        CHECK(run.status == 0);
        CHECK(contains(run.out, "capability checks: ?"));
        CHECK(contains(run.out, "containers:        1"));
    }
    SUBCASE("an answer that is not JSON, as a number too large for a double") {
        for (const std::string format : {"text", "json"}) {
            const std::string socket = dir / (format + ".sock");
            FakeCollector collector(socket, R"({"ok":true,"runtime_baseline_syscalls":1e999})");
            CradleRun run;
            CHECK_NOTHROW(run = run_cradle({"status", "--format", format, "--socket", socket}));
            CHECK(run.status == 2);
            CHECK(run.out.empty());
            CHECK(contains(run.err, "cradle status: collector at \"" + socket + "\": answer is not"));
        }
    }
    SUBCASE("refused") {
        FakeCollector collector(dir / "c.sock", R"({"ok":false,"error":"only root may ask"})");
        const CradleRun run = run_cradle({"status", "--socket", dir / "c.sock"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "only root may ask"));
    }
}

TEST_CASE("cli: status usage errors exit 2 with a message on stderr") {
    SUBCASE("unknown format") {
        const CradleRun run = run_cradle({"status", "--format", "yaml"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "\"yaml\""));
    }
    SUBCASE("a flag of another subcommand") {
        TempDir dir;
        FakeCollector collector(dir / "c.sock", R"({"ok":true})");
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"status", "--output", "x", "--socket", dir / "c.sock"},
              std::vector<std::string>{"status", "--socket", dir / "c.sock", "--output=x"}}) {
            const CradleRun run = run_cradle(args);
            CHECK(run.status == 2);
            CHECK(run.out.empty());
            CHECK(run.err == "cradle status: unknown option \"--output\"\n");
        }
        CHECK_FALSE(collector.contacted());
    }
    SUBCASE("an argument, which status does not take") {
        const CradleRun run = run_cradle({"status", "web.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "cradle status: unexpected argument \"web.tracefile\""));
    }
    SUBCASE("option without its value") {
        const CradleRun run = run_cradle({"status", "--socket"});
        CHECK(run.status == 2);
        CHECK(run.err == "cradle status: --socket needs a value\n");
    }
}

TEST_CASE("cli: status --help prints its options and examples on stdout, and asks nobody") {
    TempDir dir;
    FakeCollector collector(dir / "c.sock", R"({"ok":true})");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"status", "--help"}, std::vector<std::string>{"status", "-h"},
          std::vector<std::string>{"status", "--socket", dir / "c.sock", "--help"},
          std::vector<std::string>{"help", "status"}}) {
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.err.empty());
        CHECK(run.out == k_status_command_help);
    }
    CHECK_FALSE(collector.contacted());
    CHECK(contains(k_status_command_help, "Usage: cradle status "));
    CHECK(contains(k_status_command_help, "--socket PATH"));
    CHECK(contains(k_status_command_help, "--config FILE"));
    CHECK(contains(k_status_command_help, "Examples:\n  cradle status"));
}

TEST_CASE("cli: status --config reads the socket from the configuration, --socket overrides it") {
    TempDir dir;
    write_text(dir / "cradle.json", R"({"socket": ")" + (dir / "c.sock") + R"("})");
    SUBCASE("the configuration's socket") {
        FakeCollector collector(dir / "c.sock", R"({"ok":true,"capability_source":"fexit"})");
        const CradleRun run = run_cradle({"status", "--config", dir / "cradle.json"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "capability checks: fexit"));
        CHECK(collector.contacted());
    }
    SUBCASE("--socket wins") {
        FakeCollector collector(dir / "other.sock", R"({"ok":true,"capability_source":"kprobe"})");
        const CradleRun run = run_cradle({"status", "--config", dir / "cradle.json", "--socket", dir / "other.sock"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "capability checks: kprobe"));
    }
}

TEST_CASE("cli: status with a configuration that does not load is an error that names it") {
    TempDir dir;
    SUBCASE("absent, when named") {
        const CradleRun run = run_cradle({"status", "--config", dir / "missing.json"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "cradle status: config \"" + (dir / "missing.json") + "\""));
    }
    SUBCASE("a number too large for a double") {
        write_text(dir / "cradle.json", R"({"hook": {"deadline_ms": 1e999}})");
        CradleRun run;
        CHECK_NOTHROW(run = run_cradle({"status", "--config", dir / "cradle.json"}));
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "cradle status: config \"" + (dir / "cradle.json") + "\": not JSON"));
        CHECK(contains(run.err, "1e999"));
    }
    SUBCASE("a value of the wrong type") {
        write_text(dir / "cradle.json", R"({"socket": ["/run/cradle/cradle.sock"]})");
        const CradleRun run = run_cradle({"status", "--config", dir / "cradle.json"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "key \"socket\": must be a string, not array"));
    }
}
