#include "common/container_runtime.h"

#include <algorithm>
#include <iterator>

namespace cradle {

namespace {

bool is_name_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '+' || c == '-';
}

std::string json_string(const nlohmann::json& message, const char* key) {
    if (!message.is_object()) {
        return {};
    }
    const auto found = message.find(key);
    return found != message.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

bool is_runtime_name(std::string_view value) {
    return !value.empty() && value.size() <= k_max_runtime_name_length && value.front() != '.' &&
           value.front() != '-' && std::all_of(value.begin(), value.end(), is_name_byte);
}

bool is_runtime_path(std::string_view value) {
    return value.size() > 1 && value.size() <= k_max_runtime_path_length && value.front() == '/' &&
           std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

ContainerRuntime checked_runtime(ContainerRuntime runtime) {
    if (!is_runtime_name(runtime.name)) {
        runtime.name.clear();
    }
    if (!is_runtime_path(runtime.path)) {
        runtime.path.clear();
    }
    if (!is_runtime_name(runtime.manager)) {
        runtime.manager.clear();
    }
    return runtime;
}

nlohmann::json runtime_to_json(const ContainerRuntime& runtime) {
    nlohmann::json object = nlohmann::json::object();
    if (!runtime.name.empty()) {
        object["name"] = runtime.name;
    }
    if (!runtime.path.empty()) {
        object["path"] = runtime.path;
    }
    if (!runtime.manager.empty()) {
        object["manager"] = runtime.manager;
    }
    return object;
}

ContainerRuntime runtime_from_json(const nlohmann::json& message) {
    return checked_runtime(
        {json_string(message, "name"), json_string(message, "path"), json_string(message, "manager")});
}

std::string runtime_to_line(const ContainerRuntime& runtime) {
    std::string line;
    auto add = [&](const char* key, const std::string& value) {
        if (!value.empty()) {
            line += (line.empty() ? "" : " ") + std::string(key) + "=" + value;
        }
    };
    add("name", runtime.name);
    add("path", runtime.path);
    add("manager", runtime.manager);
    return line;
}

std::optional<ContainerRuntime> runtime_from_line(std::string_view line) {
    ContainerRuntime runtime;
    struct Member {
        std::string_view key;
        std::string* value;
        bool (*rule)(std::string_view);
        bool seen = false;
    };
    Member members[] = {{"name", &runtime.name, is_runtime_name},
                        {"path", &runtime.path, is_runtime_path},
                        {"manager", &runtime.manager, is_runtime_name}};
    while (!line.empty()) {
        const auto space = line.find(' ');
        const std::string_view word = line.substr(0, space);
        line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        if (word.empty()) {
            continue;
        }
        const auto equals = word.find('=');
        if (equals == std::string_view::npos) {
            return std::nullopt;
        }
        const std::string_view key = word.substr(0, equals);
        const std::string_view value = word.substr(equals + 1);
        auto* member =
            std::find_if(std::begin(members), std::end(members), [&](const Member& m) { return m.key == key; });
        if (member == std::end(members)) {
            continue;  // a member a newer version knows
        }
        if (member->seen || !member->rule(value)) {
            return std::nullopt;
        }
        member->seen = true;
        member->value->assign(value);
    }
    return runtime;
}

}  // namespace cradle
