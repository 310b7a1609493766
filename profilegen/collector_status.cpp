#include "profilegen/collector_status.h"

#include <iomanip>
#include <sstream>

#include "common/json.h"
#include "common/protocol.h"

namespace cradle {

namespace {

// The kernel side's losses that no container's record counts: "none", or each that is not zero.
std::string kernel_losses(const nlohmann::json& status) {
    if (!status.is_object() || !status.contains("kernel_errors") || !status["kernel_errors"].is_object()) {
        return "?";
    }
    std::string losses;
    for (const auto& [name, value] : status["kernel_errors"].items()) {
        if (value.is_number_unsigned() && value.get<std::uint64_t>() > 0) {
            losses += (losses.empty() ? "" : ", ") + name + " " + std::to_string(value.get<std::uint64_t>());
        }
    }
    return losses.empty() ? "none" : losses;
}

}  // namespace

std::string render_status_text(const nlohmann::json& status) {
    std::ostringstream out;
    out << "capability checks: " << string_member(status, "capability_source", "?")
        << (bool_member(status, "classifies_probes") ? " (no-audit probes told apart)" : "") << "\n"
        << "moved processes:   "
        << (!status.is_object() || !status.contains("marks_moved_threads") ? "?"
            : bool_member(status, "marks_moved_threads")                   ? "every thread marked"
                                                         : "leader marked (no task iterator kfuncs: kernel before 6.7)")
        << "\n"
        << "profiles:          " << string_member(status, "output_dir", "?") << "\n"
        << "pins:              " << string_member(status, "pin_dir", "?") << "\n"
        << "runtime baseline:  " << number_member(status, "runtime_baseline_syscalls") << " syscalls from "
        << number_member(status, "runtime_baseline_samples") << " containers\n"
        << "kernel losses:     " << kernel_losses(status) << "\n";
    const bool has_containers = status.is_object() && status.contains("containers") && status["containers"].is_array();
    const nlohmann::json containers = has_containers ? status["containers"] : nlohmann::json::array();
    out << "containers:        " << containers.size() << "\n";
    if (containers.empty()) {
        return out.str();
    }
    out << std::left << std::setw(24) << "ID" << std::setw(20) << "PROFILE" << std::setw(10) << "PHASE" << std::setw(10)
        << "SYSCALLS"
        << "LOST\n";
    for (const auto& container : containers) {
        const std::uint64_t lost = number_member(container, "lost_syscalls") +
                                   number_member(container, "lost_capabilities") +
                                   number_member(container, "lost_cgroups") + number_member(container, "lost_tasks");
        out << std::left << std::setw(24) << string_member(container, "id").substr(0, 23) << std::setw(20)
            << string_member(container, "name").substr(0, 19) << std::setw(10) << string_member(container, "phase", "?")
            << std::setw(10) << number_member(container, "workload_syscalls") << lost << "\n";
    }
    return out.str();
}

Result<std::string> render_status_json(const nlohmann::json& status) { return write_json(status, 2); }

}  // namespace cradle
