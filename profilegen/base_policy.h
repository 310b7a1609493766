// A base seccomp profile (an organization's policy, Docker's default) that a recording is held
// against: `cradle options --base POLICY.json`.
//
// The base is the policy; the recording only says what the workload made. The result is the
// base as a runtime enforces it for this workload, and the syscalls the workload made that it
// refuses are findings:
//   - Docker's conditions are settled as dockerd settles them when it starts a container:
//     "archMap" by the native architecture, a rule's "includes"/"excludes" by the capabilities
//     the workload is granted (the recorded ones: the options drop all others), the native
//     architecture and the running kernel ("minKernel"). The result is plain OCI, which runc,
//     crun and podman take as is (they know no includes, excludes or archMap).
//   - Every rule left keeps its action, errno and argument conditions ("args"): nothing the
//     base allows is lost, and nothing it allows only for some arguments is widened.
//   - A recorded syscall the base refuses stays refused and is a finding: refused by a rule
//     (SCMP_ACT_ERRNO, KILL, TRAP... naming it without "args"), or by the default action when
//     that refuses and no rule allows it. So an allow-list base (defaultAction SCMP_ACT_ERRNO,
//     like Docker's) is a ceiling: what it leaves out is not added, since an allow-list Cradle
//     widened would no longer be the organization's. A deny-list base (defaultAction
//     SCMP_ACT_ALLOW or SCMP_ACT_LOG, with refusing rules) already allows all the rest.
//   - Except a syscall that callers replace with an older one on ENOSYS (fallback_syscalls():
//     clone3, statx...) when the base answers it ENOSYS, as Docker's default does clone3: the
//     workload takes its older path, as it does on an older kernel. That is a note.
//   - A recorded syscall that the base's rules only settle for some arguments (Docker's
//     clone, socket, personality) keeps those conditions; it is reported as a note, not a
//     finding, since a recording without the arguments cannot say that a call fell outside.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// What a base's conditions are settled against.
struct BaseContext {
    std::string native;                     // Cradle's name of the native architecture: "x86_64"
    std::string kernel_release;             // uname -r, for "minKernel": "6.18.0"
    std::vector<std::string> capabilities;  // granted, as OCI spells them: "CAP_CHOWN"
};

// The context `cradle options` settles a base in for `recording`: native_arch(), this
// machine's kernel release, and oci_capability_names(recording).
BaseContext base_context_for(const Recording& recording);

// A recorded syscall the base refuses.
struct BaseRefusal {
    std::string syscall;  // "mkdir"
    std::string by;       // what refuses it: "syscalls[3] (SCMP_ACT_ERRNO)" or "defaultAction SCMP_ACT_ERRNO"
};

// The base, settled for a recording, and what it says of the recording.
struct BaseMerge {
    nlohmann::json profile;                          // the Docker/OCI profile to enforce
    std::vector<BaseRefusal> refused;                // recorded syscalls it refuses, by name
    std::vector<std::string> conditional;            // recorded syscalls it settles by "args" only, sorted
    std::vector<std::string> falling_back;           // recorded fallback syscalls it answers ENOSYS, sorted
    std::vector<std::string> missing_architectures;  // recorded architectures it does not list, sorted
};

// Settles `base` (a parsed Docker/OCI seccomp profile) in `context` and holds `recording`
// against it, as the header comment says. The result:
//   {"defaultAction": the base's, "defaultErrnoRet": the base's (when it has one),
//    "architectures": the base's "architectures", or its archMap entry for the native
//                     architecture with its subArchitectures, or the native one alone,
//    "syscalls": the base's rules that apply, in order, each {"names", "action", and the
//                "errnoRet", "args", "comment" it has}, a single "name" made "names",
//                names that none of the architectures has left out (a runtime skips them too),
//                a rule without names left out}
// and it is compiled with compile_seccomp_rules (arguments included) before it is returned.
// Accepted fields: defaultAction, defaultErrnoRet, architectures or archMap (not both),
// syscalls; per rule names or name, action and errnoRet (read_seccomp_action), args
// (read_seccomp_conditions), comment, includes and excludes (caps, arches in Docker's
// spelling "amd64", minKernel "4.8"). Any other field, or an action other than
// seccomp_action_names(), is refused (EINVAL), since ignoring it could allow more than the
// base says. Messages read `base profile: "syscalls[2].args[0].op": <reason>`.
Result<BaseMerge> merge_with_base(const nlohmann::json& base, const Recording& recording, const BaseContext& context);

// Reads and parses the base profile at `path`. Fails with the errno of a file that cannot be
// read (`base profile: reading "<path>": <reason>`), or EINVAL for one that is not JSON
// (`base profile "<path>": not JSON ...`).
Result<nlohmann::json> read_base_profile(const std::string& path);

// Docker's name for the Cradle architecture `arch`, as includes/excludes "arches" spell it:
// "x86_64" -> "amd64", "aarch64" -> "arm64", others the same ("x86", "s390x").
std::string docker_architecture_name(const std::string& arch);

}  // namespace cradle
