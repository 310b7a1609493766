#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

constexpr const char* k_before =
    "# Cradle tracefile\n"
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\nkill\n\n"
    "SYSCALLS\nexecve\nopenat\nread\nwrite\n";

// Harmless drift: a syscall more, one less, a capability swapped; and counters and reasons
// that are not compared.
constexpr const char* k_harmless =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nCAP_CHOWN\nsetuid\n\n"
    "SYSCALLS\nclose\nexecve\nread\nwrite\n\n"
    "COUNTERS\nlost_syscalls 4\n\n"
    "INCOMPLETE\nlost events\n";

// Risky drift: mount and the sys_admin capability.
constexpr const char* k_risky =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\nkill\nsys_admin\n\n"
    "SYSCALLS\nexecve\nmount\nopenat\nread\nwrite\n";

struct Files {
    TempDir dir;
    Files() {
        write_text(dir / "before.tracefile", k_before);
        write_text(dir / "harmless.tracefile", k_harmless);
        write_text(dir / "risky.tracefile", k_risky);
    }
    std::string operator/(const std::string& name) const { return dir / name; }
};

}  // namespace

TEST_CASE("cli: diff of equal tracefiles prints nothing and exits 0") {
    Files files;
    // Equal in what is compared, though the text differs (a comment).
    write_text(files / "same.tracefile", std::string(k_before).substr(std::string("# Cradle tracefile\n").size()));
    for (const std::string fail_on : {"any", "risky"}) {
        const CradleRun run =
            run_cradle({"diff", "--fail-on", fail_on, files / "before.tracefile", files / "same.tracefile"});
        CHECK(run.status == 0);
        CHECK(run.out.empty());
        CHECK(run.err.empty());
    }
    const CradleRun json =
        run_cradle({"diff", "--format", "json", files / "before.tracefile", files / "same.tracefile"});
    CHECK(json.status == 0);
    CHECK(nlohmann::json::parse(json.out)["SYSCALLS"] == nlohmann::json::parse(R"({"added": [], "removed": []})"));
}

TEST_CASE("cli: diff prints each differing section with +added and -removed names, and exits 1") {
    Files files;
    const CradleRun run = run_cradle({"diff", files / "before.tracefile", files / "harmless.tracefile"});
    CHECK(run.status == 1);
    CHECK(run.out ==
          "CAPABILITIES\n+setuid\n-kill\n\n"
          "SYSCALLS\n+close\n-openat\n");
    CHECK(run.err.empty());

    const CradleRun json =
        run_cradle({"diff", "--format=json", files / "before.tracefile", files / "harmless.tracefile"});
    CHECK(json.status == 1);
    const auto document = nlohmann::json::parse(json.out);
    CHECK(document["CAPABILITIES"] == nlohmann::json::parse(R"({"added": ["setuid"], "removed": ["kill"]})"));
    CHECK(document["SYSCALLS"] == nlohmann::json::parse(R"({"added": ["close"], "removed": ["openat"]})"));
    CHECK(document["ARCH"] == nlohmann::json::parse(R"({"added": [], "removed": []})"));
    CHECK_FALSE(document.contains("risky"));
}

TEST_CASE("cli: diff --fail-on risky exits 1 only for a risky addition, and names it with its reason") {
    Files files;
    const CradleRun harmless =
        run_cradle({"diff", "--fail-on", "risky", files / "before.tracefile", files / "harmless.tracefile"});
    CHECK(harmless.status == 0);
    // The diff is printed all the same.
    CHECK(harmless.out == "CAPABILITIES\n+setuid\n-kill\n\nSYSCALLS\n+close\n-openat\n");

    const CradleRun risky =
        run_cradle({"diff", "--fail-on", "risky", files / "before.tracefile", files / "risky.tracefile"});
    CHECK(risky.status == 1);
    CHECK(risky.out.starts_with("CAPABILITIES\n+sys_admin\n\nSYSCALLS\n+mount\n\nRISKY_ADDITIONS\n"));
    CHECK(contains(risky.out, "\n+capability sys_admin: "));
    CHECK(contains(risky.out, "\n+syscall mount: mounts filesystems"));

    // Removing them is not risky.
    const CradleRun removed =
        run_cradle({"diff", "--fail-on", "risky", files / "risky.tracefile", files / "before.tracefile"});
    CHECK(removed.status == 0);
    CHECK(removed.out == "CAPABILITIES\n-sys_admin\n\nSYSCALLS\n-mount\n");

    const CradleRun json = run_cradle(
        {"diff", "--fail-on", "risky", "--format", "json", files / "before.tracefile", files / "risky.tracefile"});
    CHECK(json.status == 1);
    const auto document = nlohmann::json::parse(json.out);
    REQUIRE(document["risky"].size() == 2);
    CHECK(document["risky"][0]["name"] == "sys_admin");
    CHECK(document["risky"][1]["name"] == "mount");
}

TEST_CASE("cli: diff errors exit 2, on stderr") {
    Files files;
    CradleRun run = run_cradle({"diff", files / "before.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "name two tracefiles, A and B (1 given)"));

    run = run_cradle({"diff", files / "before.tracefile", files / "missing.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "missing.tracefile"));

    write_text(files / "bad.tracefile", "SYSCALLS\nRead\n");
    run = run_cradle({"diff", files / "bad.tracefile", files / "before.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "line 2"));

    run = run_cradle({"diff", "--fail-on", "some", files / "before.tracefile", files / "risky.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "--fail-on must be any or risky, not \"some\""));

    run = run_cradle({"diff", "--format", "xml", files / "before.tracefile", files / "risky.tracefile"});
    CHECK(run.status == 2);

    run = run_cradle({"diff", "--help"});
    CHECK(run.status == 0);
    CHECK(contains(run.out, "Usage: cradle diff [--format text|json] [--fail-on any|risky] A B\n"));
    CHECK(contains(run.out, "ARCH, CAPABILITIES, SYSCALLS,\nCOMPAT_SYSCALLS and DENIED_CAPABILITIES"));
    CHECK(contains(run.out, "Examples:\n"));
}
