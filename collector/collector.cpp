#include "collector/collector.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <ctime>
#include <limits>

#include "collector/cgroup.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "profilegen/profile_store.h"

namespace cradle {

namespace {

nlohmann::json failure(const std::string& message) { return {{"ok", false}, {"error", message}}; }

std::string timestamp(std::int64_t seconds) {
    const std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

int count_bits(const cradle_u64* words, int count) {
    int bits = 0;
    for (int i = 0; i < count; ++i) {
        bits += __builtin_popcountll(words[i]);
    }
    return bits;
}

}  // namespace

Collector::Collector(Tracer& tracer, UniqueFd output_dir, std::string output_dir_path, std::string pin_dir)
    : m_tracer(tracer),
      m_registry(tracer.cgroup_slots_fd(), tracer.containers_fd(), tracer.max_containers()),
      m_output_dir(std::move(output_dir)),
      m_output_dir_path(std::move(output_dir_path)),
      m_pin_dir(std::move(pin_dir)),
      m_architectures(host_architectures()) {}

Result<void> Collector::load() {
    if (auto loaded = m_registry.load(); !loaded) {
        return loaded;
    }
    // A collector that stopped between publishing a cgroup and marking its tasks left them
    // unmarked; marking again is harmless.
    return m_tracer.adopt_tasks();
}

Result<TracedContainer> Collector::register_container(const std::string& id, std::int64_t pid,
                                                      const nlohmann::json& annotations,
                                                      std::vector<FlushOutcome>& flushed) {
    const std::string context = "registering container \"" + printable_value(id) + "\"";
    const bool printable = std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '/'; });
    if (id.empty() || id.size() >= CRADLE_ID_SIZE || !printable) {
        return Error{EINVAL, context + ": the id must be 1 to " + std::to_string(CRADLE_ID_SIZE - 1) +
                                 " printable ASCII characters without '/'"};
    }
    if (pid <= 1 || pid > std::numeric_limits<pid_t>::max()) {
        return Error{EINVAL, context + ": no usable init pid (" + std::to_string(pid) + ")"};
    }
    if (!annotations.is_object() || !annotations.contains(k_profile_annotation) ||
        !annotations[k_profile_annotation].is_string()) {
        return Error{EINVAL, context + ": no \"" + std::string(k_profile_annotation) + "\" annotation"};
    }
    auto name = expand_profile_name(annotations[k_profile_annotation].get<std::string>(), std::time(nullptr));
    if (!name) {
        return with_context(name.error(), context);
    }
    auto cgroup = m_cgroups.locate(static_cast<pid_t>(pid));
    if (!cgroup) {
        return with_context(cgroup.error(), context);
    }
    if (const TracedContainer* previous = m_registry.find(id); previous && previous->cgroup_id != cgroup->id) {
        // The runtime reused the id before the old container was flushed.
        auto old = m_registry.read(previous->slot);
        if (old && (old->record.flags & CRADLE_RECORD_CGROUP_REMOVED)) {
            auto outcome = flush(id);
            if (!outcome) {
                return with_context(outcome.error(), context);
            }
            flushed.push_back(*outcome);
        }
    }
    const bool registered_before = m_registry.find(id) != nullptr;
    auto traced = m_registry.add(id, *name, cgroup->path, cgroup->id, static_cast<std::uint32_t>(pid));
    if (!traced) {
        return with_context(traced.error(), context);
    }
    // The init process waits in the cgroup: mark it (and anything else there) before the
    // hook returns and the runtime lets it exec.
    if (auto adopted = adopt_tasks_in(cgroup->path); !adopted) {
        if (!registered_before) {  // a hook run twice must not lose what the first one started
            auto removed = m_registry.remove(id);
            (void)removed;  // the registration failed either way; its error says why
        }
        return with_context(adopted.error(), context);
    }
    return traced;
}

Result<void> Collector::adopt_tasks_in(const std::string& cgroup_dir) {
    // Read after the cgroup was published: a task that arrives later is marked by the
    // kernel side, so what is listed now is all that needs the iterator.
    auto processes = processes_of_leaf_cgroup(cgroup_dir);
    if (!processes || processes->size() > k_max_processes_adopted_one_by_one) {
        return m_tracer.adopt_tasks();
    }
    for (pid_t pid : *processes) {
        // Threads that start after this count are marked by the kernel side; one that is
        // missed makes the walk visit fewer than were counted.
        auto threads = count_threads(pid);
        auto visited = threads ? m_tracer.adopt_process(pid) : Result<std::size_t>(threads.error());
        if (!visited || *visited < *threads) {
            // A walk cut short, a process gone meanwhile, or a kernel without task-scoped
            // iterators (before 6.1).
            return m_tracer.adopt_tasks();
        }
    }
    return {};
}

Result<FlushOutcome> Collector::flush(const std::string& id) {
    FlushOutcome outcome;
    outcome.id = id;
    const TracedContainer* traced = m_registry.find(id);
    if (!traced) {
        return outcome;
    }
    const std::string context = "flushing container \"" + printable_value(id) + "\"";
    outcome.name = traced->name;
    auto container = m_registry.read(traced->slot);
    if (!container) {
        return with_context(container.error(), context);
    }
    const cradle_record& record = container->record;

    const std::uint32_t baseline_key = 0;
    cradle_runtime_baseline baseline{};
    if (bpf_map_lookup_elem(m_tracer.runtime_baseline_fd(), &baseline_key, &baseline) != 0) {
        return with_context(system_error("reading the runtime baseline"), context);
    }
    const bool gone = record.flags & CRADLE_RECORD_CGROUP_REMOVED;

    const Recording recording = decode_record(record, baseline, m_architectures);
    const std::string header = "Cradle tracefile for profile \"" + traced->name + "\"\nlast container: \"" + id +
                               "\", registered " + timestamp(traced->registered_at) +
                               "\ncapability checks observed through " +
                               capability_source_name(m_tracer.capability_source());
    auto stored = store_recording(m_output_dir.get(), traced->name, recording, header, DirectorySync::by_caller);
    if (!stored) {
        return with_context(stored.error(), context);
    }
    outcome.files = {stored->seccomp_profile, stored->tracefile};
    outcome.incomplete_reasons = recording.incomplete_reasons;

    if (gone) {
        // Once per container: its runtime window joins the machine's baseline, which every
        // later recording is joined with.
        if (workload_started(record) && add_to_baseline(baseline, record)) {
            bpf_map_update_elem(m_tracer.runtime_baseline_fd(), &baseline_key, &baseline, BPF_ANY);
        }
        if (auto removed = m_registry.remove(id); !removed) {
            return with_context(removed.error(), context);
        }
        outcome.forgotten = true;
    }
    return outcome;
}

std::vector<GoneFlush> Collector::collect_gone(std::chrono::steady_clock::time_point until) {
    std::vector<GoneFlush> outcomes;
    for (const TracedContainer& traced : m_registry.list()) {
        if (std::chrono::steady_clock::now() >= until) {
            break;
        }
        auto container = m_registry.read(traced.slot);
        if (container && (container->record.flags & CRADLE_RECORD_CGROUP_REMOVED)) {
            outcomes.push_back({traced.id, flush(traced.id)});
        }
    }
    return outcomes;
}

nlohmann::json Collector::handle(const nlohmann::json& request, std::vector<FlushOutcome>& flushed) {
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
        return failure("request has no \"op\"");
    }
    const std::string op = request["op"];
    const auto string_field = [&](const char* key) {
        return request.contains(key) && request[key].is_string() ? request[key].get<std::string>() : std::string();
    };
    if (op == "register") {
        const std::int64_t pid =
            request.contains("pid") && request["pid"].is_number_integer() ? request["pid"].get<std::int64_t>() : 0;
        const nlohmann::json annotations = request.contains("annotations") ? request["annotations"] : nlohmann::json();
        auto traced = register_container(string_field("id"), pid, annotations, flushed);
        if (!traced) {
            return failure(traced.error().message);
        }
        return {{"ok", true}, {"name", traced->name}, {"slot", traced->slot}, {"cgroup_id", traced->cgroup_id}};
    }
    if (op == "flush") {
        auto outcome = flush(string_field("id"));
        if (!outcome) {
            return failure(outcome.error().message);
        }
        flushed.push_back(*outcome);
        return {{"ok", true},
                {"name", outcome->name},
                {"files", outcome->files},
                {"incomplete", outcome->incomplete_reasons},
                {"forgotten", outcome->forgotten}};
    }
    if (op == "status") {
        return status();
    }
    return failure("unknown op \"" + printable_value(op) + "\"");
}

nlohmann::json Collector::status() const {
    nlohmann::json containers = nlohmann::json::array();
    for (const TracedContainer& traced : m_registry.list()) {
        nlohmann::json entry = {{"id", traced.id},
                                {"name", traced.name},
                                {"cgroup_id", traced.cgroup_id},
                                {"registered", timestamp(traced.registered_at)}};
        if (auto container = m_registry.read(traced.slot)) {
            const cradle_record& record = container->record;
            entry["phase"] = phase_name(record.phase);
            entry["workload_syscalls"] =
                count_bits(&record.syscalls[CRADLE_PHASE_WORKLOAD][0][0], CRADLE_ABI_COUNT * CRADLE_SYSCALL_WORDS);
            entry["cgroup_removed"] = (record.flags & CRADLE_RECORD_CGROUP_REMOVED) != 0;
            entry["lost_syscalls"] = record.lost_syscalls;
            entry["lost_capabilities"] = record.lost_capabilities;
            entry["lost_cgroups"] = record.lost_cgroups;
            entry["lost_tasks"] = record.lost_tasks;
            entry["unclassified_capability_checks"] = record.unclassified_checks;
        }
        containers.push_back(entry);
    }
    const std::uint32_t baseline_key = 0;
    cradle_runtime_baseline baseline{};
    bpf_map_lookup_elem(m_tracer.runtime_baseline_fd(), &baseline_key, &baseline);
    return {{"ok", true},
            {"capability_source", capability_source_name(m_tracer.capability_source())},
            {"classifies_probes", m_tracer.classifies_probes()},
            {"marks_moved_threads", m_tracer.marks_moved_threads()},
            {"output_dir", m_output_dir_path},
            {"pin_dir", m_pin_dir},
            {"runtime_baseline_samples", baseline.samples},
            {"runtime_baseline_syscalls", count_bits(&baseline.syscalls[0][0], CRADLE_ABI_COUNT * CRADLE_SYSCALL_WORDS)},
            {"containers", containers}};
}

}  // namespace cradle
