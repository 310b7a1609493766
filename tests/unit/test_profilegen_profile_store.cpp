#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "profilegen/capability_profile.h"
#include "profilegen/profile_store.h"
#include "profilegen/tracefile.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

bool is_symlink(const std::string& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0 && S_ISLNK(status.st_mode);
}

Recording first_recording() {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.capabilities = {"chown"};
    recording.syscalls = {"execve", "exit_group", "read", "write"};
    recording.runtime_syscalls = {"execve"};
    recording.counters = {{"lost_syscalls", 0}};
    return recording;
}

Recording second_recording() {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.capabilities = {"kill"};
    recording.syscalls = {"execve", "exit_group", "openat"};
    recording.runtime_syscalls = {"execve"};
    recording.counters = {{"lost_syscalls", 2}};
    recording.incomplete_reasons = {"2 syscalls had numbers outside the recorded tables"};
    return recording;
}

Recording read_tracefile(const std::string& path) {
    auto recording = parse_tracefile(read_text(path));
    REQUIRE_MESSAGE(recording.ok(), recording.error().message);
    return std::move(recording).value();
}

using Names = std::set<std::string>;

}  // namespace

TEST_CASE("profile_store: the first store writes every file") {
    TempDir dir;
    auto stored = store_recording(dir.fd(), "web", first_recording(), "recorded by a test");
    REQUIRE_MESSAGE(stored.ok(), stored.error().message);
    CHECK(stored->tracefile == "web.tracefile");
    CHECK(stored->seccomp_profile == "web.seccomp.json");
    CHECK(stored->capability_profile == "web.capabilities.json");
    CHECK(stored->trace_json == "web.trace.json");
    CHECK_FALSE(stored->replaced_symlink);
    CHECK(stored->merged == first_recording());
    CHECK(entries(dir.path()) ==
          std::vector<std::string>{"web.capabilities.json", "web.seccomp.json", "web.trace.json", "web.tracefile"});

    const std::string text = read_text(dir / "web.tracefile");
    CHECK(text.rfind("# recorded by a test\n", 0) == 0);
    CHECK(read_tracefile(dir / "web.tracefile") == first_recording());
    CHECK(seccomp_names(dir / "web.seccomp.json") == std::vector<std::string>{"execve", "exit_group", "read", "write"});
    CHECK(read_text(dir / "web.capabilities.json") == *render_capability_profile(first_recording()));
    CHECK(read_text(dir / "web.trace.json") == *render_trace_json(first_recording(), TraceEnvironment{}));

    struct stat status {};
    REQUIRE(::stat((dir / "web.tracefile").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0644);
}

TEST_CASE("profile_store: a second store under the same name gives the union") {
    TempDir dir;
    REQUIRE(store_recording(dir.fd(), "web", first_recording(), "").ok());
    auto stored = store_recording(dir.fd(), "web", second_recording(), "");
    REQUIRE_MESSAGE(stored.ok(), stored.error().message);

    const Recording merged = read_tracefile(dir / "web.tracefile");
    CHECK(merged.syscalls == Names{"execve", "exit_group", "openat", "read", "write"});
    CHECK(merged.capabilities == Names{"chown", "kill"});
    CHECK(merged.runtime_syscalls == Names{"execve"});
    CHECK(merged.counters.at("lost_syscalls") == 2);
    CHECK(merged.incomplete_reasons == second_recording().incomplete_reasons);
    CHECK(merged == stored->merged);
    CHECK(seccomp_names(dir / "web.seccomp.json") ==
          std::vector<std::string>{"execve", "exit_group", "openat", "read", "write"});
    // The capability profile and the JSON tracefile are merged by name too.
    CHECK(read_text(dir / "web.capabilities.json") == *render_capability_profile(merged));
    CHECK(read_text(dir / "web.trace.json") == *render_trace_json(merged, TraceEnvironment{}));

    // Another name is a profile of its own.
    REQUIRE(store_recording(dir.fd(), "db", second_recording(), "").ok());
    CHECK(read_tracefile(dir / "db.tracefile").syscalls == Names{"execve", "exit_group", "openat"});
    CHECK(read_tracefile(dir / "web.tracefile") == merged);
}

TEST_CASE("profile_store: symbolic links planted in the directory are replaced, not followed") {
    TempDir dir;
    TempDir outside;
    write_text(outside / "victim", "keep me\n");
    write_text(outside / "victim.json", "keep me too\n");
    REQUIRE(::symlink((outside / "victim").c_str(), (dir / "web.tracefile").c_str()) == 0);
    REQUIRE(::symlink((outside / "victim.json").c_str(), (dir / "web.seccomp.json").c_str()) == 0);

    auto stored = store_recording(dir.fd(), "web", first_recording(), "");
    REQUIRE_MESSAGE(stored.ok(), stored.error().message);
    CHECK(stored->replaced_symlink);
    CHECK(read_text(outside / "victim") == "keep me\n");
    CHECK(read_text(outside / "victim.json") == "keep me too\n");
    CHECK(entries(outside.path()) == std::vector<std::string>{"victim", "victim.json"});
    CHECK_FALSE(is_symlink(dir / "web.tracefile"));
    CHECK_FALSE(is_symlink(dir / "web.seccomp.json"));
    CHECK(read_tracefile(dir / "web.tracefile") == first_recording());
}

TEST_CASE("profile_store: a corrupt existing tracefile is an error and nothing is written") {
    TempDir dir;
    const std::string corrupt = "SYSCALLS\nRead!\n";
    write_text(dir / "web.tracefile", corrupt);
    write_text(dir / "web.seccomp.json", "OLD\n");

    auto stored = store_recording(dir.fd(), "web", first_recording(), "");
    REQUIRE_FALSE(stored.ok());
    CHECK(stored.error().message.find("web.tracefile") != std::string::npos);
    CHECK(read_text(dir / "web.tracefile") == corrupt);
    CHECK(read_text(dir / "web.seccomp.json") == "OLD\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"web.seccomp.json", "web.tracefile"});

    // Without an old seccomp profile none appears.
    std::filesystem::remove(dir / "web.seccomp.json");
    REQUIRE_FALSE(store_recording(dir.fd(), "web", first_recording(), "").ok());
    CHECK(entries(dir.path()) == std::vector<std::string>{"web.tracefile"});
}

TEST_CASE("profile_store: an existing tracefile that is not a regular file is an error") {
    TempDir dir;
    REQUIRE(::mkfifo((dir / "web.tracefile").c_str(), 0600) == 0);
    auto stored = store_recording(dir.fd(), "web", first_recording(), "");
    REQUIRE_FALSE(stored.ok());
    CHECK(entries(dir.path()) == std::vector<std::string>{"web.tracefile"});
}

TEST_CASE("profile_store: a recording with an unknown syscall writes nothing") {
    TempDir dir;
    Recording recording = first_recording();
    recording.syscalls.insert("not_a_syscall");
    auto stored = store_recording(dir.fd(), "web", recording, "");
    REQUIRE_FALSE(stored.ok());
    CHECK(stored.error().message.find("not_a_syscall") != std::string::npos);
    CHECK(entries(dir.path()).empty());

    // Nor does it touch an earlier profile of the same name.
    REQUIRE(store_recording(dir.fd(), "web", second_recording(), "").ok());
    const std::string tracefile = read_text(dir / "web.tracefile");
    const std::string seccomp = read_text(dir / "web.seccomp.json");
    REQUIRE_FALSE(store_recording(dir.fd(), "web", recording, "").ok());
    CHECK(read_text(dir / "web.tracefile") == tracefile);
    CHECK(read_text(dir / "web.seccomp.json") == seccomp);
    CHECK(entries(dir.path()) ==
          std::vector<std::string>{"web.capabilities.json", "web.seccomp.json", "web.trace.json", "web.tracefile"});
}

TEST_CASE("profile_store: a recording that cannot have come from a real run writes nothing") {
    TempDir dir;
    Recording recording = first_recording();
    recording.syscalls.erase("execve");
    recording.runtime_syscalls.clear();
    auto stored = store_recording(dir.fd(), "web", recording, "");
    REQUIRE_FALSE(stored.ok());
    CHECK(stored.error().code == EINVAL);
    CHECK(contains(stored.error().message, "cannot have come from a real run: no execve"));
    CHECK(entries(dir.path()).empty());

    // Merged with an earlier real run of the same name it is whole again: the union is checked.
    REQUIRE(store_recording(dir.fd(), "web", second_recording(), "").ok());
    auto merged = store_recording(dir.fd(), "web", recording, "");
    REQUIRE_MESSAGE(merged.ok(), merged.error().message);
}

TEST_CASE("profile_store: the same recordings give the same bytes, in any order") {
    Recording first = first_recording();
    first.incomplete_reasons = {"z: the last reason", "a: the first reason"};
    first.setup_syscalls = {"pivot_root"};
    first.denied_capabilities = {"net_admin"};
    const Recording second = second_recording();
    TraceEnvironment environment;
    environment.kernel_release = "6.18.0";
    environment.machine = "x86_64";
    environment.attach_points = {{"capability_checks", "tp_btf/cap_capable"}};
    const std::vector<std::string> files = {"web.capabilities.json", "web.seccomp.json", "web.trace.json",
                                            "web.tracefile"};

    TempDir once;
    TempDir again;
    REQUIRE(store_recording(once.fd(), "web", first, "header", environment).ok());
    REQUIRE(store_recording(again.fd(), "web", first, "header", environment).ok());
    for (const auto& file : files) {
        CHECK_MESSAGE(read_text(once / file) == read_text(again / file), file);
    }

    TempDir forward;
    TempDir backward;
    REQUIRE(store_recording(forward.fd(), "web", first, "header", environment).ok());
    REQUIRE(store_recording(forward.fd(), "web", second, "header", environment).ok());
    REQUIRE(store_recording(backward.fd(), "web", second, "header", environment).ok());
    REQUIRE(store_recording(backward.fd(), "web", first, "header", environment).ok());
    CHECK(entries(forward.path()) == files);
    for (const auto& file : files) {
        CHECK_MESSAGE(read_text(forward / file) == read_text(backward / file), file);
    }
    // And the merge is not a no-op: both recordings are in it.
    CHECK(contains(read_text(forward / "web.trace.json"), "\"openat\""));
    CHECK(contains(read_text(forward / "web.trace.json"), "a: the first reason"));
}
