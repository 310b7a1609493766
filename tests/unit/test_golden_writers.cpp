// Every writer's output for the shared recording (golden_fixture.h), compared byte for byte
// with its golden file under tests/unit/golden/ (golden.h). Each case renders twice: the same
// recording must always give the same bytes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/event_format.h"
#include "golden.h"
#include "golden_fixture.h"
#include "profilegen/capability_profile.h"
#include "profilegen/name_lookup.h"
#include "profilegen/profile_store.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/trace_json.h"
#include "profilegen/tracefile.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// `text` with every occurrence of the temporary directory's path written "@DIR@", so that a
// golden file does not depend on where the test ran.
std::string placeholder_dir(std::string text, const TempDir& dir) {
    for (std::size_t at = text.find(dir.path()); at != std::string::npos; at = text.find(dir.path(), at)) {
        text.replace(at, dir.path().size(), "@DIR@");
    }
    return text;
}

// The shared recording where the collector leaves it: web.tracefile, web.seccomp.json,
// web.capabilities.json and web.trace.json in `dir`, written by the collector's own flush.
void store_golden_recording(const TempDir& dir) {
    auto stored = store_recording(dir.fd(), k_golden_name, golden_recording(), golden_header(), golden_environment());
    REQUIRE_MESSAGE(stored.ok(), stored.error().message);
}

// What `cradle ARGS...` printed on stdout, with the status and stderr checked; the temporary
// directory written "@DIR@".
std::string cradle_out(const std::vector<std::string>& args, int status, const TempDir& dir) {
    const CradleRun run = run_cradle(args);
    CHECK_MESSAGE(run.status == status, "stderr: " << run.err);
    return placeholder_dir(run.out, dir);
}

}  // namespace

TEST_CASE("golden: the tracefile (ctrace format)") {
    const Recording recording = golden_recording();
    check_golden_render("tracefile.web.txt", [&] { return render_tracefile(recording, golden_header()); });
    // The bytes read back as the recording they came from.
    auto parsed = parse_tracefile(render_tracefile(recording, golden_header()));
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    CHECK(*parsed == recording);
}

TEST_CASE("golden: the seccomp profile, refusing with EPERM and with ENOSYS") {
    const Recording recording = golden_recording();
    check_golden_render("seccomp_profile.web.eperm.json",
                        [&] { return render_seccomp_profile(recording, RefusalErrno::eperm); });
    check_golden_render("seccomp_profile.web.enosys.json",
                        [&] { return render_seccomp_profile(recording, RefusalErrno::enosys); });
}

TEST_CASE("golden: the capability profile (<name>.capabilities.json)") {
    const Recording recording = golden_recording();
    check_golden_render("capability_profile.web.json", [&] { return render_capability_profile(recording); });
}

TEST_CASE("golden: the JSON tracefile (<name>.trace.json), complete and incomplete") {
    check_golden_render("trace_json.web.json",
                        [] { return render_trace_json(golden_recording(), golden_environment()); });
    check_golden_render("trace_json.web-incomplete-replica.json",
                        [] { return render_trace_json(golden_incomplete_replica(), golden_environment()); });
}

TEST_CASE("golden: the files the collector writes at flush are the writers' golden files") {
    TempDir dir;
    store_golden_recording(dir);
    CHECK(entries(dir.path()) ==
          std::vector<std::string>{"web.capabilities.json", "web.seccomp.json", "web.trace.json", "web.tracefile"});
    check_golden("tracefile.web.txt", read_text(dir / "web.tracefile"));
    check_golden("seccomp_profile.web.eperm.json", read_text(dir / "web.seccomp.json"));
    check_golden("capability_profile.web.json", read_text(dir / "web.capabilities.json"));
    check_golden("trace_json.web.json", read_text(dir / "web.trace.json"));
}

TEST_CASE("golden: cradle options in every --format") {
    TempDir dir;
    store_golden_recording(dir);
    const std::string tracefile = dir / "web.tracefile";
    // Exit 1: the recording has a finding (sys_admin was needed and refused).
    const struct {
        std::string golden;
        std::vector<std::string> args;
    } cases[] = {
        {"options.web.docker.txt", {"options", "--format", "docker", tracefile}},
        {"options.web.podman.txt", {"options", "--format", "podman", tracefile}},
        {"options.web.json", {"options", "--format", "json", tracefile}},
        {"options.web.kubernetes.yaml", {"options", "--format", "kubernetes", "--seccomp-root", dir.path(), tracefile}},
        {"options.web.kubernetes-crd.yaml", {"options", "--format", "kubernetes", "--crd", tracefile}},
        {"options.web.oci.json", {"options", "--format", "oci", tracefile}},
        {"options.web.systemd.conf", {"options", "--format", "systemd", tracefile}},
        {"options.web.systemd-enosys.conf", {"options", "--format", "systemd", "--errno", "ENOSYS", tracefile}},
    };
    for (const auto& each : cases) {
        CAPTURE(each.golden);
        check_golden_render(each.golden, [&] { return cradle_out(each.args, 1, dir); });
    }
    // The findings, on stderr, are the same whatever the format.
    const CradleRun run = run_cradle({"options", tracefile});
    check_golden("options.web.findings.txt", placeholder_dir(run.err, dir));
}

TEST_CASE("golden: cradle options --base with Docker's default profile") {
    TempDir dir;
    store_golden_recording(dir);
    const std::string base = std::string(CRADLE_SOURCE_DIR) + "/tests/unit/data/docker-default.json";
    const std::string output = dir / "out/web.seccomp.json";
    check_golden_render("options.web.base-docker-default.seccomp.json", [&] {
        const CradleRun run = run_cradle({"options", "--base", base, "--output", output, dir / "web.tracefile"});
        CHECK_MESSAGE(run.status == 1, "stderr: " << run.err);
        return read_text(output);
    });
    const CradleRun run = run_cradle({"options", "--base", base, "--output", output, dir / "web.tracefile"});
    check_golden("options.web.base-docker-default.findings.txt", placeholder_dir(run.err, dir));
}

TEST_CASE("golden: cradle diff, plain and --fail-on risky") {
    TempDir dir;
    write_text(dir / "web.tracefile", render_tracefile(golden_recording(), golden_header()));
    write_text(dir / "changed.tracefile", render_tracefile(golden_changed(), golden_header()));
    const std::string a = dir / "web.tracefile";
    const std::string b = dir / "changed.tracefile";
    check_golden_render("diff.web-to-changed.txt", [&] { return cradle_out({"diff", a, b}, 1, dir); });
    check_golden_render("diff.web-to-changed.fail-on-risky.txt", [&] {
        return cradle_out({"diff", "--fail-on", "risky", a, b}, 1, dir);
    });
    check_golden_render("diff.web-to-changed.fail-on-risky.json", [&] {
        return cradle_out({"diff", "--format", "json", "--fail-on", "risky", a, b}, 1, dir);
    });
}

TEST_CASE("golden: cradle merge of a replica that lost events") {
    TempDir dir;
    write_text(dir / "web-1.tracefile", render_tracefile(golden_recording(), golden_header()));
    write_text(dir / "web-2.tracefile", render_tracefile(golden_incomplete_replica(), golden_header()));
    const std::string output = dir / "out/web.tracefile";
    check_golden_render("merge.web-and-incomplete-replica.tracefile", [&] {
        // Exit 1: the result is incomplete (and still written).
        CHECK(cradle_out({"merge", "-o", output, dir / "web-1.tracefile", dir / "web-2.tracefile"}, 1, dir).empty());
        return read_text(output);
    });
}

TEST_CASE("golden: the event stream as a table, as JSON lines, and its summary") {
    const std::vector<Event> events = golden_events();
    const EventLoss loss{5, 2};
    check_golden_render("events.web.table.txt", [&] {
        std::string out;
        append_table_header(out);
        for (const Event& event : events) {
            append_table_row(out, event);
        }
        append_table_loss(out, loss);
        return out;
    });
    check_golden_render("events.web.jsonl", [&] {
        std::string out;
        for (const Event& event : events) {
            append_json_line(out, event);
        }
        append_json_loss(out, loss);
        return out;
    });
    check_golden_render("events.web.summary.txt", [&] {
        EventTally tally;
        for (const Event& event : events) {
            tally.add(event.name);
        }
        return format_summary(tally, StreamLosses{.events = loss.total});
    });
}

TEST_CASE("golden: cradle syscall and cradle capability, for the recording's names") {
    const Recording recording = golden_recording();
    std::vector<SyscallEntry> syscalls;
    for (const std::string& name : recording.syscalls) {
        auto entry = look_up_syscall("x86_64", name);
        REQUIRE_MESSAGE(entry.ok(), entry.error().message);
        syscalls.push_back(*entry);
    }
    for (const std::string& name : recording.compat_syscalls) {
        auto entry = look_up_syscall("x86", name);
        REQUIRE_MESSAGE(entry.ok(), entry.error().message);
        syscalls.push_back(*entry);
    }
    std::vector<CapabilityEntry> capabilities;
    for (const std::string& name : recording.capabilities) {
        auto entry = look_up_capability(name);
        REQUIRE_MESSAGE(entry.ok(), entry.error().message);
        capabilities.push_back(*entry);
    }
    // The text has no architecture column: the native ones alone; the JSON names each one's.
    const std::vector<SyscallEntry> native(syscalls.begin(), syscalls.begin() + recording.syscalls.size());
    check_golden_render("lookup.web.syscalls-x86_64.txt", [&] { return render_syscalls_text(native); });
    check_golden_render("lookup.web.syscalls.json", [&] { return render_syscalls_json(syscalls); });
    check_golden_render("lookup.web.capabilities.txt", [&] { return render_capabilities_text(capabilities); });
    check_golden_render("lookup.web.capabilities.json", [&] { return render_capabilities_json(capabilities); });
}

TEST_CASE("first_difference names the first line that differs, and where a side ends") {
    CHECK(first_difference("a\nb\n", "a\nb\n").empty());
    CHECK(first_difference("a\nb\nc\n", "a\nB\nc\n") == "line 2:\n  golden: \"b\"\n  actual: \"B\"");
    CHECK(first_difference("a\n", "a\nb\n") == "line 2:\n  golden: (end of file)\n  actual: \"b\"");
    CHECK(first_difference("a\n", "a") == "line 1:\n  golden: \"a\"\n  actual: \"a\" (no newline at the end)");
    // Trailing spaces and control bytes show.
    CHECK(first_difference("x\n", "x \t\n") == "line 1:\n  golden: \"x\"\n  actual: \"x \\x09\"");
}
