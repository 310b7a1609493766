// Tracer: Cradle's BPF programs, loaded once into the kernel, with their maps and links
// pinned under a bpffs directory.
//
// Pinning is what makes a collector restart lose nothing: the links keep the programs
// attached and recording while no collector runs, and a new Tracer reuses the pinned maps,
// attaches its own programs and only then lets go of the old links, so that at every
// moment at least one set of programs records (recording twice is harmless: bits are ORed).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"
#include "cradle_abi.h"

struct cradle_bpf;

namespace cradle {

struct SkeletonDestroy {
    void operator()(cradle_bpf* skeleton) const;
};
using Skeleton = std::unique_ptr<cradle_bpf, SkeletonDestroy>;

struct TracerOptions {
    std::string pin_dir;                                   // on a bpf filesystem; created when missing
    std::uint32_t max_containers = CRADLE_MAX_CONTAINERS;  // slots of the containers map
    std::uint32_t max_cgroups = CRADLE_MAX_CGROUPS;        // entries of the cgroup_slots map
};

class Tracer {
public:
    // Loads and attaches the programs, choosing how capability checks are observed by
    // probing what the kernel accepts: tp_btf/cap_capable (6.14+, a stable interface; the
    // no-audit probes are told apart by their caller), then fexit/cap_capable (sees the
    // opts argument), then kprobes (a kretprobe can miss returns), then none (syscalls are
    // still recorded). Holds an exclusive lock on the pin directory while it lives: a second
    // collector on the same pins is refused (EBUSY). Fails when the syscall programs cannot
    // load or attach, or the pin directory is unusable (not bpffs; or pinned maps of another
    // layout or size, ESTALE, whose message names the map and both shapes: run
    // `cradled --unpin` to start afresh).
    static Result<std::unique_ptr<Tracer>> open(const TracerOptions& options);

    ~Tracer();
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    // Marks every task already in a traced cgroup as the container's (the adopt_tasks
    // iterator, see cradle_abi.h): to be run after a cgroup is published in cgroup_slots, and
    // before its tasks run the workload. Tasks started or moved in later are marked by the
    // kernel side itself. Idempotent.
    Result<void> adopt_tasks() const;

    // adopt_tasks for the threads of process `pid` alone (a task iterator limited to it,
    // kernel 6.1+): what a new container needs when its cgroup holds only known processes.
    // Returns how many threads it visited: the kernel ends such a walk early when the thread
    // it stands on exits, so fewer than the process had before means some may be unmarked.
    Result<std::size_t> adopt_process(pid_t pid) const;

    int cgroup_slots_fd() const;
    int containers_fd() const;
    int runtime_baseline_fd() const;
    int gone_cgroups_fd() const;  // ring buffer: a traced container's cgroup was removed
    std::uint32_t max_containers() const;
    cradle_capability_source capability_source() const { return m_capability_source; }
    // Why the sources before the chosen one were not used, for the log; empty when the
    // first one loaded.
    const std::string& capability_source_notes() const { return m_capability_source_notes; }
    // Whether the no-audit callers were found in /proc/kallsyms (tp_btf source only).
    bool classifies_probes() const { return m_classifies_probes; }
    // Whether every thread of a process moved into a traced cgroup is marked (kernels with
    // the open-coded task iterator, 6.7+, where the program using it loaded), or its leader
    // only.
    bool marks_moved_threads() const { return m_marks_moved_threads; }
    // The kernel side's failures that no container's record counts (cradle_abi.h), since
    // the pins were made: a copy of the pinned kernel_errors map. Fails when the
    // kernel refuses the read.
    Result<cradle_kernel_errors> kernel_errors() const;

private:
    Tracer() = default;

    UniqueFd m_pin_dir_lock;
    std::string m_pin_dir;
    Skeleton m_skeleton;
    cradle_capability_source m_capability_source = CRADLE_CAPS_NONE;
    std::string m_capability_source_notes;
    bool m_classifies_probes = false;
    bool m_marks_moved_threads = false;
};

// Where the syscall program attaches (cradle.bpf.c), whatever the capability source.
inline constexpr const char* k_syscall_attach_point = "tp_btf/sys_enter";

// "tp_btf/cap_capable", "fexit/cap_capable", "kprobe/cap_capable", "none".
const char* capability_source_name(cradle_capability_source source);

// Removes every pin under `pin_dir` (maps and links) and the directory: the programs
// detach and what was recorded is gone. For `cradled --unpin`. Absent is not an error.
Result<void> remove_pins(const std::string& pin_dir);

}  // namespace cradle
