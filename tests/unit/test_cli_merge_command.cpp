#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "profilegen/recording_files.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

constexpr const char* k_replica_1 =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nexit_group\nread\nrestart_syscall\n\n"
    "COUNTERS\nlost_syscalls 2\n";

constexpr const char* k_replica_2 =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nsetuid\n\n"
    "SYSCALLS\nexecve\nexit_group\nwrite\nrestart_syscall\n\n"
    "COUNTERS\nlost_syscalls 3\n";

constexpr const char* k_incomplete =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\n\n"
    "SYSCALLS\nopenat\n\n"
    "INCOMPLETE\nthe ring buffer overflowed\n";

}  // namespace

TEST_CASE("cli: merge writes the union of two tracefiles, which reads back equal") {
    TempDir dir;
    write_text(dir / "1.tracefile", k_replica_1);
    write_text(dir / "2.tracefile", k_replica_2);
    const std::string output = dir / "out/web.tracefile";

    const CradleRun run = run_cradle({"merge", "-o", output, dir / "1.tracefile", dir / "2.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.out.empty());
    CHECK(run.err.empty());

    const Recording merged = read_tracefile(output).value();
    CHECK(merged.architectures == std::set<std::string>{"x86_64"});
    CHECK(merged.capabilities == std::set<std::string>{"chown", "setuid"});
    CHECK(merged.syscalls == std::set<std::string>{"execve", "exit_group", "read", "restart_syscall", "write"});
    CHECK(merged.counters.at("lost_syscalls") == 5);
    CHECK(merged.complete());
    // What is written is what the inputs merge to, as cradle options reads them.
    CHECK(merged == read_merged_recording({dir / "1.tracefile", dir / "2.tracefile"}).value());
    CHECK(read_text(output).starts_with("# Cradle tracefile: 2 recordings merged by cradle merge\n"));
}

TEST_CASE("cli: merge takes directories and --output, and replaces OUT atomically") {
    TempDir dir;
    write_text(dir / "1.tracefile", k_replica_1);
    write_text(dir / "2.tracefile", k_replica_2);
    write_text(dir / "notes.txt", "not a tracefile\n");
    write_text(dir / "old.tracefile", "stale\n");

    const CradleRun run = run_cradle({"merge", dir.path(), "--output=" + (dir / "old.tracefile")});
    // The directory holds old.tracefile too, which does not parse: nothing is replaced.
    CHECK(run.status == 2);
    CHECK(contains(run.err, "old.tracefile"));
    CHECK(read_text(dir / "old.tracefile") == "stale\n");

    TempDir out;
    const CradleRun second = run_cradle({"merge", "--output", out / "web.tracefile", dir / "1.tracefile", dir.path()});
    CHECK(second.status == 2);  // the same: old.tracefile is one of the directory's

    write_text(dir / "old.tracefile", k_replica_1);
    const CradleRun third = run_cradle({"merge", "--output", out / "web.tracefile", dir.path()});
    CHECK(third.status == 0);
    CHECK(entries(out.path()) == std::vector<std::string>{"web.tracefile"});
    CHECK(read_tracefile(out / "web.tracefile").value().capabilities == std::set<std::string>{"chown", "setuid"});
}

TEST_CASE("cli: merge marks the result incomplete when an input is, and exits 1") {
    TempDir dir;
    write_text(dir / "1.tracefile", k_replica_1);
    write_text(dir / "3.tracefile", k_incomplete);
    const std::string output = dir / "merged.tracefile";

    const CradleRun run = run_cradle({"merge", "-o", output, dir / "1.tracefile", dir / "3.tracefile"});
    CHECK(run.status == 1);
    CHECK(run.err == "cradle merge: INCOMPLETE recording: the ring buffer overflowed\n");
    const Recording merged = read_tracefile(output).value();
    CHECK(merged.incomplete_reasons == std::vector<std::string>{"the ring buffer overflowed"});
    CHECK(merged.syscalls.contains("openat"));
    CHECK(contains(read_text(output), "\nINCOMPLETE\nthe ring buffer overflowed\n"));
}

TEST_CASE("cli: merge refuses to run without -o or inputs, and on inputs it cannot read") {
    TempDir dir;
    write_text(dir / "1.tracefile", k_replica_1);

    CradleRun run = run_cradle({"merge", dir / "1.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "-o OUT"));

    run = run_cradle({"merge", "-o", dir / "out.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "at least one TRACEFILE or DIR"));

    run = run_cradle({"merge", "-o", dir / "out.tracefile", dir / "missing.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "missing.tracefile"));
    CHECK(entries(dir.path()) == std::vector<std::string>{"1.tracefile"});

    run = run_cradle({"merge", "--format", "json", "-o", dir / "out.tracefile", dir / "1.tracefile"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "unknown option \"--format\""));

    run = run_cradle({"merge", "--help"});
    CHECK(run.status == 0);
    CHECK(contains(run.out, "Usage: cradle merge -o OUT TRACEFILE|DIR...\n"));
    CHECK(contains(run.out, "Examples:\n"));
}

TEST_CASE("cli: merge refuses a recording that cannot have come from a real run, and writes nothing") {
    TempDir dir;
    write_text(dir / "3.tracefile", k_incomplete);  // openat alone: no execve, no exit_group
    const CradleRun run = run_cradle({"merge", "-o", dir / "out.tracefile", dir / "3.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.err ==
          "cradle merge: refusing the recording: cannot have come from a real run: no execve (nor execveat)\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"3.tracefile"});

    write_text(dir / "empty.tracefile", "ARCH\nx86_64\n\nCAPABILITIES\n\nSYSCALLS\n");
    const CradleRun empty = run_cradle({"merge", "-o", dir / "out.tracefile", dir / "empty.tracefile"});
    CHECK(empty.status == 2);
    CHECK(contains(empty.err, "cannot have come from a real run: it allows no syscall"));
}

TEST_CASE("cli: merge gives the same bytes for its inputs in any order") {
    TempDir dir;
    write_text(dir / "1.tracefile", k_replica_1);
    write_text(dir / "2.tracefile", k_replica_2);
    write_text(dir / "3.tracefile", k_incomplete);
    write_text(dir / "4.tracefile",
               "ARCH\nx86_64\n\nCAPABILITIES\n\nSYSCALLS\nexecve\nexit_group\n\n"
               "INCOMPLETE\nan earlier reason\n");
    TempDir out;
    const CradleRun forward = run_cradle({"merge", "-o", out / "forward.tracefile", dir / "1.tracefile",
                                          dir / "2.tracefile", dir / "3.tracefile", dir / "4.tracefile"});
    const CradleRun backward = run_cradle({"merge", "-o", out / "backward.tracefile", dir / "4.tracefile",
                                           dir / "3.tracefile", dir / "2.tracefile", dir / "1.tracefile"});
    CHECK(forward.status == 1);  // incomplete
    CHECK(backward.status == 1);
    CHECK(read_text(out / "forward.tracefile") == read_text(out / "backward.tracefile"));
    CHECK(contains(read_text(out / "forward.tracefile"),
                   "\nINCOMPLETE\nan earlier reason\nthe ring buffer overflowed\n"));
}
