#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/recording_diff.h"
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

// Argument values: a workload that opens INET sockets and unshares its UTS namespace...
constexpr const char* k_arguments_before =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\n\n"
    "SYSCALLS\nexecve\nsocket\nunshare\n\n"
    "ARGUMENTS\nsocket AF_INET\nunshare CLONE_NEWUTS\n";

// ...then INET6 and netlink sockets as well: harmless...
constexpr const char* k_arguments_harmless =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\n\n"
    "SYSCALLS\nexecve\nsocket\nunshare\n\n"
    "ARGUMENTS\nsocket AF_INET\nsocket AF_INET6\nsocket AF_NETLINK\nunshare CLONE_NEWUTS\n";

// ...or packet sockets and a network namespace, with the same syscalls.
constexpr const char* k_arguments_risky =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\n\n"
    "SYSCALLS\nexecve\nsocket\nunshare\n\n"
    "ARGUMENTS\nsocket AF_INET\nsocket AF_PACKET\nunshare CLONE_NEWNET\n";

struct Files {
    TempDir dir;
    Files() {
        write_text(dir / "before.tracefile", k_before);
        write_text(dir / "harmless.tracefile", k_harmless);
        write_text(dir / "risky.tracefile", k_risky);
        write_text(dir / "arguments-before.tracefile", k_arguments_before);
        write_text(dir / "arguments-harmless.tracefile", k_arguments_harmless);
        write_text(dir / "arguments-risky.tracefile", k_arguments_risky);
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

TEST_CASE("cli: diff compares ARGUMENTS lines, and --fail-on risky names the risky values") {
    Files files;
    const CradleRun plain =
        run_cradle({"diff", files / "arguments-before.tracefile", files / "arguments-harmless.tracefile"});
    CHECK(plain.status == 1);
    CHECK(plain.out == "ARGUMENTS\n+socket AF_INET6\n+socket AF_NETLINK\n");
    CHECK(plain.err.empty());

    const CradleRun harmless = run_cradle(
        {"diff", "--fail-on", "risky", files / "arguments-before.tracefile", files / "arguments-harmless.tracefile"});
    CHECK(harmless.status == 0);
    CHECK(harmless.out == plain.out);

    const CradleRun risky = run_cradle(
        {"diff", "--fail-on", "risky", files / "arguments-before.tracefile", files / "arguments-risky.tracefile"});
    CHECK(risky.status == 1);
    CHECK(
        risky.out.starts_with("ARGUMENTS\n+socket AF_PACKET\n+unshare CLONE_NEWNET\n-unshare CLONE_NEWUTS\n\n"
                              "RISKY_ADDITIONS\n+argument socket AF_PACKET: raw link-layer frames"));
    CHECK(contains(risky.out, "\n+argument unshare CLONE_NEWNET: creates a network namespace"));
    CHECK(risky.err.empty());

    // The other way round, leaving AF_PACKET and CLONE_NEWNET is not risky, but a UTS namespace
    // is a namespace flag B newly uses.
    const CradleRun back = run_cradle(
        {"diff", "--fail-on", "risky", files / "arguments-risky.tracefile", files / "arguments-before.tracefile"});
    CHECK(back.status == 1);
    CHECK(back.out ==
          "ARGUMENTS\n+unshare CLONE_NEWUTS\n-socket AF_PACKET\n-unshare CLONE_NEWNET\n\n"
          "RISKY_ADDITIONS\n+argument unshare CLONE_NEWUTS: " +
              std::string(find_risky_argument_value(ArgumentKind::namespaces, "CLONE_NEWUTS")->reason) + "\n");

    // A tracefile from before ARGUMENTS allowed socket and unshare with any value: the lines
    // are new, what they allow is not.
    const std::string before = k_arguments_before;
    write_text(files / "arguments-old.tracefile", before.substr(0, before.find("\nARGUMENTS\n")));
    const CradleRun old = run_cradle(
        {"diff", "--fail-on", "risky", files / "arguments-old.tracefile", files / "arguments-risky.tracefile"});
    CHECK(old.status == 0);
    CHECK(old.out == "ARGUMENTS\n+socket AF_INET\n+socket AF_PACKET\n+unshare CLONE_NEWNET\n");

    const CradleRun json = run_cradle({"diff", "--fail-on", "risky", "--format", "json",
                                       files / "arguments-before.tracefile", files / "arguments-risky.tracefile"});
    CHECK(json.status == 1);
    const auto document = nlohmann::json::parse(json.out);
    CHECK(document["ARGUMENTS"] == nlohmann::json::parse(R"({"added": ["socket AF_PACKET", "unshare CLONE_NEWNET"],
                                                             "removed": ["unshare CLONE_NEWUTS"]})"));
    REQUIRE(document["risky"].size() == 2);
    CHECK(document["risky"][0]["kind"] == "argument");
    CHECK(document["risky"][0]["name"] == "socket AF_PACKET");
    CHECK(document["risky"][0]["reason"] ==
          std::string(find_risky_argument_value(ArgumentKind::family, "AF_PACKET")->reason));
    CHECK(document["risky"][1]["name"] == "unshare CLONE_NEWNET");
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
    CHECK(contains(run.out, "ARCH, CAPABILITIES, SYSCALLS,\nCOMPAT_SYSCALLS, ARGUMENTS and DENIED_CAPABILITIES"));
    CHECK(contains(run.out, "namespace flag of clone, clone3 or unshare; an AF_PACKET or AF_VSOCK"));
    CHECK(contains(run.out, "Examples:\n"));
}
