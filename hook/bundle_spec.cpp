#include "hook/bundle_spec.h"

#include <cerrno>

#include "common/json.h"
#include "common/protocol.h"

namespace cradle {

namespace {

using nlohmann::ordered_json;

constexpr std::string_view k_hook_name = "cradle-hook";

Error spec_error(const std::string& reason) { return Error{EINVAL, "config.json: " + reason}; }

bool is_cradle_hook(const ordered_json& entry, const std::string& hook_path) {
    const auto path = entry.find("path");
    if (path == entry.end() || !path->is_string()) {
        return false;
    }
    const auto& text = path->get_ref<const std::string&>();
    return text == hook_path || text == k_hook_name || text.ends_with("/" + std::string(k_hook_name));
}

// Whether one of `stages` of `hooks` (checked to be null or arrays of objects) holds cradle-hook.
bool has_cradle_hook(const ordered_json& hooks, std::initializer_list<const char*> stages, const std::string& path) {
    for (const char* stage : stages) {
        const auto entries = hooks.find(stage);
        if (entries == hooks.end() || entries->is_null()) {
            continue;
        }
        for (const auto& entry : *entries) {
            if (is_cradle_hook(entry, path)) {
                return true;
            }
        }
    }
    return false;
}

ordered_json hook_entry(const CradleHooks& hooks, const char* stage) {
    ordered_json args = ordered_json::array({std::string(k_hook_name)});
    if (hooks.config_path) {
        args.push_back("--config");
        args.push_back(*hooks.config_path);
    }
    args.push_back(stage);
    // The hook gets an environment of its own, not the runtime's: an inherited LD_PRELOAD is how
    // other hooks were exploited.
    return ordered_json{{"path", hooks.hook_path},
                        {"args", std::move(args)},
                        {"env", ordered_json::array({"PATH=/usr/sbin:/usr/bin:/sbin:/bin"})},
                        {"timeout", hooks.timeout_seconds}};
}

// The indentation of the second line of `text`: nullopt for one line (compact).
std::optional<std::pair<int, char>> indentation(std::string_view text) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos || newline + 1 >= text.size()) {
        return std::nullopt;
    }
    const std::string_view line = text.substr(newline + 1);
    const char kind = line.front() == '\t' ? '\t' : ' ';
    const auto width = line.find_first_not_of(kind);
    return std::pair{static_cast<int>(width == std::string_view::npos ? line.size() : width), kind};
}

}  // namespace

Result<ordered_json> parse_bundle_spec(std::string_view text) {
    ordered_json spec;
    try {
        spec = ordered_json::parse(text, nullptr, false);
    } catch (const nlohmann::json::exception& error) {
        return spec_error(std::string("not JSON: ") + error.what());
    }
    if (spec.is_discarded()) {
        // parse_json says where and why; the ordered document was not built.
        auto reason = parse_json(text);
        return spec_error(reason ? "not JSON" : reason.error().message);
    }
    if (!spec.is_object()) {
        return spec_error(std::string("must be a JSON object, not ") + spec.type_name());
    }
    return spec;
}

std::optional<std::string> profile_annotation(const ordered_json& spec) {
    const auto annotations = spec.find("annotations");
    if (annotations == spec.end() || !annotations->is_object()) {
        return std::nullopt;
    }
    const auto value = annotations->find(k_profile_annotation);
    if (value == annotations->end() || !value->is_string()) {
        return std::nullopt;
    }
    return value->get<std::string>();
}

std::string spec_hostname(const ordered_json& spec) {
    const auto hostname = spec.find("hostname");
    return hostname != spec.end() && hostname->is_string() ? hostname->get<std::string>() : std::string();
}

std::map<std::string, std::string> spec_annotations(const ordered_json& spec) {
    std::map<std::string, std::string> found;
    const auto annotations = spec.find("annotations");
    if (annotations == spec.end() || !annotations->is_object()) {
        return found;
    }
    for (const auto& [key, value] : annotations->items()) {
        if (value.is_string()) {
            found.emplace(key, value.get<std::string>());
        }
    }
    return found;
}

bool has_kubernetes_annotations(const ordered_json& spec) {
    for (const auto& [key, _] : spec_annotations(spec)) {
        if (key.starts_with("io.kubernetes.")) {
            return true;
        }
    }
    return false;
}

bool is_pod_sandbox(const ordered_json& spec) {
    const auto annotations = spec.find("annotations");
    if (annotations == spec.end() || !annotations->is_object()) {
        return false;
    }
    const auto type = annotations->find("io.kubernetes.cri.container-type");
    return type != annotations->end() && *type == "sandbox";
}

std::optional<std::string> profile_variable(const ordered_json& spec) {
    const auto process = spec.find("process");
    if (process == spec.end() || !process->is_object()) {
        return std::nullopt;
    }
    const auto env = process->find("env");
    if (env == process->end() || !env->is_array()) {
        return std::nullopt;
    }
    const std::string prefix = std::string(k_profile_variable) + "=";
    for (const auto& entry : *env) {
        if (!entry.is_string()) {
            continue;
        }
        const auto& text = entry.get_ref<const std::string&>();
        if (text.starts_with(prefix)) {
            // The first one is what the process's getenv() finds.
            return text.size() > prefix.size() ? std::optional(text.substr(prefix.size())) : std::nullopt;
        }
    }
    return std::nullopt;
}

Result<bool> add_cradle_hooks(ordered_json& spec, const std::string& profile, const CradleHooks& hooks) {
    // Every type is checked before anything changes, so a refused spec is left as it was.
    const auto annotations = spec.find("annotations");
    if (annotations != spec.end() && !annotations->is_null() && !annotations->is_object()) {
        return spec_error(std::string("\"annotations\" must be an object, not ") + annotations->type_name());
    }
    const auto existing = spec.find("hooks");
    if (existing != spec.end() && !existing->is_null()) {
        if (!existing->is_object()) {
            return spec_error(std::string("\"hooks\" must be an object, not ") + existing->type_name());
        }
        for (const char* stage : {"prestart", "createRuntime", "poststop"}) {
            const auto entries = existing->find(stage);
            if (entries == existing->end() || entries->is_null()) {
                continue;
            }
            if (!entries->is_array()) {
                return spec_error("\"hooks." + std::string(stage) + "\" must be an array, not " + entries->type_name());
            }
            for (const auto& entry : *entries) {
                if (!entry.is_object()) {
                    return spec_error("an entry of \"hooks." + std::string(stage) + "\" is not an object");
                }
            }
        }
    }

    const ordered_json no_hooks = ordered_json::object();
    const ordered_json& current = existing != spec.end() && !existing->is_null() ? *existing : no_hooks;
    const bool registers = has_cradle_hook(current, {"createRuntime", "prestart"}, hooks.hook_path);
    const bool flushes = !hooks.poststop || has_cradle_hook(current, {"poststop"}, hooks.hook_path);

    // From here on, members are inserted: `existing` and `current` may no longer be valid.
    bool changed = false;
    if (!profile_annotation(spec)) {
        ordered_json& target = spec["annotations"];
        if (target.is_null()) {
            target = ordered_json::object();
        }
        target[k_profile_annotation] = profile;
        changed = true;
    }
    for (const auto& [missing, stage] : {std::pair{!registers, "createRuntime"}, std::pair{!flushes, "poststop"}}) {
        if (!missing) {
            continue;
        }
        ordered_json& entries = spec["hooks"][stage];
        if (entries.is_null()) {
            entries = ordered_json::array();
        }
        entries.push_back(hook_entry(hooks, stage));
        changed = true;
    }
    return changed;
}

Result<std::string> dump_bundle_spec(const ordered_json& spec, std::string_view original) {
    const auto layout = indentation(original);
    std::string text;
    try {
        text = layout ? spec.dump(layout->first, layout->second) : spec.dump();
    } catch (const nlohmann::json::exception& error) {
        return Error{EILSEQ, std::string("config.json: cannot be written back: ") + error.what()};
    }
    if (original.ends_with('\n')) {
        text += '\n';
    }
    return text;
}

}  // namespace cradle
