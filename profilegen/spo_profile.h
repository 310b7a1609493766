// The Security Profiles Operator's SeccompProfile object: a seccomp profile as a Kubernetes
// resource, which the operator installs on every node beneath the kubelet's seccomp root.
//
// Written against SPO v1.0.0 (kubernetes-sigs/security-profiles-operator,
// api/seccompprofile/v1beta1/seccompprofile_types.go and deploy/base-crds/crds/seccompprofile.yaml):
// v1beta1 is served by every release from v0.4 to v1.0.0 (v1.0.0 stores v1, same fields). The
// object is cluster-scoped since v0.9.0; before, it was namespaced.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

inline constexpr const char* k_spo_api_version = "security-profiles-operator.x-k8s.io/v1beta1";

// `profile_name` made a DNS-1123 label, which the API server takes as metadata.name: lower
// case; every byte but [a-z0-9-] becomes '-', runs of '-' become one, a leading or trailing '-'
// goes, at most 63 characters; "cradle" when nothing is left. "Web_API.v2" -> "web-api-v2".
std::string spo_object_name(std::string_view profile_name);

// Whether `name` is a DNS-1123 label: 1 to 63 of [a-z0-9-], starting and ending alphanumeric.
bool is_dns1123_label(std::string_view name);

// The securityContext's localhostProfile for the object `name`, as the operator installs it:
// "operator/<name>.json" (cluster-scoped, SPO >= 0.9.0), or "operator/<namespace>/<name>.json"
// when `object_namespace` is given (namespaced, SPO < 0.9.0).
std::string spo_localhost_profile(const std::string& name, const std::optional<std::string>& object_namespace);

// The SeccompProfile object holding `profile` (a Docker/OCI profile, such as
// build_seccomp_profile's) as a YAML document, starting with "---" and ending in a newline:
//   ---
//   apiVersion: security-profiles-operator.x-k8s.io/v1beta1
//   kind: SeccompProfile
//   metadata:
//     name: "web"
//     namespace: "shop"         # only with `object_namespace`
//   spec:
//     defaultAction: SCMP_ACT_ERRNO
//     architectures:
//     - SCMP_ARCH_X86_64
//     syscalls:
//     - action: SCMP_ACT_ALLOW
//       names:
//       - read
//     - action: SCMP_ACT_ERRNO
//       errnoRet: 38
//       names: ...
//       args:                   # only a rule with conditions
//       - index: 0
//         value: 2080505856
//         valueTwo: 0
//         op: SCMP_CMP_MASKED_EQ
// A rule's "comment" is left out (the spec has no such field). Fails (EINVAL) when `profile`
// has a defaultErrnoRet other than EPERM, since the spec has no defaultErrnoRet and the
// runtime then answers EPERM; or a field other than defaultAction, defaultErrnoRet,
// architectures and syscalls (rules: names, action, errnoRet, args, comment); or a name or
// action that is not [A-Za-z0-9_]+ (which a plain YAML scalar could not carry).
Result<std::string> render_spo_seccomp_profile(const nlohmann::json& profile, const std::string& name,
                                               const std::optional<std::string>& object_namespace);

}  // namespace cradle
