#include "common/config.h"

#include <fcntl.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/profile_name.h"
#include "common/safe_file.h"
#include "common/unique_fd.h"

namespace cradle {
namespace {

constexpr std::size_t k_max_config_size = 64 * 1024;
constexpr long long k_min_deadline_ms = 100;
constexpr long long k_max_deadline_ms = 60000;

Error key_error(const std::string& key, const std::string& reason) {
    return Error{EINVAL, "key \"" + printable_value(key) + "\": " + reason};
}

Result<std::string> absolute_path(const nlohmann::json& value, const std::string& key) {
    if (!value.is_string()) {
        return key_error(key, std::string("must be a string, not ") + value.type_name());
    }
    const auto& path = value.get_ref<const std::string&>();
    if (path.empty() || path.front() != '/') {
        return key_error(key, "\"" + printable_value(path) + "\" is not an absolute path");
    }
    if (path.find('\0') != std::string::npos) {
        return key_error(key, "\"" + printable_value(path) + "\" contains a NUL byte");
    }
    return path;
}

Result<void> parse_hook_section(const nlohmann::json& hook, Config& config) {
    if (!hook.is_object()) {
        return key_error("hook", std::string("must be an object, not ") + hook.type_name());
    }
    for (const auto& [key, value] : hook.items()) {
        if (key == "deadline_ms") {
            // Floats are refused rather than rounded: "2000.5" is a mistake worth hearing about.
            if (!value.is_number_integer()) {
                return key_error("hook.deadline_ms", std::string("must be an integer, not ") + value.type_name());
            }
            const bool in_range = value.is_number_unsigned() ? value.get<unsigned long long>() <= k_max_deadline_ms &&
                                                                   value.get<unsigned long long>() >= k_min_deadline_ms
                                                             : value.get<long long>() <= k_max_deadline_ms &&
                                                                   value.get<long long>() >= k_min_deadline_ms;
            if (!in_range) {
                return key_error("hook.deadline_ms", value.dump() + " is outside " + std::to_string(k_min_deadline_ms) +
                                                         ".." + std::to_string(k_max_deadline_ms));
            }
            config.hook_deadline = std::chrono::milliseconds(value.get<long long>());
        } else if (key == "fail_closed") {
            if (!value.is_boolean()) {
                return key_error("hook.fail_closed", std::string("must be true or false, not ") + value.type_name());
            }
            config.hook_fail_closed = value.get<bool>();
        } else {
            return key_error("hook." + key, "unknown key (known: deadline_ms, fail_closed)");
        }
    }
    return {};
}

// An absolute path, or a plain name that the user of the key looks up in a place of its own.
Result<std::string> path_or_name(const nlohmann::json& value, const std::string& key) {
    if (!value.is_string()) {
        return key_error(key, std::string("must be a string, not ") + value.type_name());
    }
    const auto& text = value.get_ref<const std::string&>();
    if (!text.empty() && text.front() == '/') {
        return absolute_path(value, key);
    }
    if (text.empty() || text == "." || text == ".." || text.find('/') != std::string::npos ||
        text.find('\0') != std::string::npos) {
        return key_error(key, "\"" + printable_value(text) + "\" is neither an absolute path nor a plain name");
    }
    return text;
}

Result<void> parse_runc_wrapper_section(const nlohmann::json& section, RuncWrapperConfig& config) {
    if (!section.is_object()) {
        return key_error("runc_wrapper", std::string("must be an object, not ") + section.type_name());
    }
    for (const auto& [key, value] : section.items()) {
        const std::string name = "runc_wrapper." + key;
        if (key == "runtime" || key == "hook") {
            auto text = path_or_name(value, name);
            if (!text) {
                return text.error();
            }
            (key == "runtime" ? config.runtime : config.hook) = std::move(*text);
        } else if (key == "poststop") {
            if (!value.is_boolean()) {
                return key_error(name, std::string("must be true or false, not ") + value.type_name());
            }
            config.poststop = value.get<bool>();
        } else if (key == "docker_root") {
            auto path = absolute_path(value, name);
            if (!path) {
                return path.error();
            }
            config.docker_root = std::move(*path);
        } else {
            return key_error(name, "unknown key (known: runtime, hook, poststop, docker_root)");
        }
    }
    return {};
}

Result<void> parse_auto_profile_section(const nlohmann::json& section, AutoProfileConfig& config) {
    if (!section.is_object()) {
        return key_error("auto_profile", std::string("must be an object, not ") + section.type_name());
    }
    for (const auto& [key, value] : section.items()) {
        const std::string name = "auto_profile." + key;
        if (key == "enabled") {
            if (!value.is_boolean()) {
                return key_error(name, std::string("must be true or false, not ") + value.type_name());
            }
            config.enabled = value.get<bool>();
        } else if (key == "template") {
            if (!value.is_string()) {
                return key_error(name, std::string("must be a string, not ") + value.type_name());
            }
            const auto& text = value.get_ref<const std::string&>();
            if (auto checked = check_auto_template(text); !checked) {
                return key_error(name, checked.error().message);
            }
            config.template_text = text;
        } else {
            return key_error(name, "unknown key (known: enabled, template)");
        }
    }
    return {};
}

}  // namespace

Result<Config> parse_config(std::string_view json_text) {
    auto parsed = parse_json(json_text);
    if (!parsed) {
        return parsed.error();
    }
    const nlohmann::json& document = *parsed;
    if (!document.is_object()) {
        return Error{EINVAL, std::string("must be a JSON object, not ") + document.type_name()};
    }

    Config config;
    for (const auto& [key, value] : document.items()) {
        if (key == "socket") {
            auto path = absolute_path(value, key);
            if (!path) {
                return path.error();
            }
            config.socket_path = std::move(*path);
        } else if (key == "output_dir") {
            auto path = absolute_path(value, key);
            if (!path) {
                return path.error();
            }
            config.output_dir = std::move(*path);
        } else if (key == "pin_dir") {
            auto path = absolute_path(value, key);
            if (!path) {
                return path.error();
            }
            config.pin_dir = std::move(*path);
        } else if (key == "hook") {
            if (auto parsed = parse_hook_section(value, config); !parsed) {
                return parsed.error();
            }
        } else if (key == "runc_wrapper") {
            if (auto parsed = parse_runc_wrapper_section(value, config.runc_wrapper); !parsed) {
                return parsed.error();
            }
        } else if (key == "auto_profile") {
            if (auto parsed = parse_auto_profile_section(value, config.auto_profile); !parsed) {
                return parsed.error();
            }
        } else {
            return key_error(key, "unknown key (known: socket, output_dir, pin_dir, hook, runc_wrapper, auto_profile)");
        }
    }
    return config;
}

Result<Config> load_config(const std::string& path) {
    const std::string context = "config \"" + printable_value(path, 200) + "\"";
    // O_NONBLOCK: a FIFO at the path must not hang start-up; read_open_file refuses it anyway.
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!file.valid()) {
        return with_context(system_error("opening"), context);
    }
    auto text = read_open_file(file.get(), k_max_config_size);
    if (!text) {
        return with_context(text.error(), context);
    }
    auto config = parse_config(*text);
    if (!config) {
        return with_context(config.error(), context);
    }
    return config;
}

}  // namespace cradle
