// Collector: what cradled does with a request, and with containers whose cgroup is gone.
// No I/O with clients and no logging here: daemon.cpp owns the socket and the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/cgroup.h"
#include "collector/registry.h"
#include "collector/tracer.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "profilegen/kernel_record.h"

namespace cradle {

struct FlushOutcome {
    std::string id;
    std::string name;
    std::vector<std::string> files;                // written inside the output directory; durable
                                                   // once the caller fsyncs it (see flush)
    std::vector<std::string> incomplete_reasons;   // empty when the recording is whole
    bool forgotten = false;                        // the container is gone and no longer traced
};

struct GoneFlush {
    std::string id;
    Result<FlushOutcome> outcome;
};

class Collector {
public:
    // Borrows `tracer`; owns the output directory fd.
    Collector(Tracer& tracer, UniqueFd output_dir, std::string output_dir_path, std::string pin_dir);

    // Rebuilds the registry from the pinned maps.
    Result<void> load();

    // Answers one protocol request (common/protocol.h); never throws. `flushed` receives the
    // outcome of a flush request, for the log.
    nlohmann::json handle(const nlohmann::json& request, std::vector<FlushOutcome>& flushed);

    // Starts tracing the container `id` whose init process is `pid`, under the profile name
    // the `io.cradle.profile` annotation gives (checked and expanded here).
    // A container id the runtime reuses while the old container's cgroup is gone flushes
    // the old one first (its outcome lands in `flushed`).
    Result<TracedContainer> register_container(const std::string& id, std::int64_t pid,
                                               const nlohmann::json& annotations, std::vector<FlushOutcome>& flushed);

    // Writes the container's files. They are in place when it returns, their contents
    // durable; making the renames durable too (an fsync of the output directory, which can
    // take milliseconds) is left to the caller, so that it can answer first. A crash before
    // that may leave the old file under the name and the new one under its temporary name.
    // When its cgroup is gone, also forgets it; a container
    // still alive (a poststop run while it lives on) stays traced. An unknown id is not an
    // error (poststop may run twice): the outcome names no files.
    Result<FlushOutcome> flush(const std::string& id);

    // Flushes and forgets containers whose cgroup is gone (poststop may never run), until
    // `until` passes: the rest wait for the next call, so a burst of stopping containers
    // does not hold up registrations. Failures are returned and retried at the next call.
    std::vector<GoneFlush> collect_gone(std::chrono::steady_clock::time_point until);

    nlohmann::json status() const;

private:
    // Above this many processes in a new container's cgroup, one walk of every task on the
    // host is cheaper than an iterator for each.
    static constexpr std::size_t k_max_processes_adopted_one_by_one = 16;

    // Marks the tasks already in the newly published cgroup `cgroup_dir` (Tracer::adopt_tasks).
    // When its processes are all its tasks (collector/cgroup.h), only their threads are
    // visited; otherwise every task on the host, which costs about 0.8 us a task.
    Result<void> adopt_tasks_in(const std::string& cgroup_dir);

    Tracer& m_tracer;
    ContainerRegistry m_registry;
    CgroupLocator m_cgroups;
    UniqueFd m_output_dir;
    std::string m_output_dir_path;
    std::string m_pin_dir;
    Architectures m_architectures;
};

}  // namespace cradle
