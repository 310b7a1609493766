#include <doctest/doctest.h>

#include <cerrno>

#include "profilegen/real_run.h"

using namespace cradle;

namespace {

Recording real_run() {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"execve", "exit_group", "read", "restart_syscall"};
    recording.implied_syscalls = {"restart_syscall"};
    return recording;
}

std::string refusal(const Recording& recording) {
    auto checked = check_real_run(recording);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == EINVAL);
    return checked.error().message;
}

}  // namespace

TEST_CASE("check_real_run accepts a run that started and ended a process") {
    CHECK(check_real_run(real_run()).ok());
    Recording other_spellings = real_run();
    other_spellings.syscalls = {"execveat", "exit"};
    CHECK(check_real_run(other_spellings).ok());
}

TEST_CASE("check_real_run refuses a recording that allows nothing it saw") {
    CHECK(refusal(Recording{}) == "cannot have come from a real run: it allows no syscall");
    Recording only_implied;
    only_implied.syscalls = {"restart_syscall"};
    only_implied.implied_syscalls = {"restart_syscall"};
    CHECK(refusal(only_implied) == "cannot have come from a real run: it allows no syscall");
}

TEST_CASE("check_real_run refuses a recording without execve") {
    Recording recording = real_run();
    recording.syscalls.erase("execve");
    CHECK(refusal(recording) == "cannot have come from a real run: no execve (nor execveat)");
}

TEST_CASE("check_real_run refuses a recording without exit_group") {
    Recording recording = real_run();
    recording.syscalls.erase("exit_group");
    CHECK(refusal(recording) == "cannot have come from a real run: no exit_group (nor exit)");
    // Seen before the filter point only is not allowed, and does not count.
    recording.setup_syscalls = {"exit_group"};
    CHECK(refusal(recording) == "cannot have come from a real run: no exit_group (nor exit)");
}

TEST_CASE("check_real_run counts a 32-bit workload's own syscalls") {
    // A static i386 program: the runtime's execve is native, the rest went through the compat ABI.
    Recording recording;
    recording.architectures = {"x86", "x86_64"};
    recording.syscalls = {"execve", "restart_syscall"};
    recording.implied_syscalls = {"restart_syscall"};
    recording.compat_syscalls = {"exit_group", "restart_syscall", "write"};
    recording.compat_implied_syscalls = {"restart_syscall"};
    CHECK(check_real_run(recording).ok());
    recording.compat_syscalls.erase("exit_group");
    CHECK(refusal(recording) == "cannot have come from a real run: no exit_group (nor exit)");
}
