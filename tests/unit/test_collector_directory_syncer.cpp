#include <doctest/doctest.h>
#include <fcntl.h>

#include <cerrno>

#include "collector/directory_syncer.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

UniqueFd open_directory(const std::string& path, int flags) {
    UniqueFd directory(::open(path.c_str(), flags | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(directory.valid());
    return directory;
}

}  // namespace

TEST_CASE("directory_syncer: requested syncs run and report nothing when they succeed") {
    TempDir temp;
    DirectorySyncer syncer(open_directory(temp.path(), O_RDONLY));
    for (int i = 0; i < 3; ++i) {
        syncer.request();
    }
    syncer.wait();
    CHECK(syncer.take_failures().empty());
}

TEST_CASE("directory_syncer: a failed sync is reported once, with its errno") {
    TempDir temp;
    DirectorySyncer syncer(open_directory(temp.path(), O_PATH));  // fsync refuses O_PATH fds
    syncer.request();
    syncer.wait();
    const std::vector<Error> failures = syncer.take_failures();
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].code == EBADF);
    CHECK(failures[0].message.find("fsync of the directory") != std::string::npos);
    CHECK(syncer.take_failures().empty());
}

TEST_CASE("directory_syncer: nothing requested, nothing synced, and it stops at once") {
    TempDir temp;
    DirectorySyncer syncer(open_directory(temp.path(), O_PATH));
    syncer.wait();
    CHECK(syncer.take_failures().empty());  // an fsync of an O_PATH fd would have failed
}

TEST_CASE("directory_syncer: a failed sync is tried again when asked to retry, and only then") {
    TempDir temp;
    DirectorySyncer syncer(open_directory(temp.path(), O_PATH));  // every fsync fails
    syncer.retry_failed();                                        // nothing has failed yet: no sync
    syncer.wait();
    CHECK(syncer.take_failures().empty());
    syncer.request();
    syncer.wait();
    syncer.retry_failed();
    syncer.wait();
    CHECK(syncer.take_failures().size() == 2);
}
