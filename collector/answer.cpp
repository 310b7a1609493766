#include "collector/answer.h"

#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/utc_time.h"

namespace cradle {

namespace {

int count_bits(const cradle_u64* words, int count) {
    int bits = 0;
    for (int i = 0; i < count; ++i) {
        bits += __builtin_popcountll(words[i]);
    }
    return bits;
}

nlohmann::json container_status(const ContainerStatus& container) {
    const TracedContainer& traced = container.traced;
    nlohmann::json entry = {{"id", traced.id},
                            {"name", traced.name},
                            {"cgroup_id", traced.cgroup_id},
                            {"registered", utc_timestamp(traced.registered_at)}};
    if (container.record) {
        const cradle_record& record = *container.record;
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
    return entry;
}

}  // namespace

std::string answer_failure(const std::string& message) { return dump_json({{"ok", false}, {"error", message}}); }

std::string answer_registered(const Registration& registration) {
    const TracedContainer& traced = registration.traced;
    return dump_json({{"ok", true}, {"name", traced.name}, {"slot", traced.slot}, {"cgroup_id", traced.cgroup_id}});
}

std::string answer_flushed(const FlushOutcome& outcome) {
    return dump_json({{"ok", true},
                      {"name", outcome.name},
                      {"files", outcome.files},
                      {"incomplete", outcome.incomplete_reasons},
                      {"forgotten", outcome.forgotten},
                      {"never_started", outcome.never_started}});
}

std::string answer_status(const CollectorStatus& status) {
    nlohmann::json containers = nlohmann::json::array();
    for (const ContainerStatus& container : status.containers) {
        containers.push_back(container_status(container));
    }
    const cradle_runtime_baseline& baseline = status.runtime_baseline;
    nlohmann::json kernel_errors = nullptr;
    if (status.kernel_errors) {
        kernel_errors = {{"lost_pending_checks", status.kernel_errors->lost_pending_checks},
                         {"lost_joiner_phases", status.kernel_errors->lost_joiner_phases},
                         {"lost_inherited_phases", status.kernel_errors->lost_inherited_phases}};
    }
    return dump_json(
        {{"ok", true},
         {"capability_source", capability_source_name(status.capability_source)},
         {"classifies_probes", status.classifies_probes},
         {"marks_moved_threads", status.marks_moved_threads},
         {"output_dir", status.output_dir},
         {"pin_dir", status.pin_dir},
         {"runtime_baseline_samples", baseline.samples},
         {"runtime_baseline_syscalls", count_bits(&baseline.syscalls[0][0], CRADLE_ABI_COUNT * CRADLE_SYSCALL_WORDS)},
         {"kernel_errors", kernel_errors},
         {"containers", containers}});
}

}  // namespace cradle
