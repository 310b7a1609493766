// ContainerRegistry: which containers are traced, and the rules for taking and giving back
// their slots. The state lives in the kernel maps themselves (ContainerMaps), so that a
// restarted collector finds it again (load()); this class keeps an index by container id.
// No filesystem and no log here: the caller finds cgroups (collector/cgroup.h) and reports.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/container_maps.h"
#include "common/container_runtime.h"
#include "common/result.h"
#include "cradle_abi.h"

namespace cradle {

struct TracedContainer {
    std::uint32_t slot = 0;
    std::uint64_t cgroup_id = 0;
    std::int64_t registered_at = 0;  // CLOCK_REALTIME seconds
    std::string id;
    std::string name;          // expanded profile name
    ContainerRuntime runtime;  // as registered; what did not fit its slot is unknown
};

// A traced container with a copy of what the kernel side recorded for it.
struct ContainerSnapshot {
    TracedContainer traced;
    cradle_container kernel{};

    bool cgroup_removed() const { return kernel.record.flags & CRADLE_RECORD_CGROUP_REMOVED; }
};

// What registering an id means, given what the registry holds for it. The one place of the
// id-reuse rule: runtimes run a hook twice, and reuse an id once its container is gone.
enum class IdReuse {
    New,          // the id is not traced: add it
    Again,        // traced for the same cgroup: the same container, registered again
    ReplaceGone,  // traced for another cgroup that is gone: flush and forget the old one first
    Conflict,     // traced for another cgroup that is still there: refuse (EEXIST)
};

IdReuse id_reuse(const std::optional<ContainerSnapshot>& existing, std::uint64_t cgroup_id);

struct NewContainer {
    std::string id;
    std::string name;        // expanded, checked profile name
    std::string cgroup_dir;  // for messages
    std::uint64_t cgroup_id = 0;
    std::uint32_t init_pid = 0;  // its exec starts the workload
    ContainerRuntime runtime;    // checked (checked_runtime, as RegisterRequest's is); kept in the slot
};

class ContainerRegistry {
public:
    // Borrows `maps`, which must outlive the registry.
    explicit ContainerRegistry(ContainerMaps& maps);

    // Rebuilds the index from the containers map, e.g. after a collector restart.
    Result<void> load();

    // The container traced as `id`, with its kernel record; nullopt when none is.
    Result<std::optional<ContainerSnapshot>> lookup(const std::string& id) const;

    // Starts tracing `container`, whose id must not be traced (IdReuse::New; EEXIST
    // otherwise): zeroes a free slot and describes it, then publishes its cgroup, so that the
    // kernel side never adds to a stale record. From then on the kernel side adds the child
    // cgroups made beneath it; those that were there before are the caller's to list now and
    // publish_children. ENAMETOOLONG when the id or name does not fit a slot, ENOSPC when every
    // slot is taken, EEXIST when another container owns the cgroup. Nothing is left behind on
    // failure.
    Result<TracedContainer> add(const NewContainer& container);

    // Publishes the child cgroups `cgroup_ids` for the container in `slot`. One published
    // already (the kernel side saw it made) is fine; returns how many could not be published
    // (the cgroup map is full), which the caller counts as lost.
    std::size_t publish_children(std::uint32_t slot, const std::vector<std::uint64_t>& cgroup_ids);

    std::vector<TracedContainer> list() const;

    // A copy of what the kernel side recorded for the container in `slot`.
    Result<cradle_container> read(std::uint32_t slot) const;

    // The machine's runtime baseline (cradle_runtime_baseline).
    Result<cradle_runtime_baseline> runtime_baseline() const;

    // Stops tracing `snapshot`'s container: unpublishes its cgroups and frees its slot. What it
    // recorded is gone afterwards, so write its files first. When its workload started, its
    // runtime window joins the runtime baseline first, once per container: every later
    // recording is joined with it. A container not traced (any more) is not an error.
    Result<void> forget(const ContainerSnapshot& snapshot);

    // Stops tracing `id` without touching the baseline: undoes an add() whose registration
    // failed afterwards.
    Result<void> remove(const std::string& id);

private:
    ContainerMaps& m_maps;
    std::map<std::string, TracedContainer> m_containers;
};

}  // namespace cradle
