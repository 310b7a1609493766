// How to run a container with what a Recording found: docker and podman flags, a Kubernetes
// securityContext, an OCI config fragment, systemd unit directives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "profilegen/capability_profile.h"
#include "profilegen/recording.h"
#include "profilegen/seccomp_profile.h"

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

// The same for scripts, as a JSON object indented by 2 (keys sorted):
//   {"capabilities": oci_capability_names, "denied_capabilities": [...],
//    "docker_run_options": render_run_options(docker), "incomplete": [reasons],
//    "podman_run_options": render_run_options(podman), "seccomp_profile": PATH, "syscalls": N}
// where N is the size of the allow-list (allowed_syscalls: both ABIs' names). Fails (EILSEQ, write_json's message
// naming the member) when a string is not UTF-8: the path, or a reason read from a tracefile.
Result<std::string> render_run_options_json(const Recording& recording, const std::string& seccomp_path);

// Where the kubelet looks for Localhost seccomp profiles, unless its --root-dir moved it.
inline constexpr const char* k_kubelet_seccomp_root = "/var/lib/kubelet/seccomp";

// Whether a Kubernetes container with `recording`'s capabilities keeps
// allowPrivilegeEscalation: true when it has setuid, setgid (a workload that changes its
// user may do so through a set-user-ID program, which no_new_privs would disarm) or sys_admin
// (the API server refuses allowPrivilegeEscalation: false beside an added CAP_SYS_ADMIN).
bool kubernetes_allows_privilege_escalation(const Recording& recording);

// A container's `securityContext` for `recording` as YAML (indent 2, ending in a newline):
//   securityContext:
//     allowPrivilegeEscalation: false   # true as kubernetes_allows_privilege_escalation says
//     capabilities:
//       drop:
//       - ALL
//       add:            # left out without capabilities
//       - CHOWN         # upper case without CAP_, sorted
//     seccompProfile:
//       type: Localhost
//       localhostProfile: "web.seccomp.json"
// localhostProfile is `seccomp_path` relative to `seccomp_root` when the path, made lexically
// normal, lies beneath it. Otherwise it is "cradle/<file name of seccomp_path>", after a
// comment line saying to copy the profile to <seccomp_root>/cradle/<file name>. Paths are
// written as JSON strings (a YAML double-quoted scalar), in comments too, so no byte of a path
// can end a line. Fails (EILSEQ, write_json's message) when a path is not UTF-8.
Result<std::string> render_kubernetes_security_context(const Recording& recording, const std::string& seccomp_path,
                                                       const std::string& seccomp_root);

// The same securityContext naming `localhost_profile` as it is, without a comment: the path
// the Security Profiles Operator installs its object at (spo_localhost_profile). Fails as above.
Result<std::string> render_kubernetes_security_context_for(const Recording& recording,
                                                           const std::string& localhost_profile);

// The parts of an OCI runtime config.json that `recording` settles, as a JSON object
// indented by 2 (keys sorted) with a trailing newline:
//   {"linux": {"seccomp": seccomp_profile},
//    "process": {"capabilities": build_capability_profile(recording)}}
// `seccomp_profile` is the Docker/OCI profile (build_seccomp_profile), whose fields runc reads
// from linux.seccomp as they are ("comment" is ignored). Fails (EILSEQ, write_json's message)
// when a string is not UTF-8.
Result<std::string> render_oci_config_fragment(const Recording& recording, const nlohmann::json& seccomp_profile);

// systemd's name for the Cradle architecture `arch` (SystemCallArchitectures=): "x86_64" ->
// "x86-64", "aarch64" -> "arm64", "x86" -> "x86"; nullopt for a name Cradle does not know.
std::optional<std::string> systemd_architecture_name(const std::string& arch);

// Directives for a unit's [Service] section that confine a service as `recording` says, one a
// line, each line ending in a newline:
//   SystemCallFilter=execve read write ...   # allowed_syscalls, sorted; a line holds at most
//                                            # about 100 columns, the next repeats the key
//                                            # (systemd merges them); none without syscalls
//   SystemCallErrorNumber=EPERM              # or ENOSYS, as `refusal` says
//   SystemCallArchitectures=native x86       # native, then systemd_architecture_name of each
//                                            # recorded architecture other than `native`
//   CapabilityBoundingSet=CAP_CHOWN ...      # oci_capability_names; "CapabilityBoundingSet="
//                                            # (the empty set) without capabilities
//   AmbientCapabilities=                     # none: a root service keeps what the bounding set
//                                            # leaves; a User= service gets nothing it did not have
//   NoNewPrivileges=yes                      # only without setuid and setgid capabilities
// `native` is the architecture systemd's "native" stands for (native_arch() where the unit
// runs). A recorded architecture systemd_architecture_name does not know is left out.
std::string render_systemd_directives(const Recording& recording, RefusalErrno refusal, const std::string& native);

}  // namespace cradle
