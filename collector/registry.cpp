#include "collector/registry.h"

#include <cstring>
#include <ctime>
#include <set>

#include "profilegen/kernel_record.h"

namespace cradle {

namespace {

// A container slot's generation: never the same twice for one boot, which task storage
// does not outlive.
std::uint64_t boottime_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
}

template <std::size_t N>
std::string text_of(const char (&field)[N]) {
    return std::string(field, strnlen(field, N));
}

// Copies `text` into `field` when it fits with its NUL; leaves `field` empty (unknown) otherwise.
template <std::size_t N>
void store_text(char (&field)[N], const std::string& text) {
    if (text.size() < N) {
        std::memcpy(field, text.data(), text.size());
    }
}

TracedContainer traced_from(std::uint32_t slot, const cradle_container& container) {
    TracedContainer traced;
    traced.slot = slot;
    traced.cgroup_id = container.cgroup_id;
    traced.registered_at = static_cast<std::int64_t>(container.registered_at);
    traced.id = text_of(container.id);
    traced.name = text_of(container.name);
    traced.runtime = checked_runtime(
        {text_of(container.runtime_name), text_of(container.runtime_path), text_of(container.runtime_manager)});
    return traced;
}

}  // namespace

IdReuse id_reuse(const std::optional<ContainerSnapshot>& existing, std::uint64_t cgroup_id) {
    if (!existing) {
        return IdReuse::New;
    }
    if (existing->traced.cgroup_id == cgroup_id) {
        return IdReuse::Again;
    }
    return existing->cgroup_removed() ? IdReuse::ReplaceGone : IdReuse::Conflict;
}

ContainerRegistry::ContainerRegistry(ContainerMaps& maps) : m_maps(maps) {}

Result<void> ContainerRegistry::load() {
    m_containers.clear();
    for (std::uint32_t slot = 0; slot < m_maps.slots(); ++slot) {
        auto container = m_maps.read_slot(slot);
        if (!container) {
            return container.error();
        }
        if (container->in_use) {
            TracedContainer traced = traced_from(slot, *container);
            m_containers[traced.id] = std::move(traced);
        }
    }
    return {};
}

Result<std::optional<ContainerSnapshot>> ContainerRegistry::lookup(const std::string& id) const {
    const auto found = m_containers.find(id);
    if (found == m_containers.end()) {
        return std::optional<ContainerSnapshot>();
    }
    auto kernel = m_maps.read_slot(found->second.slot);
    if (!kernel) {
        return kernel.error();
    }
    return std::optional<ContainerSnapshot>(ContainerSnapshot{found->second, *kernel});
}

Result<TracedContainer> ContainerRegistry::add(const NewContainer& request) {
    if (request.id.size() >= CRADLE_ID_SIZE || request.name.size() >= CRADLE_NAME_SIZE) {
        return Error{ENAMETOOLONG, "the id (" + std::to_string(request.id.size()) + " bytes) or profile name (" +
                                       std::to_string(request.name.size()) + " bytes) does not fit its slot"};
    }
    if (m_containers.count(request.id)) {
        return Error{EEXIST, "the id is traced already"};
    }
    auto owner = m_maps.cgroup_owner(request.cgroup_id);
    if (!owner) {
        return owner.error();
    }
    if (*owner) {
        return Error{EEXIST, "cgroup \"" + request.cgroup_dir + "\" is traced already for another container"};
    }
    std::set<std::uint32_t> taken;
    for (const auto& [_, traced] : m_containers) {
        taken.insert(traced.slot);
    }
    std::uint32_t slot = 0;
    while (slot < m_maps.slots() && taken.count(slot)) {
        ++slot;
    }
    if (slot == m_maps.slots()) {
        return Error{ENOSPC, "every one of the " + std::to_string(m_maps.slots()) +
                                 " container slots is in use (cradled --max-containers)"};
    }

    cradle_container container{};
    container.cgroup_id = request.cgroup_id;
    container.registered_at = static_cast<std::uint64_t>(std::time(nullptr));
    container.generation = boottime_ns();
    container.in_use = 1;
    container.init_pid = request.init_pid;
    std::memcpy(container.id, request.id.data(), request.id.size());
    std::memcpy(container.name, request.name.data(), request.name.size());
    store_text(container.runtime_name, request.runtime.name);
    store_text(container.runtime_path, request.runtime.path);
    store_text(container.runtime_manager, request.runtime.manager);
    if (auto written = m_maps.write_slot(slot, container); !written) {
        return written.error();
    }
    if (auto published = m_maps.publish_cgroup(request.cgroup_id, slot); !published) {
        (void)m_maps.write_slot(slot, cradle_container{});  // the publish's error says what went wrong
        return with_context(published.error(), "tracing cgroup \"" + request.cgroup_dir + "\"");
    }
    TracedContainer traced = traced_from(slot, container);
    m_containers[traced.id] = traced;
    return traced;
}

std::size_t ContainerRegistry::publish_children(std::uint32_t slot, const std::vector<std::uint64_t>& cgroup_ids) {
    std::size_t not_published = 0;
    for (std::uint64_t child : cgroup_ids) {
        // EEXIST: the kernel side saw it made after its parent was published, and published it.
        auto published = m_maps.publish_cgroup(child, slot);
        not_published += !published && published.error().code != EEXIST;
    }
    return not_published;
}

std::vector<TracedContainer> ContainerRegistry::list() const {
    std::vector<TracedContainer> all;
    for (const auto& [_, traced] : m_containers) {
        all.push_back(traced);
    }
    return all;
}

Result<cradle_container> ContainerRegistry::read(std::uint32_t slot) const { return m_maps.read_slot(slot); }

Result<cradle_runtime_baseline> ContainerRegistry::runtime_baseline() const { return m_maps.read_baseline(); }

Result<void> ContainerRegistry::forget(const ContainerSnapshot& snapshot) {
    if (!m_containers.count(snapshot.traced.id)) {
        return {};
    }
    const cradle_record& record = snapshot.kernel.record;
    if (workload_started(record)) {
        auto baseline = m_maps.read_baseline();
        if (!baseline) {
            return baseline.error();
        }
        if (add_to_baseline(*baseline, record)) {
            if (auto written = m_maps.write_baseline(*baseline); !written) {
                return written.error();
            }
        }
    }
    return remove(snapshot.traced.id);
}

Result<void> ContainerRegistry::remove(const std::string& id) {
    const auto found = m_containers.find(id);
    if (found == m_containers.end()) {
        return {};
    }
    const std::uint32_t slot = found->second.slot;
    if (auto unpublished = m_maps.unpublish_cgroups(slot); !unpublished) {
        return unpublished.error();
    }
    if (auto freed = m_maps.write_slot(slot, cradle_container{}); !freed) {
        return with_context(freed.error(), "freeing container slot " + std::to_string(slot));
    }
    m_containers.erase(found);
    return {};
}

}  // namespace cradle
