#include "hook/docker_record.h"

#include <fcntl.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "common/safe_file.h"
#include "common/unique_fd.h"

namespace cradle {

bool is_docker_container_id(std::string_view id) {
    return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<std::optional<std::string>> docker_profile_label(const std::string& docker_root, std::string_view container_id) {
    auto record = read_docker_record(docker_root, container_id);
    if (!record) {
        return record.error();
    }
    return *record ? (*record)->profile_label : std::optional<std::string>();
}

Result<std::optional<DockerRecord>> read_docker_record(const std::string& docker_root, std::string_view container_id) {
    const std::optional<DockerRecord> none;
    if (!is_docker_container_id(container_id)) {
        return none;
    }
    const std::string directory_path = docker_root + "/containers/" + std::string(container_id);
    const std::string context = "Docker record \"" + printable_value(directory_path + "/config.v2.json", 200) + "\"";

    // The root is the administrator's; what is below it is walked without following links.
    UniqueFd directory(::open(docker_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    int error = directory.valid() ? 0 : errno;
    for (const std::string& name : {std::string("containers"), std::string(container_id)}) {
        if (error != 0) {
            break;
        }
        UniqueFd below(::openat(directory.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        error = below.valid() ? 0 : errno;
        directory = std::move(below);
    }
    if (error == ENOENT) {
        return none;
    }
    if (error != 0) {
        return with_context(system_error(error, "opening its directory"), context);
    }
    auto text = read_file_beneath(directory.get(), "config.v2.json", k_max_docker_record_size);
    if (!text) {
        if (text.error().code == ENOENT) {
            return none;
        }
        return with_context(text.error(), context);
    }
    auto record = parse_json(*text);
    if (!record) {
        return with_context(record.error(), context);
    }
    if (!record->is_object()) {
        return Error{EINVAL, context + ": not a JSON object"};
    }
    DockerRecord found;
    if (const auto name = record->find("Name"); name != record->end() && name->is_string()) {
        found.name = name->get<std::string>();
        if (found.name.starts_with('/')) {
            found.name.erase(0, 1);
        }
    }
    const auto config = record->find("Config");
    if (config == record->end() || config->is_null()) {
        return std::optional(found);
    }
    if (!config->is_object()) {
        return Error{EINVAL, context + ": \"Config\" is not an object"};
    }
    const auto labels = config->find("Labels");
    if (labels == config->end() || labels->is_null()) {
        return std::optional(found);
    }
    if (!labels->is_object()) {
        return Error{EINVAL, context + ": \"Config.Labels\" is not an object"};
    }
    const auto label = labels->find(k_profile_annotation);
    if (label == labels->end()) {
        return std::optional(found);
    }
    if (!label->is_string()) {
        return Error{EINVAL, context + ": the label \"" + std::string(k_profile_annotation) + "\" is not a string"};
    }
    found.profile_label = label->get<std::string>();
    return std::optional(found);
}

}  // namespace cradle
