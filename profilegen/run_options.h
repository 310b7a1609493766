// How to run a container with what a Recording found: Docker flags and OCI capability names.
#pragma once

#include <string>
#include <vector>

#include "profilegen/recording.h"

namespace cradle {

// The `docker run` options for `recording` with its seccomp profile at `seccomp_path`:
//   --cap-drop=ALL --cap-add=CHOWN --cap-add=SETUID --security-opt=seccomp:PATH
// One --cap-add per entry of recording.capabilities, upper case, sorted (none when empty).
// PATH is written as is when it only holds [A-Za-z0-9_./-], otherwise single-quoted for a
// POSIX shell ("it's" -> 'it'\''s').
std::string render_docker_options(const Recording& recording, const std::string& seccomp_path);

// recording.capabilities as OCI spells them for process.capabilities: {"CAP_CHOWN", ...},
// sorted.
std::vector<std::string> oci_capability_names(const Recording& recording);

}  // namespace cradle
