#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "profilegen/capability_table.h"
#include "profilegen/kernel_record.h"
#include "profilegen/syscall_table.h"

using namespace cradle;

namespace {

const Architectures k_x86_64{"x86_64", "x86"};

// What the kernel side does for syscall `name` of `arch` in `phase`: one bit in the record.
void set_syscall(cradle_record& record, cradle_phase phase, cradle_abi abi, const std::string& name) {
    const std::string arch = abi == CRADLE_ABI_NATIVE ? "x86_64" : "x86";
    auto number = syscall_number(arch, name);
    REQUIRE_MESSAGE(number.ok(), number.error().message);
    REQUIRE(*number >= 0);
    REQUIRE(*number < CRADLE_SYSCALL_SLOTS);
    record.syscalls[phase][abi][*number / 64] |= 1ULL << (*number % 64);
}

void set_syscalls(cradle_record& record, cradle_phase phase, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        set_syscall(record, phase, CRADLE_ABI_NATIVE, name);
    }
}

void set_baseline(cradle_runtime_baseline& baseline, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        auto number = syscall_number("x86_64", name);
        REQUIRE_MESSAGE(number.ok(), number.error().message);
        baseline.syscalls[CRADLE_ABI_NATIVE][*number / 64] |= 1ULL << (*number % 64);
    }
}

cradle_u64 cap_bit(const char* name) {
    auto number = capability_number(name);
    REQUIRE_MESSAGE(number.ok(), number.error().message);
    return 1ULL << *number;
}

// A container that ran to its workload, with a runtime window of its own.
cradle_record started_record() {
    cradle_record record;
    std::memset(&record, 0, sizeof(record));
    record.phase = CRADLE_PHASE_WORKLOAD;
    set_syscalls(record, CRADLE_PHASE_RUNTIME, {"execve"});
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"exit_group"});  // it ended (see the killed workload's test)
    return record;
}

cradle_runtime_baseline empty_baseline() {
    cradle_runtime_baseline baseline;
    std::memset(&baseline, 0, sizeof(baseline));
    return baseline;
}

// What the collector makes of `record` on an x86_64 host that has no runtime baseline yet.
Recording decoded(const cradle_record& record) { return decode_record(record, empty_baseline(), k_x86_64); }

bool mentions(const Recording& recording, const std::string& text) {
    return std::any_of(recording.incomplete_reasons.begin(), recording.incomplete_reasons.end(),
                       [&](const std::string& reason) { return reason.find(text) != std::string::npos; });
}

using Names = std::set<std::string>;

}  // namespace

TEST_CASE("kernel_record: workload syscalls are allowed, setup syscalls are information only") {
    cradle_record record = started_record();
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"mkdir", "read", "openat"});
    set_syscalls(record, CRADLE_PHASE_SETUP, {"mount", "pivot_root", "read"});

    const Recording recording = decoded(record);
    CHECK(recording.syscalls == Names{"execve", "mkdir", "openat", "read", "exit_group", "restart_syscall"});
    CHECK(recording.runtime_syscalls == Names{"execve"});
    CHECK(recording.setup_syscalls == Names{"mount", "pivot_root", "read"});
    CHECK(recording.syscalls.count("mount") == 0);
    CHECK(recording.syscalls.count("pivot_root") == 0);
    CHECK(recording.architectures == Names{"x86_64"});
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 0);
    CHECK(recording.counters.at("lost_syscalls") == 0);
    CHECK_MESSAGE(recording.complete(), recording.incomplete_reasons.front());
}

TEST_CASE("kernel_record: the record's own runtime window is joined by the baseline") {
    cradle_record record = started_record();
    set_syscalls(record, CRADLE_PHASE_RUNTIME, {"capset", "prctl"});
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"write"});
    cradle_runtime_baseline baseline = empty_baseline();
    set_baseline(baseline, {"futex", "nanosleep"});
    baseline.samples = 3;

    const Recording recording = decode_record(record, baseline, k_x86_64);
    CHECK(recording.runtime_syscalls == Names{"capset", "execve", "futex", "nanosleep", "prctl"});
    CHECK(recording.syscalls ==
          Names{"capset", "execve", "futex", "nanosleep", "prctl", "write", "exit_group", "restart_syscall"});
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 1);
    CHECK(recording.complete());

    // A baseline with nothing new adds nothing, and says so.
    cradle_runtime_baseline known = empty_baseline();
    set_baseline(known, {"capset"});
    known.samples = 1;
    CHECK(decode_record(record, known, k_x86_64).counters.at("runtime_syscalls_from_baseline") == 0);
}

TEST_CASE("kernel_record: without a runtime window the baseline stands in") {
    cradle_record record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_RUNTIME], 0, sizeof(record.syscalls[CRADLE_PHASE_RUNTIME]));
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"write"});
    cradle_runtime_baseline baseline = empty_baseline();
    set_baseline(baseline, {"futex", "execve"});
    baseline.samples = 1;

    const Recording recording = decode_record(record, baseline, k_x86_64);
    CHECK(recording.runtime_syscalls == Names{"execve", "futex"});
    CHECK(recording.syscalls == Names{"execve", "futex", "write", "exit_group", "restart_syscall"});
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 1);
    CHECK_MESSAGE(recording.complete(), recording.incomplete_reasons.front());
}

TEST_CASE("kernel_record: neither a runtime window nor a baseline makes the recording incomplete") {
    cradle_record record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_RUNTIME], 0, sizeof(record.syscalls[CRADLE_PHASE_RUNTIME]));
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"write"});

    const Recording recording = decoded(record);
    CHECK(recording.syscalls == Names{"write", "exit_group", "restart_syscall"});
    CHECK(recording.runtime_syscalls.empty());
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 0);
    REQUIRE_FALSE(recording.complete());
    CHECK(mentions(recording, "post-filter syscalls"));
    CHECK(recording.incomplete_reasons.size() == 1);
}

TEST_CASE("kernel_record: without a runtime window, the exec that started the workload is the runtime's") {
    cradle_record record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_RUNTIME], 0, sizeof(record.syscalls[CRADLE_PHASE_RUNTIME]));
    set_syscalls(record, CRADLE_PHASE_SETUP, {"execve", "mount"});
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"exit_group"});

    const Recording recording = decoded(record);
    CHECK(recording.runtime_syscalls == Names{"execve"});
    CHECK(recording.syscalls == Names{"execve", "exit_group", "restart_syscall"});
    CHECK(recording.setup_syscalls == Names{"execve", "mount"});
    // The window is still unmeasured.
    CHECK(mentions(recording, "post-filter syscalls"));

    // A workload that never started was never exec'd: its setup stays setup.
    record.phase = CRADLE_PHASE_RUNTIME;
    CHECK(decoded(record).runtime_syscalls.empty());

    // With a window, the setup phase's exec is the runtime's own business before its filter.
    record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_RUNTIME], 0, sizeof(record.syscalls[CRADLE_PHASE_RUNTIME]));
    set_syscalls(record, CRADLE_PHASE_RUNTIME, {"futex"});
    set_syscalls(record, CRADLE_PHASE_SETUP, {"execveat"});
    CHECK(decoded(record).runtime_syscalls == Names{"futex"});
}

TEST_CASE("kernel_record: compat syscalls add x86 and are named from the i386 table, in their own set") {
    cradle_record record = started_record();
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "mkdir");
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "waitpid");
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "socketcall");
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_NATIVE, "newfstatat");
    // The i386 number of mkdir is some other syscall on x86_64: the test means something.
    REQUIRE(*syscall_number("x86", "mkdir") != *syscall_number("x86_64", "mkdir"));
    auto native_meaning = syscall_name("x86_64", *syscall_number("x86", "mkdir"));
    auto compat_meaning = syscall_name("x86", *syscall_number("x86_64", "newfstatat"));

    const Recording recording = decoded(record);
    CHECK(recording.architectures == Names{"x86", "x86_64"});
    // Each ABI's names in its own set: the native set does not gain the 32-bit program's.
    CHECK(recording.syscalls == Names{"execve", "newfstatat", "exit_group", "restart_syscall"});
    CHECK(recording.compat_syscalls == Names{"mkdir", "restart_syscall", "socketcall", "waitpid"});
    CHECK(recording.implied_syscalls == Names{"restart_syscall"});
    CHECK(recording.compat_implied_syscalls == Names{"restart_syscall"});
    if (native_meaning) {
        CHECK(recording.syscalls.count(*native_meaning) == 0);
        CHECK(recording.compat_syscalls.count(*native_meaning) == 0);
    }
    if (compat_meaning) {
        CHECK(recording.compat_syscalls.count(*compat_meaning) == 0);
    }
    CHECK(recording.counters.at("lost_syscalls") == 0);
    CHECK(recording.complete());
}

TEST_CASE("kernel_record: each ABI's implied syscalls follow what that ABI did") {
    cradle_record record = started_record();
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "rt_sigaction");
    const Recording compat_handler = decoded(record);
    // The 32-bit program installed a handler: its returns on x86, sigreturn among them.
    CHECK(compat_handler.compat_implied_syscalls == Names{"restart_syscall", "rt_sigreturn", "sigreturn"});
    CHECK(compat_handler.compat_syscalls == Names{"restart_syscall", "rt_sigaction", "rt_sigreturn", "sigreturn"});
    // The native side did not: it gets restart_syscall only.
    CHECK(compat_handler.implied_syscalls == Names{"restart_syscall"});
    CHECK(compat_handler.syscalls == Names{"execve", "exit_group", "restart_syscall"});

    cradle_record native = started_record();
    set_syscall(native, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_NATIVE, "rt_sigaction");
    set_syscall(native, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "getpid");
    const Recording native_handler = decoded(native);
    CHECK(native_handler.implied_syscalls == Names{"restart_syscall", "rt_sigreturn"});
    CHECK(native_handler.compat_implied_syscalls == Names{"restart_syscall"});
    CHECK(native_handler.compat_syscalls == Names{"getpid", "restart_syscall"});
}

TEST_CASE("kernel_record: a compat runtime window is allowed to the compat ABI") {
    cradle_record record = started_record();
    set_syscall(record, CRADLE_PHASE_RUNTIME, CRADLE_ABI_COMPAT, "_llseek");
    const Recording recording = decoded(record);
    CHECK(recording.runtime_syscalls == Names{"_llseek", "execve"});
    CHECK(recording.compat_syscalls == Names{"_llseek", "restart_syscall"});
    CHECK(recording.syscalls == Names{"execve", "exit_group", "restart_syscall"});
}

TEST_CASE("kernel_record: compat numbers that the i386 table does not name add no architecture") {
    int unnamed = -1;
    for (int number = CRADLE_SYSCALL_SLOTS - 1; number >= 0 && unnamed < 0; --number) {
        if (!syscall_name("x86", number)) {
            unnamed = number;
        }
    }
    REQUIRE(unnamed >= 0);
    cradle_record record = started_record();
    record.syscalls[CRADLE_PHASE_WORKLOAD][CRADLE_ABI_COMPAT][unnamed / 64] |= 1ULL << (unnamed % 64);
    const Recording recording = decoded(record);
    // Listing x86 without names would read back as a tracefile from before per-ABI sets.
    CHECK(recording.architectures == Names{"x86_64"});
    CHECK(recording.compat_syscalls.empty());
    CHECK(recording.counters.at("lost_syscalls") == 1);
}

TEST_CASE("kernel_record: compat setup syscalls alone do not add x86") {
    cradle_record record = started_record();
    set_syscall(record, CRADLE_PHASE_SETUP, CRADLE_ABI_COMPAT, "mkdir");

    const Recording recording = decoded(record);
    CHECK(recording.architectures == Names{"x86_64"});
    CHECK(recording.setup_syscalls == Names{"mkdir"});
    CHECK(recording.syscalls.count("mkdir") == 0);
}

TEST_CASE("kernel_record: compat syscalls without a compat table are a loss") {
    cradle_record record = started_record();
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "mkdir");

    const Recording recording = decode_record(record, empty_baseline(), Architectures{"x86_64", std::nullopt});
    CHECK(recording.architectures == Names{"x86_64"});
    CHECK(recording.syscalls.count("mkdir") == 0);
    CHECK(recording.counters.at("lost_syscalls") >= 1);
    CHECK_FALSE(recording.complete());
}

TEST_CASE("kernel_record: a number the table does not name is a loss, not an invented name") {
    int unnamed = -1;
    for (int number = CRADLE_SYSCALL_SLOTS - 1; number >= 0 && unnamed < 0; --number) {
        if (!syscall_name("x86_64", number)) {
            unnamed = number;
        }
    }
    REQUIRE(unnamed >= 0);
    cradle_record record = started_record();
    record.syscalls[CRADLE_PHASE_WORKLOAD][CRADLE_ABI_NATIVE][unnamed / 64] |= 1ULL << (unnamed % 64);

    const Recording recording = decoded(record);
    CHECK(recording.syscalls == Names{"execve", "exit_group", "restart_syscall"});
    CHECK(recording.counters.at("lost_syscalls") == 1);
    CHECK_FALSE(recording.complete());
}

TEST_CASE("kernel_record: what the kernel makes a process call is implied, not left to chance") {
    cradle_record record = started_record();
    const Recording plain = decoded(record);
    CHECK(plain.implied_syscalls == Names{"restart_syscall"});
    CHECK(plain.syscalls.contains("restart_syscall"));

    // A signal handler installed: its return may or may not have been seen.
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_NATIVE, "rt_sigaction");
    const Recording handler = decoded(record);
    CHECK(handler.implied_syscalls == Names{"restart_syscall", "rt_sigreturn"});  // x86_64 has no sigreturn
    CHECK(handler.syscalls.contains("rt_sigreturn"));

    // Seen is not implied.
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_NATIVE, "rt_sigreturn");
    CHECK(decoded(record).implied_syscalls == Names{"restart_syscall"});
}

TEST_CASE("kernel_record: losses counted by the kernel side make the recording incomplete") {
    // A started container whose kernel side counted `value` in `counter`, decoded.
    const auto decoded_with = [](cradle_u64 cradle_record::*counter, cradle_u64 value) {
        cradle_record record = started_record();
        record.*counter = value;
        return decoded(record);
    };
    SUBCASE("lost syscalls") {
        const Recording recording = decoded_with(&cradle_record::lost_syscalls, 3);
        CHECK(recording.counters.at("lost_syscalls") == 3);
        REQUIRE(recording.incomplete_reasons.size() == 1);
        CHECK(mentions(recording, "(lost_syscalls)"));
    }
    SUBCASE("lost cgroups") {
        const Recording recording = decoded_with(&cradle_record::lost_cgroups, 2);
        CHECK(recording.counters.at("lost_cgroups") == 2);
        REQUIRE(recording.incomplete_reasons.size() == 1);
        CHECK(mentions(recording, "(lost_cgroups)"));
        // No count in the reason: merged recordings of two containers give it once.
        Recording merged = recording;
        merge_into(merged, decoded_with(&cradle_record::lost_cgroups, 5));
        CHECK(merged.incomplete_reasons.size() == 1);
        CHECK(merged.counters.at("lost_cgroups") == 7);
    }
    SUBCASE("lost tasks") {
        const Recording recording = decoded_with(&cradle_record::lost_tasks, 4);
        CHECK(recording.counters.at("lost_tasks") == 4);
        REQUIRE(recording.incomplete_reasons.size() == 1);
        CHECK(mentions(recording, "(lost_tasks)"));
    }
    SUBCASE("lost capabilities") {
        const Recording recording = decoded_with(&cradle_record::lost_capabilities, 1);
        CHECK(recording.counters.at("lost_capabilities") == 1);
        CHECK_FALSE(recording.complete());
    }
    SUBCASE("unclassified checks are counted but lose nothing") {
        const Recording recording = decoded_with(&cradle_record::unclassified_checks, 5);
        CHECK(recording.counters.at("unclassified_capability_checks") == 5);
        CHECK(recording.complete());
    }
}

TEST_CASE("kernel_record: a workload that never started is incomplete") {
    for (cradle_u32 phase : {cradle_u32{CRADLE_PHASE_SETUP}, cradle_u32{CRADLE_PHASE_RUNTIME}}) {
        CAPTURE(phase);
        cradle_record record = started_record();
        record.phase = phase;
        CHECK_FALSE(workload_started(record));
        const Recording recording = decoded(record);
        REQUIRE(recording.incomplete_reasons.size() == 1);
        CHECK(mentions(recording, "never started"));
    }
    CHECK(workload_started(started_record()));
}

TEST_CASE("kernel_record: a workload killed by a signal has exit_group implied, as its next run may end") {
    cradle_record record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_WORKLOAD], 0, sizeof(record.syscalls[CRADLE_PHASE_WORKLOAD]));
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"read", "write"});
    const Recording killed = decoded(record);
    CHECK(killed.syscalls == Names{"execve", "exit_group", "read", "restart_syscall", "write"});
    CHECK(killed.implied_syscalls == Names{"exit_group", "restart_syscall"});

    // A thread's exit is an end too: nothing implied.
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"exit"});
    CHECK_FALSE(decoded(record).syscalls.contains("exit_group"));
    // A 32-bit workload that ended through the compat ABI's exit_group: nothing implied natively.
    std::memset(record.syscalls[CRADLE_PHASE_WORKLOAD], 0, sizeof(record.syscalls[CRADLE_PHASE_WORKLOAD]));
    set_syscall(record, CRADLE_PHASE_WORKLOAD, CRADLE_ABI_COMPAT, "exit_group");
    CHECK_FALSE(decoded(record).syscalls.contains("exit_group"));

    // A workload that never started implies nothing of how it ends.
    record = started_record();
    std::memset(record.syscalls[CRADLE_PHASE_WORKLOAD], 0, sizeof(record.syscalls[CRADLE_PHASE_WORKLOAD]));
    record.phase = CRADLE_PHASE_RUNTIME;
    CHECK_FALSE(decoded(record).syscalls.contains("exit_group"));
}

TEST_CASE("kernel_record: capabilities are told apart by audit and outcome") {
    cradle_record record = started_record();
    auto& audited = record.checks[CRADLE_PHASE_WORKLOAD][CRADLE_CHECK_AUDITED];
    auto& probes = record.checks[CRADLE_PHASE_WORKLOAD][CRADLE_CHECK_PROBE];
    audited.granted = cap_bit("chown") | cap_bit("net_admin");
    audited.denied = cap_bit("sys_admin") | cap_bit("net_admin");
    probes.granted = cap_bit("sys_resource") | cap_bit("chown");
    probes.denied = cap_bit("ipc_lock") | cap_bit("sys_admin");

    const Recording recording = decoded(record);
    // Granted once is enough, even if refused another time.
    CHECK(recording.capabilities == Names{"chown", "net_admin"});
    CHECK(recording.denied_capabilities == Names{"sys_admin"});
    // A probe of a capability that also had an audited check is no mere probe.
    CHECK(recording.probed_capabilities == Names{"ipc_lock", "sys_resource"});
    CHECK(recording.counters.at("lost_capabilities") == 0);
    CHECK(recording.complete());
}

TEST_CASE("kernel_record: setup and runtime capability checks are never requirements") {
    cradle_record record = started_record();
    record.checks[CRADLE_PHASE_SETUP][CRADLE_CHECK_AUDITED].granted = cap_bit("sys_admin") | cap_bit("dac_override");
    record.checks[CRADLE_PHASE_SETUP][CRADLE_CHECK_AUDITED].denied = cap_bit("sys_module");
    record.checks[CRADLE_PHASE_SETUP][CRADLE_CHECK_PROBE].granted = cap_bit("ipc_lock");
    record.checks[CRADLE_PHASE_RUNTIME][CRADLE_CHECK_AUDITED].granted = cap_bit("setuid");
    record.checks[CRADLE_PHASE_WORKLOAD][CRADLE_CHECK_AUDITED].granted = cap_bit("kill");

    const Recording recording = decoded(record);
    CHECK(recording.capabilities == Names{"kill"});
    CHECK(recording.denied_capabilities.empty());
    CHECK(recording.probed_capabilities.empty());
}

TEST_CASE("kernel_record: add_to_baseline ORs the runtime window and counts samples") {
    cradle_runtime_baseline baseline = empty_baseline();

    cradle_record without_window;
    std::memset(&without_window, 0, sizeof(without_window));
    without_window.phase = CRADLE_PHASE_WORKLOAD;
    set_syscalls(without_window, CRADLE_PHASE_WORKLOAD, {"write"});
    set_syscalls(without_window, CRADLE_PHASE_SETUP, {"mount"});
    CHECK_FALSE(add_to_baseline(baseline, without_window));
    CHECK(baseline.samples == 0);
    const cradle_runtime_baseline zero = empty_baseline();
    CHECK(std::memcmp(&baseline, &zero, sizeof(baseline)) == 0);

    cradle_record first = started_record();  // execve
    set_syscalls(first, CRADLE_PHASE_WORKLOAD, {"write"});
    CHECK(add_to_baseline(baseline, first));
    CHECK(baseline.samples == 1);

    cradle_record second = started_record();
    std::memset(second.syscalls[CRADLE_PHASE_RUNTIME], 0, sizeof(second.syscalls[CRADLE_PHASE_RUNTIME]));
    set_syscalls(second, CRADLE_PHASE_RUNTIME, {"futex", "close"});
    CHECK(add_to_baseline(baseline, second));
    CHECK(baseline.samples == 2);

    // A later container without a window gets the union, and nothing but the runtime windows.
    const Recording recording = decode_record(without_window, baseline, k_x86_64);
    CHECK(recording.runtime_syscalls == Names{"close", "execve", "futex"});
    CHECK(recording.syscalls == Names{"close", "execve", "futex", "write", "exit_group", "restart_syscall"});
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 1);
}

TEST_CASE("kernel_record: a compat-only runtime window counts as a window") {
    cradle_runtime_baseline baseline = empty_baseline();
    cradle_record record;
    std::memset(&record, 0, sizeof(record));
    record.phase = CRADLE_PHASE_WORKLOAD;
    set_syscall(record, CRADLE_PHASE_RUNTIME, CRADLE_ABI_COMPAT, "mkdir");
    CHECK(add_to_baseline(baseline, record));
    CHECK(baseline.samples == 1);

    const Recording recording = decoded(record);
    CHECK(recording.counters.at("runtime_syscalls_from_baseline") == 0);
    CHECK(recording.runtime_syscalls == Names{"mkdir"});
    CHECK(recording.compat_syscalls == Names{"mkdir", "restart_syscall"});
    CHECK(recording.architectures == Names{"x86", "x86_64"});
}

TEST_CASE("kernel_record: phase_name") {
    CHECK(std::string(phase_name(CRADLE_PHASE_SETUP)) == "setup");
    CHECK(std::string(phase_name(CRADLE_PHASE_RUNTIME)) == "runtime");
    CHECK(std::string(phase_name(CRADLE_PHASE_WORKLOAD)) == "workload");
    CHECK(std::string(phase_name(7)) == "unknown");
}

TEST_CASE("kernel_record: every loss at once gives every counter and each reason once, in order") {
    cradle_record record;
    std::memset(&record, 0, sizeof(record));
    record.phase = CRADLE_PHASE_RUNTIME;
    record.lost_syscalls = 1;
    record.lost_capabilities = 2;
    record.lost_cgroups = 3;
    record.lost_tasks = 4;
    record.unclassified_checks = 5;

    const Recording recording = decoded(record);
    CHECK(recording.counters == std::map<std::string, std::uint64_t>{{"lost_syscalls", 1},
                                                                     {"lost_capabilities", 2},
                                                                     {"lost_cgroups", 3},
                                                                     {"lost_tasks", 4},
                                                                     {"unclassified_capability_checks", 5},
                                                                     {"runtime_syscalls_from_baseline", 0}});
    CHECK(recording.incomplete_reasons ==
          std::vector<std::string>{
              "syscalls with numbers outside the recorded tables were made (lost_syscalls): they are not in the "
              "allow-list",
              "capability checks with numbers outside the recorded range were made (lost_capabilities)",
              "processes of the container could not be marked as traced, the kernel made no task storage for them "
              "(lost_tasks): their syscalls are missing",
              "child cgroups could not be traced, the cgroup map was full (lost_cgroups): their processes are "
              "missing",
              "the workload never started: the container's init was never seen to exec",
              "the runtime's post-filter syscalls were never measured on this machine: trace one container that "
              "the runtime starts with a seccomp filter, as install/setup.sh does",
          });
}

TEST_CASE("kernel_record: capability checks lost on the host while traced make the recording incomplete") {
    Recording recording = decoded(started_record());
    const Recording before = recording;
    add_unattributed_losses(recording, 0);
    CHECK(recording == before);
    add_unattributed_losses(recording, 3);
    CHECK(recording.counters.at("lost_pending_checks") == 3);
    REQUIRE(recording.incomplete_reasons.size() == before.incomplete_reasons.size() + 1);
    CHECK(mentions(recording, "lost_pending_checks"));
}

namespace {

// What the kernel side records for a call of `which` in `phase`: its bit in `recorded`.
cradle_arguments& arguments_of(cradle_record& record, cradle_phase phase, cradle_argument_syscall which) {
    record.arguments[phase].recorded |= 1u << which;
    return record.arguments[phase];
}

using Values = std::set<std::uint64_t>;

}  // namespace

TEST_CASE("kernel_record: argument values after the filter point become ARGUMENTS, the setup's do not") {
    cradle_record record = started_record();
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"socket", "clone", "unshare", "personality", "clone3"});
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_SOCKET).socket_families |= 1ULL << 2 | 1ULL << 1;
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_CLONE);  // no namespace flag
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_UNSHARE).unshare_namespaces |= 0x04000000;
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_CLONE3).clone3_namespaces |= 0x80;
    auto& personas = arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_PERSONALITY).personas;
    personas[0] = 0xffffffffULL + 1;
    personas[1] = 0 + 1;
    personas[2] = 0xffffffffULL + 1;  // two CPUs raced
    // The runtime's own namespaces, before its filter.
    set_syscalls(record, CRADLE_PHASE_SETUP, {"clone", "unshare", "socket"});
    arguments_of(record, CRADLE_PHASE_SETUP, CRADLE_ARGS_CLONE).clone_namespaces |= 0x7e020000;
    arguments_of(record, CRADLE_PHASE_SETUP, CRADLE_ARGS_UNSHARE).unshare_namespaces |= 0x40000000;
    arguments_of(record, CRADLE_PHASE_SETUP, CRADLE_ARGS_SOCKET).socket_families |= 1ULL << 16;

    const Recording recording = decoded(record);
    const std::map<std::string, ArgumentValues> expected = {
        {"clone", {{}, false}},
        {"clone3", {Values{0x80}, false}},
        {"personality", {Values{0, 0xffffffff}, false}},
        {"socket", {Values{1, 2}, false}},
        {"unshare", {Values{0x04000000}, false}},
    };
    CHECK(recording.arguments == expected);
}

TEST_CASE("kernel_record: a value the kernel side did not keep makes the syscall any") {
    cradle_record record = started_record();
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"socket", "clone3"});
    auto& socket = arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_SOCKET);
    socket.socket_families |= 1ULL << 2;
    socket.any |= 1u << CRADLE_ARGS_SOCKET;
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_CLONE3).any |= 1u << CRADLE_ARGS_CLONE3;

    const Recording recording = decoded(record);
    CHECK(recording.arguments.at("socket") == ArgumentValues{Values{2}, true});
    CHECK(recording.arguments.at("clone3") == ArgumentValues{{}, true});
}

TEST_CASE("kernel_record: a syscall made without recorded arguments has no entry, so any value") {
    cradle_record record = started_record();
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"socket", "clone"});
    // Stray values without their `recorded` bit are not taken.
    record.arguments[CRADLE_PHASE_WORKLOAD].socket_families = 1ULL << 2;
    const Recording recording = decoded(record);
    CHECK(recording.syscalls.contains("socket"));
    CHECK(recording.arguments.empty());
}

TEST_CASE("kernel_record: the runtime window's arguments count, joined with the baseline's") {
    cradle_record window = started_record();
    set_syscalls(window, CRADLE_PHASE_RUNTIME, {"clone", "personality"});
    arguments_of(window, CRADLE_PHASE_RUNTIME, CRADLE_ARGS_CLONE);
    arguments_of(window, CRADLE_PHASE_RUNTIME, CRADLE_ARGS_PERSONALITY).personas[0] = 0x8 + 1;
    cradle_runtime_baseline baseline = empty_baseline();
    REQUIRE(add_to_baseline(baseline, window));
    CHECK(baseline.arguments.recorded == (1u << CRADLE_ARGS_CLONE | 1u << CRADLE_ARGS_PERSONALITY));

    // A container recorded without a filter: the baseline stands in for its window, arguments
    // included, and they join the workload's own.
    cradle_record record;
    std::memset(&record, 0, sizeof(record));
    record.phase = CRADLE_PHASE_WORKLOAD;
    set_syscalls(record, CRADLE_PHASE_WORKLOAD, {"clone", "personality"});
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_CLONE).clone_namespaces |= 0x40000000;
    arguments_of(record, CRADLE_PHASE_WORKLOAD, CRADLE_ARGS_PERSONALITY).personas[0] = 0 + 1;
    const Recording recording = decode_record(record, baseline, k_x86_64);
    CHECK(recording.arguments.at("clone") == ArgumentValues{Values{0x40000000}, false});
    CHECK(recording.arguments.at("personality") == ArgumentValues{Values{0, 0x8}, false});
}

TEST_CASE("kernel_record: personas beyond the slots of a joined baseline make personality any") {
    cradle_runtime_baseline baseline = empty_baseline();
    for (std::uint64_t round = 0; round < 2; ++round) {
        cradle_record window = started_record();
        set_syscalls(window, CRADLE_PHASE_RUNTIME, {"personality"});
        auto& args = arguments_of(window, CRADLE_PHASE_RUNTIME, CRADLE_ARGS_PERSONALITY);
        for (int slot = 0; slot < CRADLE_PERSONAS; ++slot) {
            args.personas[slot] = round * CRADLE_PERSONAS + static_cast<std::uint64_t>(slot) + 1;
        }
        REQUIRE(add_to_baseline(baseline, window));
    }
    CHECK(baseline.arguments.any == 1u << CRADLE_ARGS_PERSONALITY);
    const Recording recording = decode_record(started_record(), baseline, k_x86_64);
    CHECK(recording.arguments.at("personality").any);
    CHECK(recording.arguments.at("personality").values.size() == CRADLE_PERSONAS);
}
