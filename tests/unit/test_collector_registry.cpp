#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "collector/registry.h"
#include "common/container_runtime.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// The kernel maps, in memory, with the BPF maps' rules: publishing is BPF_NOEXIST, the cgroup
// map has a capacity, and a write can be made to fail.
class FakeContainerMaps final : public ContainerMaps {
public:
    explicit FakeContainerMaps(std::uint32_t slots, std::size_t max_cgroups = 64)
        : m_slots(slots, cradle_container{}), m_max_cgroups(max_cgroups) {}

    std::uint32_t slots() const override { return static_cast<std::uint32_t>(m_slots.size()); }
    Result<cradle_container> read_slot(std::uint32_t slot) const override {
        if (slot >= m_slots.size()) {
            return Error{ENOENT, "no slot " + std::to_string(slot)};
        }
        return m_slots[slot];
    }
    Result<void> write_slot(std::uint32_t slot, const cradle_container& container) override {
        if (slot >= m_slots.size()) {
            return Error{E2BIG, "no slot " + std::to_string(slot)};
        }
        m_slots[slot] = container;
        return {};
    }
    Result<std::optional<std::uint32_t>> cgroup_owner(std::uint64_t cgroup_id) const override {
        const auto found = cgroups.find(cgroup_id);
        return found == cgroups.end() ? std::optional<std::uint32_t>() : std::optional<std::uint32_t>(found->second);
    }
    Result<void> publish_cgroup(std::uint64_t cgroup_id, std::uint32_t slot) override {
        if (cgroups.count(cgroup_id)) {
            return Error{EEXIST, "publishing cgroup " + std::to_string(cgroup_id) + ": File exists"};
        }
        if (cgroups.size() >= m_max_cgroups) {
            return Error{E2BIG, "publishing cgroup " + std::to_string(cgroup_id) + ": Argument list too long"};
        }
        cgroups[cgroup_id] = slot;
        return {};
    }
    Result<void> unpublish_cgroups(std::uint32_t slot) override {
        std::erase_if(cgroups, [slot](const auto& entry) { return entry.second == slot; });
        return {};
    }
    Result<cradle_runtime_baseline> read_baseline() const override { return baseline; }
    Result<void> write_baseline(const cradle_runtime_baseline& written) override {
        if (fail_baseline_writes) {
            return Error{EIO, "writing the runtime baseline: Input/output error"};
        }
        baseline = written;
        return {};
    }

    // What the kernel side does: mark a container's cgroup gone, start its workload, record.
    cradle_container& slot(std::uint32_t index) { return m_slots.at(index); }

    std::map<std::uint64_t, std::uint32_t> cgroups;
    cradle_runtime_baseline baseline{};
    bool fail_baseline_writes = false;

private:
    std::vector<cradle_container> m_slots;
    std::size_t m_max_cgroups;
};

NewContainer container(const std::string& id, std::uint64_t cgroup_id) {
    return NewContainer{id, id + "-profile", "/sys/fs/cgroup/" + id, cgroup_id, 4242};
}

std::optional<ContainerSnapshot> looked_up(const ContainerRegistry& registry, const std::string& id) {
    auto found = registry.lookup(id);
    REQUIRE_MESSAGE(found.ok(), found.error().message);
    return *found;
}

}  // namespace

TEST_CASE("registry: add describes a zeroed slot, then publishes the cgroup; its children follow") {
    FakeContainerMaps maps(4);
    maps.slot(0).record.lost_syscalls = 99;  // a stale record the slot must not keep
    ContainerRegistry registry(maps);
    auto added = registry.add(container("web", 100));
    REQUIRE_MESSAGE(added.ok(), added.error().message);
    CHECK(added->slot == 0);
    CHECK(added->id == "web");
    CHECK(added->name == "web-profile");
    CHECK(maps.slot(0).in_use == 1);
    CHECK(maps.slot(0).init_pid == 4242);
    CHECK(maps.slot(0).cgroup_id == 100);
    CHECK(maps.slot(0).generation != 0);
    CHECK(maps.slot(0).record.lost_syscalls == 0);
    CHECK(std::string(maps.slot(0).id) == "web");
    CHECK(maps.cgroups == std::map<std::uint64_t, std::uint32_t>{{100, 0}});
    maps.cgroups[102] = 0;  // made after the publish: the kernel side added it
    CHECK(registry.publish_children(0, {101, 102}) == 0);
    CHECK(maps.cgroups == std::map<std::uint64_t, std::uint32_t>{{100, 0}, {101, 0}, {102, 0}});

    auto snapshot = looked_up(registry, "web");
    REQUIRE(snapshot);
    CHECK(snapshot->traced.cgroup_id == 100);
    CHECK(snapshot->kernel.in_use == 1);
    CHECK_FALSE(looked_up(registry, "other"));
}

TEST_CASE("registry: the id-reuse rule") {
    FakeContainerMaps maps(4);
    ContainerRegistry registry(maps);
    CHECK(id_reuse(std::nullopt, 100) == IdReuse::New);
    REQUIRE(registry.add(container("web", 100)).ok());
    auto snapshot = looked_up(registry, "web");
    REQUIRE(snapshot);
    CHECK(id_reuse(snapshot, 100) == IdReuse::Again);
    CHECK(id_reuse(snapshot, 200) == IdReuse::Conflict);
    maps.slot(snapshot->traced.slot).record.flags |= CRADLE_RECORD_CGROUP_REMOVED;
    snapshot = looked_up(registry, "web");
    CHECK(id_reuse(snapshot, 200) == IdReuse::ReplaceGone);
    CHECK(id_reuse(snapshot, 100) == IdReuse::Again);
}

TEST_CASE("registry: add refuses a traced id, a taken cgroup, a full map and names too long, leaving nothing") {
    FakeContainerMaps maps(2);
    ContainerRegistry registry(maps);
    REQUIRE(registry.add(container("web", 100)).ok());

    auto again = registry.add(container("web", 100));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == EEXIST);

    auto taken = registry.add(container("db", 100));
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().code == EEXIST);
    CHECK(contains(taken.error().message, "traced already for another container"));
    CHECK_FALSE(looked_up(registry, "db"));
    CHECK(maps.slot(1).in_use == 0);

    auto long_id = registry.add(container(std::string(CRADLE_ID_SIZE, 'x'), 300));
    REQUIRE_FALSE(long_id.ok());
    CHECK(long_id.error().code == ENAMETOOLONG);

    REQUIRE(registry.add(container("db", 200)).ok());
    auto full = registry.add(container("cache", 300));
    REQUIRE_FALSE(full.ok());
    CHECK(full.error().code == ENOSPC);
    CHECK(contains(full.error().message, "--max-containers"));
    CHECK(maps.cgroups.size() == 2);
}

TEST_CASE("registry: a cgroup that cannot be published rolls the slot back") {
    FakeContainerMaps maps(2, 1);
    ContainerRegistry registry(maps);
    REQUIRE(registry.add(container("web", 100)).ok());
    auto refused = registry.add(container("db", 200));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == E2BIG);
    CHECK(contains(refused.error().message, "tracing cgroup \"/sys/fs/cgroup/db\""));
    CHECK(maps.slot(1).in_use == 0);
    CHECK_FALSE(looked_up(registry, "db"));
    // A child cgroup that does not fit is counted for the caller, who counts it as lost.
    FakeContainerMaps small(2, 2);
    ContainerRegistry with_children(small);
    REQUIRE(with_children.add(container("web", 100)).ok());
    CHECK(with_children.publish_children(0, {101, 102, 103}) == 2);
    CHECK(small.cgroups == std::map<std::uint64_t, std::uint32_t>{{100, 0}, {101, 0}});
}

TEST_CASE("registry: forget frees the slot and its cgroups, and joins a started workload's runtime window") {
    FakeContainerMaps maps(2);
    ContainerRegistry registry(maps);
    REQUIRE(registry.add(container("web", 100)).ok());
    CHECK(registry.publish_children(0, {101}) == 0);
    REQUIRE(registry.add(container("never-started", 200)).ok());
    maps.slot(0).record.phase = CRADLE_PHASE_WORKLOAD;
    maps.slot(0).record.syscalls[CRADLE_PHASE_RUNTIME][CRADLE_ABI_NATIVE][0] = 0b1010;
    maps.slot(1).record.phase = CRADLE_PHASE_SETUP;
    maps.slot(1).record.syscalls[CRADLE_PHASE_RUNTIME][CRADLE_ABI_NATIVE][0] = 0b0100;

    auto web = looked_up(registry, "web");
    REQUIRE(web);
    REQUIRE(registry.forget(*web).ok());
    CHECK_FALSE(looked_up(registry, "web"));
    CHECK(maps.slot(0).in_use == 0);
    CHECK(maps.cgroups == std::map<std::uint64_t, std::uint32_t>{{200, 1}});
    CHECK(maps.baseline.syscalls[CRADLE_ABI_NATIVE][0] == 0b1010);
    CHECK(maps.baseline.samples == 1);

    // Only a workload that started says what the runtime's window is.
    auto unstarted = looked_up(registry, "never-started");
    REQUIRE(unstarted);
    REQUIRE(registry.forget(*unstarted).ok());
    CHECK(maps.baseline.syscalls[CRADLE_ABI_NATIVE][0] == 0b1010);
    CHECK(maps.baseline.samples == 1);

    // Once per container: forgetting it again changes nothing.
    REQUIRE(registry.forget(*web).ok());
    CHECK(maps.baseline.samples == 1);
}

TEST_CASE("registry: a baseline that cannot be written keeps the container, to be forgotten at a retry") {
    FakeContainerMaps maps(2);
    ContainerRegistry registry(maps);
    REQUIRE(registry.add(container("web", 100)).ok());
    maps.slot(0).record.phase = CRADLE_PHASE_WORKLOAD;
    maps.slot(0).record.syscalls[CRADLE_PHASE_RUNTIME][CRADLE_ABI_NATIVE][0] = 1;
    maps.fail_baseline_writes = true;
    auto web = looked_up(registry, "web");
    auto failed = registry.forget(*web);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == EIO);
    CHECK(looked_up(registry, "web"));
    CHECK(maps.cgroups.count(100));
    maps.fail_baseline_writes = false;
    REQUIRE(registry.forget(*web).ok());
    CHECK_FALSE(looked_up(registry, "web"));
    CHECK(maps.baseline.samples == 1);
}

TEST_CASE("registry: remove undoes an add without touching the baseline; load finds what the maps hold") {
    FakeContainerMaps maps(3);
    {
        ContainerRegistry registry(maps);
        REQUIRE(registry.add(container("web", 100)).ok());
        REQUIRE(registry.add(container("db", 200)).ok());
        maps.slot(1).record.phase = CRADLE_PHASE_WORKLOAD;
        maps.slot(1).record.syscalls[CRADLE_PHASE_RUNTIME][CRADLE_ABI_NATIVE][0] = 1;
        REQUIRE(registry.remove("db").ok());
        REQUIRE(registry.remove("db").ok());  // not traced: not an error
        CHECK(maps.baseline.samples == 0);
        CHECK(maps.slot(1).in_use == 0);
    }
    // A restarted collector: the registry is rebuilt from the maps alone.
    ContainerRegistry restarted(maps);
    REQUIRE(restarted.load().ok());
    const auto all = restarted.list();
    REQUIRE(all.size() == 1);
    CHECK(all[0].id == "web");
    CHECK(all[0].name == "web-profile");
    CHECK(all[0].cgroup_id == 100);
    // Its next container takes the slot that is free, not the one in use.
    auto next = restarted.add(container("db", 200));
    REQUIRE(next.ok());
    CHECK(next->slot == 1);
}

TEST_CASE("registry: the runtime is kept in the slot, so a restarted collector still knows it") {
    FakeContainerMaps maps(4);
    ContainerRegistry registry(maps);
    NewContainer web = container("web", 100);
    web.runtime = {"runc", "/usr/sbin/runc", "docker"};
    auto added = registry.add(web);
    REQUIRE_MESSAGE(added.ok(), added.error().message);
    CHECK(added->runtime == web.runtime);
    CHECK(std::string(maps.slot(0).runtime_name) == "runc");
    CHECK(std::string(maps.slot(0).runtime_path) == "/usr/sbin/runc");
    CHECK(std::string(maps.slot(0).runtime_manager) == "docker");
    REQUIRE(registry.add(container("db", 101)).ok());  // a runtime not known

    ContainerRegistry restarted(maps);
    REQUIRE(restarted.load().ok());
    auto snapshot = looked_up(restarted, "web");
    REQUIRE(snapshot);
    CHECK(snapshot->traced.runtime == web.runtime);
    auto unknown = looked_up(restarted, "db");
    REQUIRE(unknown);
    CHECK_FALSE(unknown->traced.runtime.known());

    // What a slot holds is checked again when read. The longest path the rules allow, filling the
    // field but for its NUL, is read back whole.
    const std::string longest = "/" + std::string(k_max_runtime_path_length - 1, 'a');
    static_assert(sizeof(maps.slot(0).runtime_path) == k_max_runtime_path_length + 1);
    std::memcpy(maps.slot(0).runtime_path, longest.c_str(), longest.size() + 1);
    REQUIRE(restarted.load().ok());
    snapshot = looked_up(restarted, "web");
    REQUIRE(snapshot);
    CHECK(snapshot->traced.runtime == ContainerRuntime{"runc", longest, "docker"});

    // A path without its NUL ('/' and valid bytes to the field's end) reads as unknown, and the
    // read stops at the field's end: the manager after it is read as itself. Bytes breaking the
    // rules read as unknown too.
    maps.slot(0).runtime_path[0] = '/';
    std::memset(maps.slot(0).runtime_path + 1, 'a', sizeof(maps.slot(0).runtime_path) - 1);
    maps.slot(0).runtime_name[0] = '\n';
    REQUIRE(restarted.load().ok());
    snapshot = looked_up(restarted, "web");
    REQUIRE(snapshot);
    CHECK(snapshot->traced.runtime == ContainerRuntime{"", "", "docker"});
}
