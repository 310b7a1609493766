#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "common/safe_file.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

UniqueFd open_dir(const std::string& path) {
    auto directory = open_output_directory(path);
    REQUIRE_MESSAGE(directory.ok(), directory.error().message);
    return std::move(directory).value();
}

}  // namespace

TEST_CASE("safe_file: open_output_directory creates missing parents") {
    TempDir temp;
    const std::string nested = temp / "a/b/c";
    UniqueFd directory = open_dir(nested + "/");
    CHECK(directory.valid());
    CHECK(std::filesystem::is_directory(nested));
    // Opening an existing directory works too.
    CHECK(open_dir(nested).valid());
}

TEST_CASE("safe_file: open_output_directory refuses a symbolic link as the last component") {
    TempDir temp;
    TempDir elsewhere;
    REQUIRE(symlink(elsewhere.path().c_str(), (temp / "out").c_str()) == 0);
    for (const std::string& path : {temp / "out", temp / "out/"}) {
        CAPTURE(path);
        auto directory = open_output_directory(path);
        REQUIRE_FALSE(directory.ok());
        CHECK(directory.error().code == ELOOP);
        CHECK(directory.error().message.find("output directory \"" + temp / "out") == 0);
    }
}

TEST_CASE("safe_file: open_output_directory refuses a regular file") {
    TempDir temp;
    write_text(temp / "file", "x");
    auto directory = open_output_directory(temp / "file");
    REQUIRE_FALSE(directory.ok());
    CHECK(directory.error().code == ENOTDIR);
}

TEST_CASE("safe_file: write then read round trip") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    std::string content = "line 1\n";
    content += std::string(100000, 'x');  // larger than one write buffer
    content += std::string("\0binary", 7);
    REQUIRE(write_file_atomically(directory.get(), "web.seccomp.json", content, 0640).ok());

    CHECK(read_text(temp / "web.seccomp.json") == content);
    struct stat status {};
    REQUIRE(stat((temp / "web.seccomp.json").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0640);

    auto read = read_file_beneath(directory.get(), "web.seccomp.json", content.size());
    REQUIRE_MESSAGE(read.ok(), read.error().message);
    CHECK(*read == content);
    CHECK(entries(temp.path()) == std::vector<std::string>{"web.seccomp.json"});
}

TEST_CASE("safe_file: the mode is applied regardless of the umask") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    const mode_t old_umask = umask(077);
    const bool written = write_file_atomically(directory.get(), "p", "x", 0644).ok();
    umask(old_umask);
    REQUIRE(written);
    struct stat status {};
    REQUIRE(stat((temp / "p").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0644);
}

TEST_CASE("safe_file: writing replaces an existing file") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    write_text(temp / "web.tracefile", "old content that is longer than the new one");
    REQUIRE(write_file_atomically(directory.get(), "web.tracefile", "new", 0644).ok());
    CHECK(read_text(temp / "web.tracefile") == "new");
    CHECK(entries(temp.path()) == std::vector<std::string>{"web.tracefile"});
}

TEST_CASE("safe_file: several files are written together, each atomically") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    write_text(temp / "web.tracefile", "old tracefile");
    const FileContent files[] = {{"web.seccomp.json", "{}", 0644}, {"web.tracefile", "new tracefile", 0600}};
    REQUIRE(write_files_atomically(directory.get(), files).ok());
    CHECK(read_text(temp / "web.seccomp.json") == "{}");
    CHECK(read_text(temp / "web.tracefile") == "new tracefile");
    struct stat status {};
    REQUIRE(stat((temp / "web.tracefile").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0600);
    CHECK(entries(temp.path()) == std::vector<std::string>{"web.seccomp.json", "web.tracefile"});
}

TEST_CASE("safe_file: with the directory sync left to the caller, the files are in place on return") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    write_text(temp / "web.tracefile", "old tracefile");
    const FileContent files[] = {{"web.seccomp.json", "{}", 0644}, {"web.tracefile", "new tracefile", 0644}};
    REQUIRE(write_files_atomically(directory.get(), files, DirectorySync::by_caller).ok());
    CHECK(read_text(temp / "web.tracefile") == "new tracefile");
    CHECK(entries(temp.path()) == std::vector<std::string>{"web.seccomp.json", "web.tracefile"});
    CHECK(sync_directory(directory.get()).ok());
}

TEST_CASE("safe_file: a directory that cannot be synced is reported") {
    TempDir temp;
    UniqueFd path_only(::open(temp.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(path_only.valid());
    auto synced = sync_directory(path_only.get());
    REQUIRE_FALSE(synced.ok());
    CHECK(synced.error().code == EBADF);
    CHECK(synced.error().message.find("fsync of the directory") != std::string::npos);
}

TEST_CASE("safe_file: when one of several files cannot be written, none is replaced") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    write_text(temp / "web.seccomp.json", "old profile");
    const FileContent files[] = {{"web.seccomp.json", "new profile", 0644}, {"../escape", "x", 0644}};
    auto written = write_files_atomically(directory.get(), files);
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().code == EINVAL);
    CHECK(written.error().message.find("\"../escape\"") != std::string::npos);
    CHECK(read_text(temp / "web.seccomp.json") == "old profile");
    CHECK(entries(temp.path()) == std::vector<std::string>{"web.seccomp.json"});  // no temporaries left
}

TEST_CASE("safe_file: a symbolic link planted at the target is replaced, not followed") {
    TempDir temp;
    TempDir outside;
    const std::string victim = outside / "shadow";
    write_text(victim, "root:secret\n");
    REQUIRE(symlink(victim.c_str(), (temp / "web.seccomp.json").c_str()) == 0);
    UniqueFd directory = open_dir(temp.path());

    SUBCASE("reading refuses the link") {
        auto read = read_file_beneath(directory.get(), "web.seccomp.json", 1 << 20);
        REQUIRE_FALSE(read.ok());
        CHECK(read.error().code == ELOOP);
        CHECK(read.error().message.find("reading \"web.seccomp.json\"") == 0);
    }
    SUBCASE("writing replaces the link") {
        REQUIRE(write_file_atomically(directory.get(), "web.seccomp.json", "{}", 0644).ok());
        CHECK(read_text(victim) == "root:secret\n");
        struct stat status {};
        REQUIRE(lstat((temp / "web.seccomp.json").c_str(), &status) == 0);
        CHECK(S_ISREG(status.st_mode));
        CHECK(read_text(temp / "web.seccomp.json") == "{}");
        CHECK(entries(temp.path()) == std::vector<std::string>{"web.seccomp.json"});
    }
}

TEST_CASE("safe_file: a dangling symbolic link to a path outside is replaced, the path not created") {
    TempDir temp;
    TempDir outside;
    const std::string victim = outside / "created-by-attacker";
    REQUIRE(symlink(victim.c_str(), (temp / "p").c_str()) == 0);
    UniqueFd directory = open_dir(temp.path());
    REQUIRE(write_file_atomically(directory.get(), "p", "data", 0644).ok());
    CHECK_FALSE(std::filesystem::exists(victim));
    CHECK(read_text(temp / "p") == "data");
}

TEST_CASE("safe_file: names that are not plain names are refused") {
    TempDir temp;
    TempDir outside;
    write_text(outside / "f", "outside");
    UniqueFd directory = open_dir(temp.path());
    const std::string escape = "../" + std::filesystem::path(outside.path()).filename().string() + "/f";
    for (const std::string& name : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                                    std::string("/etc/passwd"), escape, std::string("a\0b", 3)}) {
        CAPTURE(name);
        auto written = write_file_atomically(directory.get(), name, "x", 0644);
        REQUIRE_FALSE(written.ok());
        CHECK(written.error().code == EINVAL);
        auto read = read_file_beneath(directory.get(), name, 100);
        REQUIRE_FALSE(read.ok());
        CHECK(read.error().code == EINVAL);
    }
    CHECK(read_text(outside / "f") == "outside");
    CHECK(entries(temp.path()).empty());
}

TEST_CASE("safe_file: read_file_beneath error codes") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());

    auto absent = read_file_beneath(directory.get(), "absent", 100);
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().code == ENOENT);
    CHECK(absent.error().message.find("reading \"absent\"") == 0);

    write_text(temp / "big", std::string(101, 'x'));
    auto big = read_file_beneath(directory.get(), "big", 100);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == EFBIG);
    auto exact = read_file_beneath(directory.get(), "big", 101);
    REQUIRE(exact.ok());
    CHECK(exact->size() == 101);

    write_text(temp / "empty", "");
    auto empty = read_file_beneath(directory.get(), "empty", 0);
    REQUIRE(empty.ok());
    CHECK(empty->empty());

    REQUIRE(mkdir((temp / "sub").c_str(), 0755) == 0);
    auto sub = read_file_beneath(directory.get(), "sub", 100);
    REQUIRE_FALSE(sub.ok());
    CHECK(sub.error().code == EINVAL);
    CHECK(sub.error().message.find("not a regular file") != std::string::npos);

    // A FIFO must neither hang the reader nor be read.
    REQUIRE(mkfifo((temp / "fifo").c_str(), 0600) == 0);
    auto fifo = read_file_beneath(directory.get(), "fifo", 100);
    REQUIRE_FALSE(fifo.ok());
    CHECK(fifo.error().code == EINVAL);
}

TEST_CASE("safe_file: no temporary file is left after a failed rename") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    REQUIRE(mkdir((temp / "target").c_str(), 0755) == 0);
    write_text(temp / "target/keep", "x");
    auto written = write_file_atomically(directory.get(), "target", "content", 0644);
    REQUIRE_FALSE(written.ok());
    CHECK((written.error().code == EISDIR || written.error().code == ENOTEMPTY));
    CHECK(written.error().message.find("writing \"target\"") == 0);
    CHECK(entries(temp.path()) == std::vector<std::string>{"target"});
    CHECK(entries(temp / "target") == std::vector<std::string>{"keep"});
}

TEST_CASE("safe_file: a stale temporary file of the same pattern does not get in the way") {
    TempDir temp;
    UniqueFd directory = open_dir(temp.path());
    write_text(temp / ".p.AAAAAA", "stale");
    REQUIRE(write_file_atomically(directory.get(), "p", "fresh", 0644).ok());
    CHECK(read_text(temp / "p") == "fresh");
    CHECK(read_text(temp / ".p.AAAAAA") == "stale");
}
