#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "profilegen/recording_files.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

constexpr const char* k_web_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nread\nwrite\n";

constexpr const char* k_db_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nkill\n\n"
    "SYSCALLS\nexecve\nopenat\n\n"
    "INCOMPLETE\nthe workload never started\n";

}  // namespace

TEST_CASE("expand_tracefile_inputs: files name themselves, directories their *.tracefile, sorted") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    write_text(dir / ".unfinished.tracefile", "");
    write_text(dir / "notes.txt", "");
    write_text(dir / "other.txt", "");

    auto expanded = expand_tracefile_inputs({dir / "other.txt", dir.path(), dir / "web.tracefile"});
    REQUIRE_MESSAGE(expanded.ok(), expanded.error().message);
    CHECK(*expanded == std::vector<std::string>{dir / "other.txt", dir / "db.tracefile", dir / "web.tracefile",
                                                dir / "web.tracefile"});
    auto none = expand_tracefile_inputs({});
    REQUIRE(none.ok());
    CHECK(none->empty());
}

TEST_CASE("expand_tracefile_inputs: a missing input or an empty directory is an error that names it") {
    TempDir dir;
    auto missing = expand_tracefile_inputs({dir / "missing.tracefile"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
    CHECK(contains(missing.error().message, "input \"" + (dir / "missing.tracefile") + "\""));

    write_text(dir / "notes.txt", "");
    auto empty = expand_tracefile_inputs({dir.path()});
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().code == ENOENT);
    CHECK(contains(empty.error().message, "input \"" + dir.path() + "\": no *.tracefile"));
}

TEST_CASE("read_merged_recording: the union of the tracefiles, with the implied syscalls") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    auto merged = read_merged_recording({dir / "web.tracefile", dir / "db.tracefile"});
    REQUIRE_MESSAGE(merged.ok(), merged.error().message);
    CHECK(merged->capabilities == std::set<std::string>{"chown", "kill"});
    CHECK(merged->syscalls == std::set<std::string>{"execve", "openat", "read", "restart_syscall", "write"});
    CHECK(merged->implied_syscalls == std::set<std::string>{"restart_syscall"});
    CHECK(merged->incomplete_reasons == std::vector<std::string>{"the workload never started"});
}

TEST_CASE("read_merged_recording: an unreadable or corrupt tracefile is an error that names it") {
    TempDir dir;
    auto missing = read_merged_recording({dir / "missing.tracefile"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
    CHECK(contains(missing.error().message, "\"" + (dir / "missing.tracefile") + "\": "));

    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "bad.tracefile", "SYSCALLS\nRead\n");
    auto corrupt = read_merged_recording({dir / "web.tracefile", dir / "bad.tracefile"});
    REQUIRE_FALSE(corrupt.ok());
    CHECK(corrupt.error().code == EINVAL);
    CHECK(corrupt.error().message.find("\"" + (dir / "bad.tracefile") + "\": line 2: ") == 0);
    CHECK(contains(corrupt.error().message, "\"Read\""));
}

TEST_CASE("seccomp_profile_beside: the collector's <name>.seccomp.json of the one tracefile") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);

    auto absent = seccomp_profile_beside({dir / "web.tracefile"});
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().code == ENOENT);
    CHECK(contains(absent.error().message, "no seccomp profile \"" + (dir / "web.seccomp.json") + "\""));

    write_text(dir / "web.seccomp.json", "{}\n");
    auto beside = seccomp_profile_beside({dir / "web.tracefile"});
    REQUIRE_MESSAGE(beside.ok(), beside.error().message);
    CHECK(*beside == dir / "web.seccomp.json");

    write_text(dir / "db.seccomp.json", "{}\n");
    auto two = seccomp_profile_beside({dir / "web.tracefile", dir / "db.tracefile"});
    REQUIRE_FALSE(two.ok());
    CHECK(two.error().code == EINVAL);
    CHECK(contains(two.error().message, "2 recordings"));
    CHECK_FALSE(seccomp_profile_beside({}).ok());

    // Only a *.tracefile has a profile beside it, whatever lies around.
    write_text(dir / "web-profile.txt", k_web_tracefile);
    write_text(dir / "web-p.seccomp.json", "{}\n");
    auto other = seccomp_profile_beside({dir / "web-profile.txt"});
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == EINVAL);
    CHECK(contains(other.error().message, "\"" + (dir / "web-profile.txt") + "\" is not named <name>.tracefile"));
    CHECK_FALSE(seccomp_profile_beside({dir / ".tracefile"}).ok());
}

TEST_CASE("write_seccomp_profile: the recording's profile, creating its directory") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    auto merged = read_merged_recording({dir / "web.tracefile"});
    REQUIRE(merged.ok());

    auto written = write_seccomp_profile(dir / "out/web.json", *merged);
    REQUIRE_MESSAGE(written.ok(), written.error().message);
    CHECK(seccomp_names(dir / "out/web.json") ==
          std::vector<std::string>{"execve", "read", "restart_syscall", "write"});
    struct stat status {};
    REQUIRE(::stat((dir / "out/web.json").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0644);
    CHECK(entries(dir / "out") == std::vector<std::string>{"web.json"});

    // A directory where the file goes is refused, and left alone.
    REQUIRE(::mkdir((dir / "out/taken").c_str(), 0755) == 0);
    CHECK_FALSE(write_seccomp_profile(dir / "out/taken", *merged).ok());
    CHECK(entries(dir / "out/taken").empty());
}

TEST_CASE("read_tracefile: the one tracefile as written, nothing implied added") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    auto recording = read_tracefile(dir / "web.tracefile");
    REQUIRE_MESSAGE(recording.ok(), recording.error().message);
    CHECK(recording->syscalls == std::set<std::string>{"execve", "read", "write"});
    CHECK(recording->implied_syscalls.empty());

    write_text(dir / "bad.tracefile", "SYSCALLS\nRead!\n");
    auto bad = read_tracefile(dir / "bad.tracefile");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == EINVAL);
    CHECK(bad.error().message.starts_with("\"" + (dir / "bad.tracefile") + "\": line 2"));
    auto missing = read_tracefile(dir / "none.tracefile");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
}

TEST_CASE("write_tracefile: the recording as a tracefile that reads back equal, creating its directory") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    auto merged = read_merged_recording({dir / "web.tracefile", dir / "db.tracefile"});
    REQUIRE(merged.ok());

    auto written = write_tracefile(dir / "out/all.tracefile", *merged, "merged");
    REQUIRE_MESSAGE(written.ok(), written.error().message);
    const std::string text = read_text(dir / "out/all.tracefile");
    CHECK(text.starts_with("# merged\n"));
    CHECK(read_tracefile(dir / "out/all.tracefile").value() == *merged);
    struct stat status {};
    REQUIRE(::stat((dir / "out/all.tracefile").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0644);
    CHECK(entries(dir / "out") == std::vector<std::string>{"all.tracefile"});

    REQUIRE(::mkdir((dir / "out/taken").c_str(), 0755) == 0);
    CHECK_FALSE(write_tracefile(dir / "out/taken", *merged, "").ok());
    CHECK(entries(dir / "out/taken").empty());
}
