#include "profilegen/verify_spec.h"

#include <cerrno>
#include <filesystem>

#include "common/protocol.h"

namespace cradle {

namespace {

std::string absolute_from(const std::string& path, const std::string& base) {
    if (path.starts_with("/")) {
        return path;
    }
    return (std::filesystem::path(base) / path).lexically_normal().string();
}

bool is_bind_mount(const nlohmann::json& mount) {
    if (!mount.contains("options") || !mount["options"].is_array()) {
        return false;
    }
    for (const auto& option : mount["options"]) {
        if (option == "bind" || option == "rbind") {
            return true;
        }
    }
    return false;
}

bool is_cradle_hook(const nlohmann::json& hook) {
    if (!hook.is_object() || !hook.contains("path") || !hook["path"].is_string()) {
        return false;
    }
    return std::filesystem::path(hook["path"].get<std::string>()).filename() == "cradle-hook";
}

}  // namespace

Result<nlohmann::json> reference_spec(const nlohmann::json& original, const std::string& bundle_dir) {
    if (!original.is_object()) {
        return Error{EINVAL, "config.json is not a JSON object"};
    }
    if (!original.contains("process") || !original["process"].is_object()) {
        return Error{EINVAL, "config.json has no \"process\" object"};
    }
    if (!original.contains("root") || !original["root"].is_object() || !original["root"].contains("path") ||
        !original["root"]["path"].is_string()) {
        return Error{EINVAL, "config.json has no \"root.path\" string"};
    }
    nlohmann::json spec = original;
    spec["root"]["path"] = absolute_from(spec["root"]["path"].get<std::string>(), bundle_dir);
    spec["root"]["readonly"] = true;
    spec["process"]["terminal"] = false;
    if (spec.contains("mounts") && spec["mounts"].is_array()) {
        for (auto& mount : spec["mounts"]) {
            if (is_bind_mount(mount) && mount.contains("source") && mount["source"].is_string()) {
                mount["source"] = absolute_from(mount["source"].get<std::string>(), bundle_dir);
            }
        }
    }
    if (spec.contains("annotations") && spec["annotations"].is_object()) {
        spec["annotations"].erase(k_profile_annotation);
    }
    if (spec.contains("hooks") && spec["hooks"].is_object()) {
        nlohmann::json kept = nlohmann::json::object();
        for (auto& [stage, hooks] : spec["hooks"].items()) {
            if (!hooks.is_array()) {
                kept[stage] = hooks;
                continue;
            }
            nlohmann::json others = nlohmann::json::array();
            for (const auto& hook : hooks) {
                if (!is_cradle_hook(hook)) {
                    others.push_back(hook);
                }
            }
            if (!others.empty()) {
                kept[stage] = others;
            }
        }
        spec["hooks"] = kept;
    }
    return spec;
}

nlohmann::json confined_spec(const nlohmann::json& reference, const nlohmann::json& seccomp_profile,
                             const std::vector<std::string>& capabilities) {
    nlohmann::json spec = reference;
    spec["linux"]["seccomp"] = seccomp_profile;
    spec["process"]["capabilities"] = {{"bounding", capabilities},
                                       {"effective", capabilities},
                                       {"permitted", capabilities},
                                       {"inheritable", nlohmann::json::array()},
                                       {"ambient", nlohmann::json::array()}};
    return spec;
}

}  // namespace cradle
