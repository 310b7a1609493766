#include "profilegen/kernel_record.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <type_traits>

#include "profilegen/capability_table.h"
#include "profilegen/syscall_arguments.h"
#include "profilegen/syscall_table.h"

namespace cradle {

// The layout the BPF programs write; a change on either side must show up here.
// (A pinned map whose value size differs is refused by the next collector: libbpf compares the
// sizes before it reuses a pin.)
static_assert(sizeof(cradle_arguments) == 4 * 8 + 8 * CRADLE_PERSONAS + 2 * 4);
static_assert(sizeof(cradle_record) == 8 * (int{CRADLE_PHASE_COUNT} * int{CRADLE_ABI_COUNT} * CRADLE_SYSCALL_WORDS) +
                                           16 * int{CRADLE_PHASE_COUNT} * int{CRADLE_CHECK_KIND_COUNT} +
                                           sizeof(cradle_arguments) * CRADLE_PHASE_COUNT + 5 * 8 + 2 * 4);
static_assert(sizeof(cradle_container) == sizeof(cradle_record) + 3 * 8 + 4 + 4 + CRADLE_ID_SIZE + CRADLE_NAME_SIZE +
                                              2 * CRADLE_RUNTIME_NAME_SIZE + CRADLE_RUNTIME_PATH_SIZE);
static_assert(sizeof(cradle_runtime_baseline) ==
              8 * int{CRADLE_ABI_COUNT} * CRADLE_SYSCALL_WORDS + sizeof(cradle_arguments) + 8);
static_assert(sizeof(cradle_kernel_errors) == 3 * 8);
static_assert(std::is_trivially_copyable_v<cradle_container>);

namespace {

using SyscallWords = cradle_u64[CRADLE_SYSCALL_WORDS];

bool any_bit(const SyscallWords& words) {
    for (cradle_u64 word : words) {
        if (word) {
            return true;
        }
    }
    return false;
}

// Adds the names of the syscalls set in `words`; counts the numbers the table lacks.
void add_syscalls(const SyscallWords& words, const std::string& arch, std::set<std::string>& names,
                  std::uint64_t& unnamed) {
    for (int number = 0; number < CRADLE_SYSCALL_SLOTS; ++number) {
        if (!(words[number / 64] & (1ULL << (number % 64)))) {
            continue;
        }
        if (auto name = syscall_name(arch, number)) {
            names.insert(*name);
        } else {
            ++unnamed;
        }
    }
}

void add_capabilities(cradle_u64 bits, std::set<std::string>& names, std::uint64_t& unnamed) {
    for (int cap = 0; cap < CRADLE_CAPABILITY_SLOTS; ++cap) {
        if (!(bits & (1ULL << cap))) {
            continue;
        }
        if (auto name = capability_name(cap)) {
            names.insert(*name);
        } else {
            ++unnamed;
        }
    }
}

// `from` joined into `into`, as the kernel side would have recorded both.
void join_arguments(cradle_arguments& into, const cradle_arguments& from) {
    into.socket_families |= from.socket_families;
    into.clone_namespaces |= from.clone_namespaces;
    into.clone3_namespaces |= from.clone3_namespaces;
    into.unshare_namespaces |= from.unshare_namespaces;
    int free_slot = 0;
    while (free_slot < CRADLE_PERSONAS && into.personas[free_slot] != 0) {
        ++free_slot;
    }
    for (const cradle_u64 persona : from.personas) {
        if (persona == 0 ||
            std::find(std::begin(into.personas), std::end(into.personas), persona) != std::end(into.personas)) {
            continue;
        }
        if (free_slot == CRADLE_PERSONAS) {
            into.any |= 1u << CRADLE_ARGS_PERSONALITY;
            continue;
        }
        into.personas[free_slot++] = persona;
    }
    into.recorded |= from.recorded;
    into.any |= from.any;
}

// The flags set in `flags`, one a value.
std::set<std::uint64_t> single_flags(std::uint64_t flags) {
    std::set<std::uint64_t> values;
    for (int bit = 0; bit < 64; ++bit) {
        if (flags & (1ULL << bit)) {
            values.insert(1ULL << bit);
        }
    }
    return values;
}

// The numbers of the bits set in `bits`.
std::set<std::uint64_t> bit_numbers(std::uint64_t bits) {
    std::set<std::uint64_t> numbers;
    for (int bit = 0; bit < 64; ++bit) {
        if (bits & (1ULL << bit)) {
            numbers.insert(static_cast<std::uint64_t>(bit));
        }
    }
    return numbers;
}

// The values of `args`, by syscall name, for the syscalls it recorded.
std::map<std::string, ArgumentValues> argument_values(const cradle_arguments& args) {
    std::map<std::string, ArgumentValues> by_name;
    for (const ArgumentSyscall& syscall : argument_syscalls()) {
        const cradle_u32 bit = 1u << syscall.which;
        if (!(args.recorded & bit)) {
            continue;
        }
        ArgumentValues& values = by_name[std::string(syscall.name)];
        values.any = (args.any & bit) != 0;
        switch (syscall.which) {
            case CRADLE_ARGS_SOCKET: values.values = bit_numbers(args.socket_families); break;
            case CRADLE_ARGS_CLONE: values.values = single_flags(args.clone_namespaces & syscall.namespaces); break;
            case CRADLE_ARGS_CLONE3: values.values = single_flags(args.clone3_namespaces & syscall.namespaces); break;
            case CRADLE_ARGS_UNSHARE: values.values = single_flags(args.unshare_namespaces & syscall.namespaces); break;
            case CRADLE_ARGS_PERSONALITY:
                for (const cradle_u64 persona : args.personas) {
                    if (persona != 0) {
                        values.values.insert(persona - 1);
                    }
                }
                break;
            case CRADLE_ARGS_COUNT: break;
        }
    }
    return by_name;
}

}  // namespace

Recording decode_record(const cradle_record& record, const cradle_runtime_baseline& baseline,
                        const Architectures& architectures) {
    Recording recording;
    recording.architectures.insert(architectures.native);
    std::uint64_t unnamed_syscalls = 0;
    std::uint64_t unnamed_capabilities = 0;

    const auto& workload = record.syscalls[CRADLE_PHASE_WORKLOAD];
    const auto& runtime = record.syscalls[CRADLE_PHASE_RUNTIME];
    const auto& setup = record.syscalls[CRADLE_PHASE_SETUP];
    // The runtime's window varies from run to run (a Go runtime may schedule, grow its heap or
    // start a thread in it, or not), so what this container showed is joined by every window
    // measured on this machine before.
    SyscallWords runtime_source[CRADLE_ABI_COUNT];
    bool baseline_added = false;
    for (int abi = 0; abi < CRADLE_ABI_COUNT; ++abi) {
        for (int word = 0; word < CRADLE_SYSCALL_WORDS; ++word) {
            runtime_source[abi][word] = runtime[abi][word] | baseline.syscalls[abi][word];
            baseline_added = baseline_added || (baseline.syscalls[abi][word] & ~runtime[abi][word]) != 0;
        }
    }

    for (int abi = 0; abi < CRADLE_ABI_COUNT; ++abi) {
        const bool compat = abi == CRADLE_ABI_COMPAT;
        if (compat && !any_bit(workload[abi]) && !any_bit(runtime_source[abi]) && !any_bit(setup[abi])) {
            continue;
        }
        if (compat && !architectures.compat) {
            ++unnamed_syscalls;
            continue;
        }
        const std::string& arch = compat ? *architectures.compat : architectures.native;
        // Each ABI's names go to its own allow-list, allowed on its own architecture only.
        std::set<std::string>& allowed = compat ? recording.compat_syscalls : recording.syscalls;
        std::set<std::string> runtime_names;
        add_syscalls(workload[abi], arch, allowed, unnamed_syscalls);
        add_syscalls(runtime_source[abi], arch, runtime_names, unnamed_syscalls);
        add_syscalls(setup[abi], arch, recording.setup_syscalls, unnamed_syscalls);
        allowed.insert(runtime_names.begin(), runtime_names.end());
        recording.runtime_syscalls.insert(runtime_names.begin(), runtime_names.end());
        // Listed only with names to allow there: a compat architecture listed without them would
        // read as a recording from before per-ABI sets (split_single_allow_list).
        if (compat && !allowed.empty()) {
            recording.architectures.insert(arch);
        }
    }
    const bool runtime_measured = !recording.runtime_syscalls.empty();
    if (!runtime_measured && workload_started(record)) {
        // No filter point was seen and no window measured: the runtime installed no seccomp
        // filter here, so the exec that started the workload, its last syscall, reads as setup.
        // A profile is installed before that exec, so the exec belongs in it (the runtime's, native).
        for (const char* exec : {"execve", "execveat"}) {
            if (recording.setup_syscalls.contains(exec)) {
                recording.runtime_syscalls.insert(exec);
                recording.syscalls.insert(exec);
            }
        }
    }
    const std::set<std::string> allowed = allowed_syscalls(recording);
    if (workload_started(record) && !allowed.contains("exit") && !allowed.contains("exit_group")) {
        // A workload killed by a signal (docker kill, the OOM killer) never ends through
        // exit_group, and the next run of it may: a profile without it would turn that run's
        // normal end into a failed exit_group.
        recording.syscalls.insert("exit_group");
        recording.implied_syscalls.insert("exit_group");
    }
    add_implied_syscalls(recording);

    // The values of the syscalls allowed: those made after the filter point, the runtime's
    // window joined with the baseline's as its syscalls are.
    cradle_arguments arguments = record.arguments[CRADLE_PHASE_WORKLOAD];
    join_arguments(arguments, record.arguments[CRADLE_PHASE_RUNTIME]);
    join_arguments(arguments, baseline.arguments);
    for (auto& [name, values] : argument_values(arguments)) {
        if (recording.syscalls.contains(name)) {
            recording.arguments.emplace(name, std::move(values));
        }
    }

    const auto& audited = record.checks[CRADLE_PHASE_WORKLOAD][CRADLE_CHECK_AUDITED];
    const auto& probes = record.checks[CRADLE_PHASE_WORKLOAD][CRADLE_CHECK_PROBE];
    add_capabilities(audited.granted, recording.capabilities, unnamed_capabilities);
    add_capabilities(audited.denied & ~audited.granted, recording.denied_capabilities, unnamed_capabilities);
    add_capabilities((probes.granted | probes.denied) & ~(audited.granted | audited.denied),
                     recording.probed_capabilities, unnamed_capabilities);

    // Each count with the reason it makes the recording incomplete, if it does and is not zero. Reasons
    // carry no counts (COUNTERS has them), so merged recordings list each reason once.
    const struct {
        const char* counter;
        std::uint64_t value;
        const char* reason;  // nullptr: counted, but nothing is missing
    } counts[] = {
        {"lost_syscalls", record.lost_syscalls + unnamed_syscalls,
         "syscalls with numbers outside the recorded tables were made (lost_syscalls): "
         "they are not in the allow-list"},
        {"lost_capabilities", record.lost_capabilities + unnamed_capabilities,
         "capability checks with numbers outside the recorded range were made (lost_capabilities)"},
        {"lost_tasks", record.lost_tasks,
         "processes of the container could not be marked as traced, the kernel made no task storage for them "
         "(lost_tasks): their syscalls are missing"},
        {"lost_cgroups", record.lost_cgroups,
         "child cgroups could not be traced, the cgroup map was full (lost_cgroups): their processes are missing"},
        {"unclassified_capability_checks", record.unclassified_checks, nullptr},
        {"runtime_syscalls_from_baseline", baseline_added ? 1u : 0u, nullptr},
    };
    auto& reasons = recording.incomplete_reasons;
    for (const auto& count : counts) {
        recording.counters[count.counter] = count.value;
        if (count.value && count.reason) {
            reasons.push_back(count.reason);
        }
    }
    if (!workload_started(record)) {
        reasons.push_back("the workload never started: the container's init was never seen to exec");
    }
    if (!runtime_measured) {
        reasons.push_back(
            "the runtime's post-filter syscalls were never measured on this machine: "
            "trace one container that the runtime starts with a seccomp filter, as install/setup.sh does");
    }
    return recording;
}

void add_unattributed_losses(Recording& recording, std::uint64_t lost_pending_checks) {
    if (lost_pending_checks == 0) {
        return;
    }
    recording.counters["lost_pending_checks"] = lost_pending_checks;
    recording.incomplete_reasons.push_back(
        "capability checks on this machine went unrecorded while it was traced, the kprobe fallback could not "
        "store them (lost_pending_checks): some may have been its own");
}

bool add_to_baseline(cradle_runtime_baseline& baseline, const cradle_record& record) {
    const auto& runtime = record.syscalls[CRADLE_PHASE_RUNTIME];
    if (!any_bit(runtime[CRADLE_ABI_NATIVE]) && !any_bit(runtime[CRADLE_ABI_COMPAT])) {
        return false;
    }
    for (int abi = 0; abi < CRADLE_ABI_COUNT; ++abi) {
        for (int word = 0; word < CRADLE_SYSCALL_WORDS; ++word) {
            baseline.syscalls[abi][word] |= runtime[abi][word];
        }
    }
    join_arguments(baseline.arguments, record.arguments[CRADLE_PHASE_RUNTIME]);
    ++baseline.samples;
    return true;
}

const char* phase_name(std::uint32_t phase) {
    switch (phase) {
        case CRADLE_PHASE_SETUP: return "setup";
        case CRADLE_PHASE_RUNTIME: return "runtime";
        case CRADLE_PHASE_WORKLOAD: return "workload";
        default: return "unknown";
    }
}

Architectures host_architectures() {
    Architectures architectures;
    architectures.native = native_arch();
    architectures.compat = compat_arch(architectures.native);
    return architectures;
}

}  // namespace cradle
