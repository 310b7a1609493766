// Collector: what cradled does with a request, and with containers whose cgroup is gone.
// It speaks types: the socket and the protocol's JSON (collector/request.h, answer.h) and
// the log (daemon.cpp) are at its edges.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/cgroup.h"
#include "collector/container_maps.h"
#include "collector/registry.h"
#include "collector/request.h"
#include "collector/tracer.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "profilegen/kernel_record.h"
#include "profilegen/trace_json.h"

namespace cradle {

struct FlushOutcome {
    std::string id;
    std::string name;                             // empty when the id was not traced
    std::vector<std::string> files;               // written inside the output directory; durable
                                                  // once the caller fsyncs it (see flush); empty
                                                  // when the id was not traced
    std::vector<std::string> incomplete_reasons;  // empty when the recording is whole
    bool forgotten = false;                       // the container is gone and no longer traced
    bool never_started = false;                   // its workload never started: nothing written
};

struct GoneFlush {
    std::string id;
    Result<FlushOutcome> outcome;
};

struct Registration {
    TracedContainer traced;
    bool created = true;                 // false: the same container registered again
    std::size_t cgroups_not_traced = 0;  // child cgroups it had that the cgroup map could not take
};

// What `cradle status` shows: the tracer's choices, and each traced container.
struct ContainerStatus {
    TracedContainer traced;
    std::optional<cradle_record> record;  // nullopt when its slot could not be read
};

struct CollectorStatus {
    cradle_capability_source capability_source = CRADLE_CAPS_NONE;
    bool classifies_probes = false;
    bool marks_moved_threads = false;
    std::string output_dir;
    std::string pin_dir;
    cradle_runtime_baseline runtime_baseline{};         // zero when it could not be read
    std::optional<cradle_kernel_errors> kernel_errors;  // nullopt when they could not be read
    std::vector<ContainerStatus> containers;
};

class Collector {
public:
    // Borrows `tracer`; owns the output directory fd.
    Collector(Tracer& tracer, UniqueFd output_dir, std::string output_dir_path, std::string pin_dir);

    // Rebuilds the registry from the pinned maps.
    Result<void> load();

    // Starts tracing the container `request.id` whose init process is `request.pid`, under
    // the profile name its `io.cradle.profile` annotation gives (checked and expanded here),
    // and marks the tasks already in its cgroup. The same container registered again (a hook
    // run twice) is not an error. A container id the runtime reuses while the old
    // container's cgroup is gone flushes the old one first, into `replaced` (also when the
    // registration fails afterwards); while it is still there, EEXIST. Errors start with
    // `registering container "<id>"`.
    Result<Registration> register_container(const RegisterRequest& request, std::optional<FlushOutcome>& replaced);

    // Writes the container's files. They are in place when it returns, their contents
    // durable; making the renames durable too (an fsync of the output directory, which can
    // take milliseconds) is left to the caller, so that it can answer first. A crash before
    // that may leave the old file under the name and the new one under its temporary name.
    // A container whose workload never started writes nothing (outcome.never_started): there
    // is nothing of it to profile. When its cgroup is gone, also forgets it; a container
    // still alive (a poststop run while it lives on) stays traced. An unknown id is not an
    // error (poststop may run twice): the outcome names no files.
    Result<FlushOutcome> flush(const std::string& id);

    // Flushes and forgets containers whose cgroup is gone (poststop may never run), until
    // `until` passes: the rest wait for the next call, so a burst of stopping containers
    // does not hold up registrations. Failures are returned and retried at the next call.
    std::vector<GoneFlush> collect_gone(std::chrono::steady_clock::time_point until);

    CollectorStatus status() const;

    // The kernel side's losses that no container's record counts (Tracer::kernel_errors),
    // zero when they cannot be read.
    cradle_kernel_errors kernel_errors() const;

private:
    // Above this many processes in a new container's cgroup, one walk of every task on the
    // host is cheaper than an iterator for each.
    static constexpr std::size_t k_max_processes_adopted_one_by_one = 16;

    Result<FlushOutcome> flush(const ContainerSnapshot& snapshot);

    // This machine and the tracer's attach points, for the JSON tracefile.
    TraceEnvironment trace_environment() const;

    // Marks the tasks already in the newly published cgroup `cgroup_dir` (Tracer::adopt_tasks).
    // When its processes are all its tasks (collector/cgroup.h), only their threads are
    // visited; otherwise every task on the host, which costs about 0.8 us a task.
    Result<void> adopt_tasks_in(const std::string& cgroup_dir);

    Tracer& m_tracer;
    // What this collector knows of a container beyond its record, by id.
    struct RegistrationNotes {
        // kernel_errors() at its registration: at its flush, the losses since may be its own.
        // A container found pinned counts from zero: every loss since the pins were made may
        // be its own (more incomplete, never less).
        cradle_kernel_errors kernel_errors{};
        std::size_t cgroups_not_traced = 0;  // Registration::cgroups_not_traced
    };
    std::map<std::string, RegistrationNotes> m_notes;
    BpfContainerMaps m_maps;
    ContainerRegistry m_registry;
    CgroupLocator m_cgroups;
    UniqueFd m_output_dir;
    std::string m_output_dir_path;
    std::string m_pin_dir;
    Architectures m_architectures;
};

}  // namespace cradle
