// Docker's own record of a container, for cradle-runc: Docker 20.10 passes a container's labels
// to no runtime (the spec's "annotations" is null), so the io.cradle.profile label is read where
// dockerd keeps it, <docker root>/containers/<id>/config.v2.json ("Config": {"Labels": {...}}),
// which dockerd writes before it asks containerd to create the container. That file is Docker's
// internal format (stable for years, but not an API); the Engine API is not asked, as it may be
// waiting on the very container being created.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cradle {

// Largest config.v2.json read (bytes); a larger one is an error.
inline constexpr std::size_t k_max_docker_record_size = 4 << 20;

// Whether `id` has the form of a Docker container id: 64 lowercase hexadecimal digits.
bool is_docker_container_id(std::string_view id);

// The value of the label io.cradle.profile in `docker_root`/containers/`container_id`/config.v2.json,
// or nullopt when the container has no such label (a "Labels" that is null or absent counts as
// none) or there is no record of it: no such directory or file (ENOENT), or an id that is not a
// Docker container id (is_docker_container_id), which is never looked up. The directories below
// `docker_root` and the file are opened without following symbolic links (ENOTDIR for a linked
// directory, ELOOP for a linked file), the file without blocking (a FIFO is refused, EINVAL) and
// read only up to k_max_docker_record_size (EFBIG). Other errors keep their errno; a record that
// is not JSON, or whose Config or Labels is not an object or whose label is not a string, is
// EINVAL. Messages: `Docker record "<path>": ...`.
Result<std::optional<std::string>> docker_profile_label(const std::string& docker_root, std::string_view container_id);

// What cradle-runc takes from Docker's record of a container.
struct DockerRecord {
    std::optional<std::string> profile_label;  // the label io.cradle.profile, as docker_profile_label
    std::string name;                          // "Name" without its leading '/'; "" when absent or not a string
};

// Docker's record of `container_id`, read as docker_profile_label reads it, with the same errors;
// nullopt when there is no record (no such file, or not a Docker container id).
Result<std::optional<DockerRecord>> read_docker_record(const std::string& docker_root, std::string_view container_id);

}  // namespace cradle
