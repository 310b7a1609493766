#include "hook/oci_state.h"

#include <cerrno>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/profile_name.h"

namespace cradle {
namespace {

Error state_error(const std::string& reason) { return Error{EINVAL, "OCI state: " + reason}; }

std::string in_quotes(std::string_view value) { return "\"" + printable_value(value) + "\""; }

std::string id_problem(const std::string& id) {
    if (id.empty()) {
        return "is empty";
    }
    if (id.size() > k_max_container_id_length) {
        return "is " + std::to_string(id.size()) + " bytes long, more than the " +
               std::to_string(k_max_container_id_length) + " allowed";
    }
    for (const char c : id) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7e) {
            return "contains a byte that is not printable ASCII";
        }
        if (c == '/') {
            return "contains '/'";
        }
    }
    return {};
}

// An optional string field: absent or null leaves `out` empty.
Result<void> read_optional_string(const nlohmann::json& document, const char* key, std::string& out) {
    const auto found = document.find(key);
    if (found == document.end() || found->is_null()) {
        return {};
    }
    if (!found->is_string()) {
        return state_error(std::string("\"") + key + "\" must be a string, not " + found->type_name());
    }
    out = found->get<std::string>();
    return {};
}

}  // namespace

Result<OciState> parse_oci_state(std::string_view json_text) {
    auto parsed = parse_json(json_text);
    if (!parsed) {
        return state_error(parsed.error().message);
    }
    const nlohmann::json& document = *parsed;
    if (!document.is_object()) {
        return state_error(std::string("must be a JSON object, not ") + document.type_name());
    }

    OciState state;

    const auto id = document.find("id");
    if (id == document.end()) {
        return state_error("\"id\" is missing");
    }
    if (!id->is_string()) {
        return state_error(std::string("\"id\" must be a string, not ") + id->type_name());
    }
    state.id = id->get<std::string>();
    if (const std::string problem = id_problem(state.id); !problem.empty()) {
        return state_error("container id " + in_quotes(state.id) + " " + problem);
    }

    const auto status = document.find("status");
    if (status == document.end() || status->is_null()) {
        return state_error("\"status\" is missing");
    }
    if (!status->is_string()) {
        return state_error(std::string("\"status\" must be a string, not ") + status->type_name());
    }
    state.status = status->get<std::string>();

    if (auto read = read_optional_string(document, "ociVersion", state.oci_version); !read) {
        return read.error();
    }
    if (auto read = read_optional_string(document, "bundle", state.bundle); !read) {
        return read.error();
    }

    if (const auto pid = document.find("pid"); pid != document.end() && !pid->is_null()) {
        if (!pid->is_number_integer()) {
            return state_error(std::string("\"pid\" must be an integer, not ") + pid->type_name());
        }
        if (pid->is_number_unsigned()) {
            if (pid->get<unsigned long long>() > static_cast<unsigned long long>(std::numeric_limits<int>::max())) {
                return state_error("\"pid\" " + pid->dump() + " is too large");
            }
        } else if (pid->get<long long>() < 0) {
            return state_error("\"pid\" " + pid->dump() + " is negative");
        } else if (pid->get<long long>() > std::numeric_limits<int>::max()) {
            return state_error("\"pid\" " + pid->dump() + " is too large");
        }
        state.pid = pid->get<int>();
    }

    if (const auto annotations = document.find("annotations");
        annotations != document.end() && !annotations->is_null()) {
        if (!annotations->is_object()) {
            return state_error(std::string("\"annotations\" must be an object, not ") + annotations->type_name());
        }
        for (const auto& [key, value] : annotations->items()) {
            if (!value.is_string()) {
                return state_error("annotation " + in_quotes(key) + " must be a string, not " + value.type_name());
            }
            state.annotations.emplace(key, value.get<std::string>());
        }
    }
    return state;
}

Result<HookStage> parse_hook_stage(std::string_view argument) {
    if (argument == "prestart") {
        return HookStage::Prestart;
    }
    if (argument == "createRuntime") {
        return HookStage::CreateRuntime;
    }
    if (argument == "poststop") {
        return HookStage::Poststop;
    }
    const std::string context = "hook stage " + in_quotes(argument) + ": ";
    if (argument == "createContainer" || argument == "startContainer") {
        return Error{EINVAL,
                     context +
                         "runs inside the container (its namespaces, cwd = its rootfs), where "
                         "cradle-hook cannot work; install it for createRuntime (or prestart), and poststop if wanted"};
    }
    return Error{EINVAL, context + "unknown; expected prestart, createRuntime or poststop"};
}

Result<HookAction> hook_action(std::optional<HookStage> stage, const OciState& state) {
    HookAction action;
    if (stage) {
        action = *stage == HookStage::Poststop ? HookAction::Flush : HookAction::Register;
    } else if (state.status == "creating" || state.status == "created") {
        action = HookAction::Register;
    } else if (state.status == "stopped") {
        action = HookAction::Flush;
    } else {
        return Error{EINVAL, "container " + in_quotes(state.id) + ": status " + in_quotes(state.status) +
                                 " names no hook stage to act on; pass the stage (prestart, "
                                 "createRuntime or poststop) as the hook's argument"};
    }
    if (action == HookAction::Register && state.pid <= 0) {
        return Error{EINVAL, "container " + in_quotes(state.id) +
                                 ": registering needs the container's pid, and the state has none"};
    }
    return action;
}

}  // namespace cradle
