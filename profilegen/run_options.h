// How to run a container with what a Recording found: docker and podman flags, OCI capability names.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// Whose `run` command the options are written for.
enum class RunOptionsDialect {
    docker,  // docker run
    podman,  // podman run
};

// The `docker run` or `podman run` options for `recording` with its seccomp profile at
// `seccomp_path`:
//   docker: --cap-drop=ALL --cap-add=CHOWN --cap-add=SETUID --security-opt seccomp=PATH
//   podman: --cap-drop=all --cap-add=CHOWN --cap-add=SETUID --security-opt seccomp=PATH
// One --cap-add per entry of recording.capabilities, upper case, sorted (none when empty).
// The security option is spelt with '=' as both manuals spell it: Docker deprecated the older
// "seccomp:PATH" in 1.11, and podman before 4.2 refuses it. PATH is written as is when it only
// holds [A-Za-z0-9_./-], otherwise single-quoted for a POSIX shell ("it's" -> 'it'\''s').
std::string render_run_options(const Recording& recording, const std::string& seccomp_path, RunOptionsDialect dialect);

// recording.capabilities as OCI spells them for process.capabilities: {"CAP_CHOWN", ...},
// sorted.
std::vector<std::string> oci_capability_names(const Recording& recording);

// The same for scripts, as a JSON object indented by 2 (keys sorted):
//   {"capabilities": oci_capability_names, "denied_capabilities": [...],
//    "docker_run_options": render_run_options(docker), "incomplete": [reasons],
//    "podman_run_options": render_run_options(podman), "seccomp_profile": PATH, "syscalls": N}
// where N is the size of the allow-list. Fails (EILSEQ, write_json's message naming the member)
// when a string is not UTF-8: the path, or a reason read from a tracefile.
Result<std::string> render_run_options_json(const Recording& recording, const std::string& seccomp_path);

}  // namespace cradle
