#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

constexpr const char* k_web_tracefile =
    "# Cradle tracefile\n"
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nread\nwrite\n\n"
    "RUNTIME_SYSCALLS\nexecve\n";

constexpr const char* k_db_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nkill\nsetuid\n\n"
    "SYSCALLS\nexecve\nopenat\n";

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

Run run_cradle(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    Run run;
    run.status = run_cli(args, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

// A recording as the collector leaves it: `<name>.tracefile` holding `tracefile`, with a
// placeholder `<name>.seccomp.json` beside it.
void put_recording(const TempDir& dir, const std::string& name, const std::string& tracefile) {
    write_text(dir / (name + ".tracefile"), tracefile);
    write_text(dir / (name + ".seccomp.json"), "{}\n");
}

}  // namespace

TEST_CASE("cli: options prints the docker flags for one tracefile and its own seccomp profile") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);

    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json") + "\n");
    CHECK(run.err.empty());
    // It only reads.
    CHECK(read_text(dir / "web.seccomp.json") == "{}\n");
}

TEST_CASE("cli: options without a seccomp profile beside the tracefile asks for --output") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "--output"));
    CHECK(contains(run.err, dir / "web.seccomp.json"));
}

TEST_CASE("cli: options --output merges several tracefiles into one profile") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    const std::string output = dir / "out/merged.json";

    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"options", "--output", output, dir / "web.tracefile", dir / "db.tracefile"},
          std::vector<std::string>{"options", dir / "web.tracefile", "--output=" + output, dir / "db.tracefile"}}) {
        std::filesystem::remove_all(dir / "out");
        const Run run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --cap-add=KILL --cap-add=SETUID --security-opt=seccomp:" +
                             output + "\n");
        // The union, and restart_syscall, which the kernel may make any process call.
        CHECK(seccomp_names(output) == std::vector<std::string>{"execve", "openat", "read", "restart_syscall", "write"});
    }
}

TEST_CASE("cli: options with several inputs and no --output is an error") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    put_recording(dir, "db", k_db_tracefile);
    const Run run = run_cradle({"options", dir / "web.tracefile", dir / "db.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "2 recordings"));
    CHECK(contains(run.err, "--output"));
}

TEST_CASE("cli: options reads every *.tracefile of a directory") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    // Neither a hidden file (an unfinished atomic write) nor other files are inputs.
    write_text(dir / ".old.tracefile", "garbage that does not parse\n");
    write_text(dir / "notes.txt", "garbage that does not parse\n");

    SUBCASE("one tracefile uses its own profile") {
        const Run run = run_cradle({"options", dir.path()});
        CHECK(run.status == 0);
        CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json") + "\n");
    }
    SUBCASE("two tracefiles need --output") {
        write_text(dir / "db.tracefile", k_db_tracefile);
        const Run without = run_cradle({"options", dir.path()});
        CHECK(without.status == 2);
        CHECK(contains(without.err, "--output"));

        const Run with = run_cradle({"options", "--output", dir / "all.json", dir.path()});
        CHECK(with.status == 0);
        CHECK(seccomp_names(dir / "all.json") ==
              std::vector<std::string>{"execve", "openat", "read", "restart_syscall", "write"});
    }
    SUBCASE("a directory without tracefiles is an error") {
        TempDir empty;
        const Run run = run_cradle({"options", empty.path()});
        CHECK(run.status == 2);
        CHECK(contains(run.err, empty.path()));
    }
}

TEST_CASE("cli: options --format json") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    const Run run = run_cradle({"options", "--format", "json", dir / "web.tracefile"});
    CHECK(run.status == 0);
    const nlohmann::json document = nlohmann::json::parse(run.out);
    CHECK(document.at("docker_run_options") ==
          "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json"));
    CHECK(document.at("capabilities") == nlohmann::json::array({"CAP_CHOWN"}));
    CHECK(document.at("seccomp_profile") == dir / "web.seccomp.json");
    CHECK(document.at("syscalls") == 4);  // with the implied restart_syscall
    CHECK(document.at("incomplete").empty());
}

TEST_CASE("cli: an incomplete or refused recording is a finding") {
    TempDir dir;
    put_recording(dir, "web",
                  std::string(k_web_tracefile) +
                      "\nDENIED_CAPABILITIES\nsys_admin\n\nINCOMPLETE\nthe workload never started\n");
    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 1);
    CHECK(contains(run.out, "--cap-add=CHOWN"));
    CHECK_FALSE(contains(run.out, "SYS_ADMIN"));
    CHECK(contains(run.err, "INCOMPLETE"));
    CHECK(contains(run.err, "the workload never started"));
    CHECK(contains(run.err, "sys_admin"));

    const Run json = run_cradle({"options", "--format=json", dir / "web.tracefile"});
    CHECK(json.status == 1);
    const nlohmann::json document = nlohmann::json::parse(json.out);
    CHECK(document.at("incomplete") == nlohmann::json::array({"the workload never started"}));
    CHECK(document.at("denied_capabilities") == nlohmann::json::array({"sys_admin"}));
}

TEST_CASE("cli: unreadable inputs are errors that name them") {
    TempDir dir;
    SUBCASE("missing") {
        const Run run = run_cradle({"options", dir / "missing.tracefile"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, dir / "missing.tracefile"));
    }
    SUBCASE("corrupt") {
        put_recording(dir, "bad", "SYSCALLS\nRead\n");
        const Run run = run_cradle({"options", dir / "bad.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, dir / "bad.tracefile"));
        CHECK(contains(run.err, "Read"));
    }
    SUBCASE("none") {
        const Run run = run_cradle({"options"});
        CHECK(run.status == 2);
        CHECK_FALSE(run.err.empty());
    }
}

TEST_CASE("cli: usage errors exit 2 with a message on stderr") {
    SUBCASE("no command") {
        const Run run = run_cradle({});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "Usage:"));
    }
    SUBCASE("unknown command") {
        const Run run = run_cradle({"frobnicate"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown command \"frobnicate\""));
    }
    SUBCASE("unknown option") {
        const Run run = run_cradle({"options", "--frob", "x.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown option \"--frob\""));
    }
    SUBCASE("option without its value") {
        const Run run = run_cradle({"options", "--output"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "--output"));
    }
    SUBCASE("unknown format") {
        const Run run = run_cradle({"status", "--format", "yaml"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "\"yaml\""));
    }
    SUBCASE("help goes to stdout") {
        const Run run = run_cradle({"--help"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "Usage:"));
        CHECK(run.err.empty());
    }
}

TEST_CASE("cli: status without a collector is an error that names the socket") {
    const Run run = run_cradle({"status", "--socket", "/nonexistent/cradle.sock"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "/nonexistent/cradle.sock"));
}

TEST_CASE("cli: status prints what the collector reports") {
    TempDir dir;
    const nlohmann::json answer = {
        {"ok", true},
        {"capability_source", "fexit"},
        {"classifies_probes", true},
        {"output_dir", "/var/lib/cradle/profiles"},
        {"pin_dir", "/sys/fs/bpf/cradle"},
        {"runtime_baseline_syscalls", 17},
        {"runtime_baseline_samples", 2},
        {"containers",
         {{{"id", "abc123"}, {"name", "web"}, {"phase", "workload"}, {"workload_syscalls", 42}, {"lost_syscalls", 1},
           {"lost_cgroups", 2}}}}};

    SUBCASE("text") {
        FakeCollector collector(dir / "c.sock", answer.dump());
        const Run run = run_cradle({"status", "--socket", dir / "c.sock"});
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
        const Run run = run_cradle({"status", "--format", "json", "--socket=" + (dir / "c.sock")});
        CHECK(run.status == 0);
        CHECK(nlohmann::json::parse(run.out) == answer);
    }
    SUBCASE("members of the wrong type read as unknown") {
        FakeCollector collector(dir / "c.sock",
                                R"({"ok":true,"capability_source":5,"containers":[{"id":7,"workload_syscalls":"x"}]})");
        Run run;
        CHECK_NOTHROW(run = run_cradle({"status", "--socket", dir / "c.sock"}));
        CHECK(run.status == 0);
        CHECK(contains(run.out, "capability checks: ?"));
        CHECK(contains(run.out, "containers:        1"));
    }
    SUBCASE("an answer that is not JSON, as a number too large for a double") {
        for (const std::string format : {"text", "json"}) {
            const std::string socket = dir / (format + ".sock");
            FakeCollector collector(socket, R"({"ok":true,"runtime_baseline_syscalls":1e999})");
            Run run;
            CHECK_NOTHROW(run = run_cradle({"status", "--format", format, "--socket", socket}));
            CHECK(run.status == 2);
            CHECK(run.out.empty());
            CHECK(contains(run.err, "cradle status: collector at \"" + socket + "\": answer is not"));
        }
    }
    SUBCASE("refused") {
        FakeCollector collector(dir / "c.sock", R"({"ok":false,"error":"only root may ask"})");
        const Run run = run_cradle({"status", "--socket", dir / "c.sock"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "only root may ask"));
    }
}

TEST_CASE("cli: an input not named *.tracefile has no seccomp profile of its own") {
    TempDir dir;
    write_text(dir / "web-profile.txt", k_web_tracefile);
    write_text(dir / "web-p.seccomp.json", "{}\n");
    const Run run = run_cradle({"options", dir / "web-profile.txt"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "--output"));
    CHECK_FALSE(contains(run.out, "web-p.seccomp.json"));
}

TEST_CASE("cli: options --format json refuses strings that are not UTF-8 and names them") {
    TempDir dir;
    SUBCASE("a reason read from the tracefile") {
        put_recording(dir, "web", std::string(k_web_tracefile) + "\nINCOMPLETE\nlost \xff bytes\n");
        Run run;
        CHECK_NOTHROW(run = run_cradle({"options", "--format", "json", dir / "web.tracefile"}));
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "cradle options: writing the options as JSON: member \"/incomplete/0\" is not UTF-8"));
        // The text format has no such constraint.
        const Run text = run_cradle({"options", dir / "web.tracefile"});
        CHECK(text.status == 1);
        CHECK(contains(text.out, "--cap-add=CHOWN"));
    }
    SUBCASE("a path") {
        put_recording(dir, "w\xe9""b", k_web_tracefile);
        Run run;
        CHECK_NOTHROW(run = run_cradle({"options", "--format=json", dir / "w\xe9""b.tracefile"}));
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "is not UTF-8"));
    }
}
