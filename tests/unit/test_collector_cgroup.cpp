#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "collector/cgroup.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// A systemd host in hybrid mode: cgroup v1 controllers, cgroup2 at /sys/fs/cgroup/unified.
constexpr const char* k_hybrid_mountinfo =
    "22 27 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
    "27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup "
    "rw,cpu,cpuacct\n";

// A pure cgroup v2 host, with an optional field count other than one.
constexpr const char* k_v2_mountinfo =
    "24 29 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:1 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "36 29 0:31 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n";

// A pure cgroup v1 host: no cgroup2 line, but a cgroup v1 one and a filesystem whose source
// is called "cgroup2".
constexpr const char* k_v1_mountinfo =
    "25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "40 22 0:40 / /mnt/x rw,relatime - tmpfs cgroup2 rw\n";

}  // namespace

TEST_CASE("cgroup: find_cgroup2_mount on a hybrid host is the unified mount") {
    auto mount = find_cgroup2_mount(k_hybrid_mountinfo);
    REQUIRE_MESSAGE(mount.ok(), mount.error().message);
    CHECK(*mount == "/sys/fs/cgroup/unified");
}

TEST_CASE("cgroup: find_cgroup2_mount on a pure v2 host is /sys/fs/cgroup") {
    auto mount = find_cgroup2_mount(k_v2_mountinfo);
    REQUIRE_MESSAGE(mount.ok(), mount.error().message);
    CHECK(*mount == "/sys/fs/cgroup");
}

TEST_CASE("cgroup: find_cgroup2_mount without cgroup2 is ENOENT") {
    for (const char* text : {k_v1_mountinfo, ""}) {
        CAPTURE(text);
        auto mount = find_cgroup2_mount(text);
        REQUIRE_FALSE(mount.ok());
        CHECK(mount.error().code == ENOENT);
    }
}

TEST_CASE("cgroup: cgroup2_path on a hybrid host is the 0:: line's path") {
    auto path = cgroup2_path("12:cpu:/x\n0::/foo\n");
    REQUIRE_MESSAGE(path.ok(), path.error().message);
    CHECK(*path == "/foo");

    // The 0:: line need not be the last, and v1 paths are never taken.
    auto first = cgroup2_path("0::/user.slice/a.scope\n1:name=systemd:/other\n");
    REQUIRE_MESSAGE(first.ok(), first.error().message);
    CHECK(*first == "/user.slice/a.scope");
}

TEST_CASE("cgroup: cgroup2_path on a pure v2 host, with and without a newline") {
    auto path = cgroup2_path("0::/a/b");
    REQUIRE_MESSAGE(path.ok(), path.error().message);
    CHECK(*path == "/a/b");

    auto root = cgroup2_path("0::/\n");
    REQUIRE_MESSAGE(root.ok(), root.error().message);
    CHECK(*root == "/");
}

TEST_CASE("cgroup: cgroup2_path on a v1-only host is ENOENT") {
    for (const char* text : {"12:cpu,cpuacct:/x\n1:name=systemd:/y\n", "10:0::/z\n", ""}) {
        CAPTURE(text);
        auto path = cgroup2_path(text);
        REQUIRE_FALSE(path.ok());
        CHECK(path.error().code == ENOENT);
    }
}

TEST_CASE("cgroup: cgroup_id of a directory is its inode number") {
    TempDir temp;
    std::filesystem::create_directory(temp / "child");
    for (const std::string& directory : {temp.path(), temp / "child"}) {
        CAPTURE(directory);
        struct stat status {};
        REQUIRE(::stat(directory.c_str(), &status) == 0);
        auto id = cgroup_id(directory);
        REQUIRE_MESSAGE(id.ok(), id.error().message);
        CHECK(*id == static_cast<std::uint64_t>(status.st_ino));
    }
    // Two directories have two ids.
    CHECK(*cgroup_id(temp.path()) != *cgroup_id(temp / "child"));
}

TEST_CASE("cgroup: cgroup_id of a file is ENOTDIR, of nothing ENOENT") {
    TempDir temp;
    write_text(temp / "file", "x");
    auto file = cgroup_id(temp / "file");
    REQUIRE_FALSE(file.ok());
    CHECK(file.error().code == ENOTDIR);
    CHECK(file.error().message.find(temp / "file") != std::string::npos);

    auto missing = cgroup_id(temp / "missing");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
}

TEST_CASE("cgroup: parse_cgroup_procs reads one pid a line") {
    auto pids = parse_cgroup_procs("4077\n4081\n");
    REQUIRE(pids.ok());
    CHECK(*pids == std::vector<pid_t>{4077, 4081});
    auto empty = parse_cgroup_procs("");
    REQUIRE(empty.ok());
    CHECK(empty->empty());
}

TEST_CASE("cgroup: parse_cgroup_procs refuses what is not a pid, quoting it") {
    for (const char* text : {"12\nabc\n", "12 13\n", "-4\n", "0\n", "99999999999999999999\n"}) {
        auto pids = parse_cgroup_procs(text);
        REQUIRE_FALSE(pids.ok());
        CHECK(pids.error().code == EINVAL);
        CHECK(pids.error().message.find("not a pid") != std::string::npos);
    }
}

TEST_CASE("cgroup: processes_of_leaf_cgroup lists cgroup.procs of a cgroup without children") {
    TempDir cgroup;
    write_text(cgroup / "cgroup.procs", "4077\n");
    auto processes = processes_of_leaf_cgroup(cgroup.path());
    REQUIRE_MESSAGE(processes.ok(), processes.error().message);
    CHECK(*processes == std::vector<pid_t>{4077});
}

TEST_CASE("cgroup: processes_of_leaf_cgroup refuses a cgroup with a child (ENOTEMPTY)") {
    TempDir cgroup;
    write_text(cgroup / "cgroup.procs", "4077\n");
    REQUIRE(mkdir((cgroup / "init.scope").c_str(), 0755) == 0);
    auto processes = processes_of_leaf_cgroup(cgroup.path());
    REQUIRE_FALSE(processes.ok());
    CHECK(processes.error().code == ENOTEMPTY);
}

TEST_CASE("cgroup: processes_of_leaf_cgroup passes on an unreadable cgroup.procs") {
    TempDir cgroup;  // no cgroup.procs, as when the cgroup went away meanwhile
    auto processes = processes_of_leaf_cgroup(cgroup.path());
    REQUIRE_FALSE(processes.ok());
    CHECK(processes.error().code == ENOENT);
}

TEST_CASE("cgroup: count_threads counts a process's threads, and refuses a process that is not there") {
    auto before = count_threads(::getpid());
    REQUIRE_MESSAGE(before.ok(), before.error().message);
    std::atomic<bool> stop = false;
    std::thread second([&] {
        while (!stop) {
            std::this_thread::yield();
        }
    });
    auto during = count_threads(::getpid());
    stop = true;
    second.join();
    REQUIRE(during.ok());
    CHECK(*during == *before + 1);
    auto absent = count_threads(0x3fffffff);  // above any pid_max
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().code == ENOENT);
}

namespace {

// The ids walk_descendant_cgroups visits beneath `directory`.
Result<std::vector<std::uint64_t>> walked_ids(const std::string& directory) {
    std::vector<std::uint64_t> ids;
    auto walked = walk_descendant_cgroups(directory, [&](const CgroupDirectory& child) -> Result<void> {
        ids.push_back(child.id);
        return {};
    });
    if (!walked) {
        return walked.error();
    }
    return ids;
}

}  // namespace

TEST_CASE("cgroup: walk_descendant_cgroups finds every directory beneath, at any depth, and no file") {
    TempDir cgroup;
    write_text(cgroup / "cgroup.procs", "4077\n");
    for (const char* child : {"a", "a/b", "a/b/c", "d"}) {
        REQUIRE(mkdir((cgroup / child).c_str(), 0755) == 0);
    }
    write_text(cgroup / "a/cgroup.procs", "");
    auto ids = walked_ids(cgroup.path());
    REQUIRE_MESSAGE(ids.ok(), ids.error().message);
    std::vector<std::uint64_t> expected;
    for (const char* child : {"a", "a/b", "a/b/c", "d"}) {
        auto id = cgroup_id(cgroup / child);
        REQUIRE(id.ok());
        expected.push_back(*id);
    }
    std::sort(ids->begin(), ids->end());
    std::sort(expected.begin(), expected.end());
    CHECK(*ids == expected);
}

TEST_CASE("cgroup: walk_descendant_cgroups of a cgroup gone meanwhile visits none") {
    TempDir parent;
    auto ids = walked_ids(parent / "gone");
    REQUIRE_MESSAGE(ids.ok(), ids.error().message);
    CHECK(ids->empty());
}

TEST_CASE("cgroup: walk_descendant_cgroups visits each cgroup before it lists its children") {
    TempDir cgroup;
    for (const char* child : {"a", "a/b", "d"}) {
        REQUIRE(mkdir((cgroup / child).c_str(), 0755) == 0);
    }
    // A child made beneath a cgroup as soon as it is visited (the kernel side would have missed
    // it, its parent not yet published when it was made) is still found by the walk.
    std::vector<std::string> visited;
    auto walked = walk_descendant_cgroups(cgroup.path(), [&](const CgroupDirectory& child) -> Result<void> {
        visited.push_back(child.path.substr(cgroup.path().size() + 1));
        auto id = cgroup_id(child.path);
        REQUIRE(id.ok());
        CHECK(*id == child.id);
        if (visited.back() == "a/b") {
            REQUIRE(mkdir((child.path + "/made-while-walked").c_str(), 0755) == 0);
        }
        return {};
    });
    REQUIRE_MESSAGE(walked.ok(), walked.error().message);
    std::sort(visited.begin(), visited.end());
    CHECK(visited == std::vector<std::string>{"a", "a/b", "a/b/made-while-walked", "d"});
}

TEST_CASE("cgroup: walk_descendant_cgroups ends on the visit's failure") {
    TempDir cgroup;
    for (const char* child : {"a", "a/b"}) {
        REQUIRE(mkdir((cgroup / child).c_str(), 0755) == 0);
    }
    int visits = 0;
    auto walked = walk_descendant_cgroups(cgroup.path(), [&](const CgroupDirectory&) -> Result<void> {
        ++visits;
        return Error{EPERM, "refused"};
    });
    REQUIRE_FALSE(walked.ok());
    CHECK(walked.error().code == EPERM);
    CHECK(visits == 1);
}
