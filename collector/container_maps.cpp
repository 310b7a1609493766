#include "collector/container_maps.h"

#include <bpf/bpf.h>

#include <string>
#include <vector>

namespace cradle {

namespace {

constexpr std::uint32_t k_baseline_key = 0;

}  // namespace

BpfContainerMaps::BpfContainerMaps(int containers_fd, int cgroup_slots_fd, int runtime_baseline_fd, std::uint32_t slots)
    : m_containers_fd(containers_fd),
      m_cgroup_slots_fd(cgroup_slots_fd),
      m_runtime_baseline_fd(runtime_baseline_fd),
      m_slots(slots) {}

Result<cradle_container> BpfContainerMaps::read_slot(std::uint32_t slot) const {
    cradle_container container{};
    if (bpf_map_lookup_elem(m_containers_fd, &slot, &container) != 0) {
        return system_error("reading container slot " + std::to_string(slot));
    }
    return container;
}

Result<void> BpfContainerMaps::write_slot(std::uint32_t slot, const cradle_container& container) {
    if (bpf_map_update_elem(m_containers_fd, &slot, &container, BPF_ANY) != 0) {
        return system_error("writing container slot " + std::to_string(slot));
    }
    return {};
}

Result<std::optional<std::uint32_t>> BpfContainerMaps::cgroup_owner(std::uint64_t cgroup_id) const {
    std::uint32_t slot = 0;
    if (bpf_map_lookup_elem(m_cgroup_slots_fd, &cgroup_id, &slot) == 0) {
        return std::optional<std::uint32_t>(slot);
    }
    if (errno == ENOENT) {
        return std::optional<std::uint32_t>();
    }
    return system_error("looking up cgroup " + std::to_string(cgroup_id));
}

Result<void> BpfContainerMaps::publish_cgroup(std::uint64_t cgroup_id, std::uint32_t slot) {
    if (bpf_map_update_elem(m_cgroup_slots_fd, &cgroup_id, &slot, BPF_NOEXIST) != 0) {
        return system_error("publishing cgroup " + std::to_string(cgroup_id));
    }
    return {};
}

Result<void> BpfContainerMaps::unpublish_cgroups(std::uint32_t slot) {
    // Collected first: deleting while iterating would restart the walk.
    std::vector<std::uint64_t> cgroups;
    std::uint64_t key = 0;
    const void* previous = nullptr;
    while (bpf_map_get_next_key(m_cgroup_slots_fd, previous, &key) == 0) {
        std::uint32_t owner = 0;
        if (bpf_map_lookup_elem(m_cgroup_slots_fd, &key, &owner) == 0 && owner == slot) {
            cgroups.push_back(key);
        }
        previous = &key;
    }
    for (std::uint64_t cgroup : cgroups) {
        // ENOENT: the kernel side removed it meanwhile (cgroup_rmdir).
        if (bpf_map_delete_elem(m_cgroup_slots_fd, &cgroup) != 0 && errno != ENOENT) {
            return system_error("unpublishing cgroup " + std::to_string(cgroup));
        }
    }
    return {};
}

Result<cradle_runtime_baseline> BpfContainerMaps::read_baseline() const {
    cradle_runtime_baseline baseline{};
    if (bpf_map_lookup_elem(m_runtime_baseline_fd, &k_baseline_key, &baseline) != 0) {
        return system_error("reading the runtime baseline");
    }
    return baseline;
}

Result<void> BpfContainerMaps::write_baseline(const cradle_runtime_baseline& baseline) {
    if (bpf_map_update_elem(m_runtime_baseline_fd, &k_baseline_key, &baseline, BPF_ANY) != 0) {
        return system_error("writing the runtime baseline");
    }
    return {};
}

}  // namespace cradle
