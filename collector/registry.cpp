#include "collector/registry.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cstring>
#include <ctime>
#include <set>

namespace cradle {

namespace {

Error map_error(const std::string& context) {
    const int code = errno;
    return Error{code, context + ": " + std::strerror(code)};
}

// Every directory beneath `directory`, depth first.
void collect_subdirectories(const std::string& directory, std::vector<std::string>& found) {
    DIR* handle = ::opendir(directory.c_str());
    if (!handle) {
        return;  // removed meanwhile: nothing beneath it to trace
    }
    while (const dirent* entry = ::readdir(handle)) {
        const std::string name = entry->d_name;
        if (entry->d_type != DT_DIR || name == "." || name == "..") {
            continue;
        }
        found.push_back(directory + "/" + name);
        collect_subdirectories(found.back(), found);
    }
    ::closedir(handle);
}

// A container slot's generation: never the same twice for one boot, which task storage
// does not outlive.
std::uint64_t boottime_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace

ContainerRegistry::ContainerRegistry(int cgroup_slots_fd, int containers_fd, std::uint32_t slots)
    : m_cgroup_slots_fd(cgroup_slots_fd), m_containers_fd(containers_fd), m_slots(slots) {}

Result<void> ContainerRegistry::load() {
    m_containers.clear();
    for (std::uint32_t slot = 0; slot < m_slots; ++slot) {
        auto container = read(slot);
        if (!container) {
            return container.error();
        }
        if (!container->in_use) {
            continue;
        }
        TracedContainer traced;
        traced.slot = slot;
        traced.cgroup_id = container->cgroup_id;
        traced.registered_at = static_cast<std::int64_t>(container->registered_at);
        traced.id.assign(container->id, strnlen(container->id, sizeof(container->id)));
        traced.name.assign(container->name, strnlen(container->name, sizeof(container->name)));
        m_containers[traced.id] = traced;
    }
    return {};
}

Result<TracedContainer> ContainerRegistry::add(const std::string& id, const std::string& name,
                                               const std::string& cgroup_dir, std::uint64_t cgroup_id,
                                               std::uint32_t init_pid) {
    if (id.size() >= CRADLE_ID_SIZE || name.size() >= CRADLE_NAME_SIZE) {
        return Error{ENAMETOOLONG, "the id (" + std::to_string(id.size()) + " bytes) or profile name (" +
                                       std::to_string(name.size()) + " bytes) does not fit its slot"};
    }
    if (const TracedContainer* existing = find(id)) {
        if (existing->cgroup_id != cgroup_id) {
            return Error{EEXIST, "the id is traced already for cgroup " + std::to_string(existing->cgroup_id) +
                                     ", which is still there"};
        }
        return *existing;
    }
    std::uint32_t owner = 0;
    if (bpf_map_lookup_elem(m_cgroup_slots_fd, &cgroup_id, &owner) == 0) {
        return Error{EEXIST, "cgroup \"" + cgroup_dir + "\" is traced already for another container"};
    }
    std::set<std::uint32_t> taken;
    for (const auto& [_, traced] : m_containers) {
        taken.insert(traced.slot);
    }
    std::uint32_t slot = 0;
    while (slot < m_slots && taken.count(slot)) {
        ++slot;
    }
    if (slot == m_slots) {
        return Error{ENOSPC, "every one of the " + std::to_string(m_slots) +
                                 " container slots is in use (cradled --max-containers)"};
    }

    // The slot is zeroed and described before any cgroup points at it, so the kernel side
    // never adds to a stale record.
    cradle_container container{};
    container.cgroup_id = cgroup_id;
    container.registered_at = static_cast<std::uint64_t>(std::time(nullptr));
    container.generation = boottime_ns();
    container.in_use = 1;
    container.init_pid = init_pid;
    std::memcpy(container.id, id.data(), id.size());
    std::memcpy(container.name, name.data(), name.size());
    if (bpf_map_update_elem(m_containers_fd, &slot, &container, BPF_ANY) != 0) {
        return map_error("writing container slot " + std::to_string(slot));
    }
    if (bpf_map_update_elem(m_cgroup_slots_fd, &cgroup_id, &slot, BPF_NOEXIST) != 0) {
        Error error = map_error("tracing cgroup \"" + cgroup_dir + "\"");
        container = cradle_container{};
        bpf_map_update_elem(m_containers_fd, &slot, &container, BPF_ANY);
        return error;
    }
    // Cgroups made beneath it from now on are added by the kernel side; these are the ones
    // that were there before.
    std::vector<std::string> children;
    collect_subdirectories(cgroup_dir, children);
    for (const std::string& child : children) {
        struct stat status {};
        if (::stat(child.c_str(), &status) == 0) {
            const std::uint64_t child_id = status.st_ino;
            bpf_map_update_elem(m_cgroup_slots_fd, &child_id, &slot, BPF_NOEXIST);
        }
    }

    TracedContainer traced{slot, cgroup_id, static_cast<std::int64_t>(container.registered_at), id, name};
    m_containers[id] = traced;
    return traced;
}

const TracedContainer* ContainerRegistry::find(const std::string& id) const {
    const auto found = m_containers.find(id);
    return found == m_containers.end() ? nullptr : &found->second;
}

std::vector<TracedContainer> ContainerRegistry::list() const {
    std::vector<TracedContainer> all;
    for (const auto& [_, traced] : m_containers) {
        all.push_back(traced);
    }
    return all;
}

Result<cradle_container> ContainerRegistry::read(std::uint32_t slot) const {
    cradle_container container{};
    if (bpf_map_lookup_elem(m_containers_fd, &slot, &container) != 0) {
        return map_error("reading container slot " + std::to_string(slot));
    }
    return container;
}

Result<void> ContainerRegistry::remove(const std::string& id) {
    const TracedContainer* traced = find(id);
    if (!traced) {
        return {};
    }
    const std::uint32_t slot = traced->slot;
    std::vector<std::uint64_t> cgroups;
    std::uint64_t key = 0;
    void* previous = nullptr;
    while (bpf_map_get_next_key(m_cgroup_slots_fd, previous, &key) == 0) {
        std::uint32_t owner = 0;
        if (bpf_map_lookup_elem(m_cgroup_slots_fd, &key, &owner) == 0 && owner == slot) {
            cgroups.push_back(key);
        }
        previous = &key;
    }
    for (std::uint64_t cgroup : cgroups) {
        bpf_map_delete_elem(m_cgroup_slots_fd, &cgroup);
    }
    const cradle_container empty{};
    if (bpf_map_update_elem(m_containers_fd, &slot, &empty, BPF_ANY) != 0) {
        return map_error("freeing container slot " + std::to_string(slot));
    }
    m_containers.erase(id);
    return {};
}

}  // namespace cradle
