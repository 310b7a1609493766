// ContainerRegistry: which containers are traced, kept in the pinned maps themselves so
// that a restarted collector finds them again (load()).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "cradle_abi.h"

namespace cradle {

struct TracedContainer {
    std::uint32_t slot = 0;
    std::uint64_t cgroup_id = 0;
    std::int64_t registered_at = 0;  // CLOCK_REALTIME seconds
    std::string id;
    std::string name;  // expanded profile name
};

class ContainerRegistry {
public:
    // Borrows the fds of the cgroup_slots and containers maps (see cradle_abi.h); the
    // containers map has `slots` entries.
    ContainerRegistry(int cgroup_slots_fd, int containers_fd, std::uint32_t slots);

    // Rebuilds the index from the containers map, e.g. after a collector restart.
    Result<void> load();

    // Starts tracing: zeroes a free slot, writes the metadata (with `init_pid`, whose exec
    // starts the workload), then publishes the cgroup and the cgroups that already exist
    // beneath `cgroup_dir` in cgroup_slots (later ones are added by the kernel side).
    // Registering an id that is traced already for the same cgroup returns the existing
    // entry unchanged (runtimes may run a hook twice); for another cgroup it is EEXIST.
    // ENOSPC when every slot is taken, EEXIST when another container owns the cgroup.
    Result<TracedContainer> add(const std::string& id, const std::string& name, const std::string& cgroup_dir,
                                std::uint64_t cgroup_id, std::uint32_t init_pid);

    const TracedContainer* find(const std::string& id) const;
    std::vector<TracedContainer> list() const;

    // A copy of what the kernel side recorded for the container in `slot`.
    Result<cradle_container> read(std::uint32_t slot) const;

    // Stops tracing `id`: removes every cgroup_slots entry of its slot and frees the slot.
    // What was recorded is gone afterwards, so flush first.
    Result<void> remove(const std::string& id);

private:
    int m_cgroup_slots_fd;
    int m_containers_fd;
    std::uint32_t m_slots;
    std::map<std::string, TracedContainer> m_containers;
};

}  // namespace cradle
