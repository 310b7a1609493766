// ContainerMaps: the kernel maps that say which containers are traced and what they did
// (cradle_abi.h: containers, cgroup_slots, runtime_baseline), as the operations the
// collector needs of them. ContainerRegistry is their one user; BpfContainerMaps reaches
// the real maps, and unit tests give the registry an in-memory stand-in instead.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "cradle_abi.h"

namespace cradle {

class ContainerMaps {
public:
    virtual ~ContainerMaps() = default;

    // Entries of the containers map: slots are 0..slots()-1.
    virtual std::uint32_t slots() const = 0;

    // A copy of the container slot `slot`.
    virtual Result<cradle_container> read_slot(std::uint32_t slot) const = 0;
    // Replaces the whole slot.
    virtual Result<void> write_slot(std::uint32_t slot, const cradle_container& container) = 0;

    // The slot that cgroup `cgroup_id` is published for, or nullopt when none.
    virtual Result<std::optional<std::uint32_t>> cgroup_owner(std::uint64_t cgroup_id) const = 0;
    // Publishes cgroup `cgroup_id` for `slot`: from then on the kernel side records what its
    // tasks do there. EEXIST when the cgroup is published already (for any slot); ENOSPC (or
    // E2BIG) when the map is full.
    virtual Result<void> publish_cgroup(std::uint64_t cgroup_id, std::uint32_t slot) = 0;
    // Removes every cgroup published for `slot`.
    virtual Result<void> unpublish_cgroups(std::uint32_t slot) = 0;

    // The runtime baseline (cradle_runtime_baseline), and replacing it.
    virtual Result<cradle_runtime_baseline> read_baseline() const = 0;
    virtual Result<void> write_baseline(const cradle_runtime_baseline& baseline) = 0;
};

// The maps of a loaded Tracer, by their fds (borrowed: the Tracer must outlive this).
class BpfContainerMaps final : public ContainerMaps {
public:
    BpfContainerMaps(int containers_fd, int cgroup_slots_fd, int runtime_baseline_fd, std::uint32_t slots);

    std::uint32_t slots() const override { return m_slots; }
    Result<cradle_container> read_slot(std::uint32_t slot) const override;
    Result<void> write_slot(std::uint32_t slot, const cradle_container& container) override;
    Result<std::optional<std::uint32_t>> cgroup_owner(std::uint64_t cgroup_id) const override;
    Result<void> publish_cgroup(std::uint64_t cgroup_id, std::uint32_t slot) override;
    Result<void> unpublish_cgroups(std::uint32_t slot) override;
    Result<cradle_runtime_baseline> read_baseline() const override;
    Result<void> write_baseline(const cradle_runtime_baseline& baseline) override;

private:
    int m_containers_fd;
    int m_cgroup_slots_fd;
    int m_runtime_baseline_fd;
    std::uint32_t m_slots;
};

}  // namespace cradle
