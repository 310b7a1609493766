#include "profilegen/trace_json.h"

#include <set>

#include "common/json.h"
#include "profilegen/capability_profile.h"
#include "profilegen/syscall_arguments.h"

namespace cradle {

namespace {

nlohmann::json syscall_entry(const Recording& recording, const std::string& name) {
    const bool allowed = recording.syscalls.contains(name);
    const bool implied = recording.implied_syscalls.contains(name);
    const bool runtime = recording.runtime_syscalls.contains(name);
    nlohmann::json phases = nlohmann::json::array();
    if (recording.setup_syscalls.contains(name)) {
        phases.push_back("setup");
    }
    if (runtime) {
        phases.push_back("runtime");
    }
    if (allowed && !runtime && !implied) {
        phases.push_back("workload");
    }
    return {{"allowed", allowed}, {"implied", implied}, {"phases", std::move(phases)}};
}

// The 32-bit ABI's syscalls: all allowed, on the compat architecture; no phase, as the runtime's
// own syscalls are native.
nlohmann::json compat_syscall_entries(const Recording& recording) {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& name : recording.compat_syscalls) {
        entries[name] = {{"allowed", true}, {"implied", recording.compat_implied_syscalls.contains(name)}};
    }
    return entries;
}

// The argument values seen, as the tracefile's ARGUMENTS spells them, and whether one was not
// kept (then the syscall counts as made with any).
nlohmann::json argument_entries(const Recording& recording) {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& [name, values] : recording.arguments) {
        const ArgumentSyscall* syscall = find_argument_syscall(name);
        nlohmann::json seen = nlohmann::json::array();
        for (const std::uint64_t value : values.values) {
            seen.push_back(syscall ? argument_value_text(*syscall, value) : std::to_string(value));
        }
        entries[name] = {{"values", std::move(seen)}, {"any", values.any}};
    }
    return entries;
}

nlohmann::json environment_object(const TraceEnvironment& environment) {
    nlohmann::json object = nlohmann::json::object();
    if (!environment.kernel_release.empty()) {
        object["kernel_release"] = environment.kernel_release;
    }
    if (!environment.machine.empty()) {
        object["machine"] = environment.machine;
    }
    if (!environment.attach_points.empty()) {
        object["attach_points"] = environment.attach_points;
    }
    return object;
}

// Every runtime the recording names, sorted as the RUNTIMES section.
nlohmann::json runtime_entries(const Recording& recording) {
    nlohmann::json list = nlohmann::json::array();
    for (const ContainerRuntime& runtime : recording.runtimes) {
        list.push_back(runtime_to_json(runtime));
    }
    return list;
}

}  // namespace

Result<std::string> render_trace_json(const Recording& recording, const TraceEnvironment& environment) {
    std::set<std::string> names = recording.syscalls;
    names.insert(recording.setup_syscalls.begin(), recording.setup_syscalls.end());
    nlohmann::json syscalls = nlohmann::json::object();
    for (const auto& name : names) {
        syscalls[name] = syscall_entry(recording, name);
    }
    nlohmann::json document = {
        {"schema", k_trace_json_schema},
        {"complete", recording.complete()},
        {"incomplete_reasons", recording.incomplete_reasons},
        {"architectures", recording.architectures},
        {"syscalls", std::move(syscalls)},
        {"compat_syscalls", compat_syscall_entries(recording)},
        {"arguments", argument_entries(recording)},
        {"capabilities",
         {{"granted", oci_capability_names(recording.capabilities)},
          {"denied", oci_capability_names(recording.denied_capabilities)},
          {"probed", oci_capability_names(recording.probed_capabilities)}}},
        {"counters", recording.counters},
        {"runtimes", runtime_entries(recording)},
    };
    if (nlohmann::json recorded_by = environment_object(environment); !recorded_by.empty()) {
        document["recorded_by"] = std::move(recorded_by);
    }
    auto text = write_json(document, 2);
    if (!text) {
        return with_context(text.error(), "writing the JSON tracefile");
    }
    return *text + "\n";
}

}  // namespace cradle
