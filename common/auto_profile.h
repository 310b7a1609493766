// Automatic profile names: a name for every container that has no io.cradle.profile annotation,
// made from a template over what its runtime tells about it (the "auto_profile" configuration).
//
// Everything a container tells about itself is attacker input (pod authors choose their names
// and annotations), but an automatic name must never stop a container: where an explicit name
// breaking the rules is refused (common/profile_name.h), an automatic one is repaired, and what
// was repaired is said for the log.
//
// Template syntax: one or more alternatives separated by '|'. An alternative is a sequence of
//   literal bytes   ASCII letters, digits, '.', '_', '-'
//   {field}         one of the fields below
//   %X              a strftime token that names accept (common/profile_name.h), expanded in UTC
// The first alternative whose fields are all known (non-empty) is used; an alternative without
// fields always is. When none is, the name is the container id. So the default
//   {namespace}_{workload}_{container}|{name}|{hostname}|{id}
// gives `shop_web_nginx` for a Kubernetes pod, the container's name under Docker, the spec's
// hostname under podman (its short id unless --hostname is given) and the id otherwise.
//
// Fields:
//   {namespace}  Kubernetes namespace: io.kubernetes.cri.sandbox-namespace (containerd), else
//                io.kubernetes.pod.namespace (CRI-O)
//   {pod}        pod name: io.kubernetes.cri.sandbox-name, else io.kubernetes.pod.name
//   {workload}   the pod name without the suffixes Kubernetes generates (workload_of_pod)
//   {container}  Kubernetes container name: io.kubernetes.cri.container-name, else
//                io.kubernetes.container.name
//   {name}       the runtime's name of the container (Docker's, without its leading '/')
//   {hostname}   the spec's hostname
//   {id}         the container id (never empty)
#pragma once

#include <ctime>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cradle {

inline constexpr std::string_view k_default_auto_template = "{namespace}_{workload}_{container}|{name}|{hostname}|{id}";

// Checks a template against the syntax above. Errors (EINVAL) name the problem: an empty
// template or alternative, an unknown or unclosed field, a byte that is not allowed, a strftime
// token names do not accept.
Result<void> check_auto_template(std::string_view template_text);

// What a runtime tells about a container; empty when unknown.
struct ContainerFacts {
    std::string namespace_name;
    std::string pod;
    std::string container;
    std::string name;
    std::string hostname;
    std::string id;
};

// The Kubernetes facts (namespace, pod, container) found in a container's annotations, with
// containerd's CRI annotations taking precedence over CRI-O's, except in a spec CRI-O made
// (io.container.manager=cri-o), where containerd's keys can only be a pod author's and are
// ignored; the other fields are left empty.
ContainerFacts facts_from_annotations(const std::map<std::string, std::string>& annotations);

// The annotation podman (libpod) and CRI-O set on the specs they make.
inline constexpr const char* k_container_manager_annotation = "io.container.manager";

// Whether CRI-O made the spec these annotations come from (io.container.manager=cri-o).
bool made_by_crio(const std::map<std::string, std::string>& annotations);

// Whether the annotations mark a Kubernetes pod's sandbox ("pause") container, which runs none
// of the pod's code: io.kubernetes.cri.container-type=sandbox (containerd) or
// io.kubernetes.cri-o.ContainerType=sandbox (CRI-O, and podman's pods; in a spec CRI-O made,
// only this one).
bool is_sandbox_container(const std::map<std::string, std::string>& annotations);

// The workload a pod belongs to, from its name, so that replicas share one profile. Segments are
// separated by '-'; the alphabet of Kubernetes' generated strings is [bcdfghjklmnpqrstvwxz2456789].
//   1. A last segment of exactly 5 bytes of that alphabet (the random suffix of a pod made by a
//      ReplicaSet, DaemonSet or Job) is removed; then, if one was, a new last segment of 6..10
//      bytes of that alphabet (a Deployment's pod-template-hash) is removed too.
//   2. Otherwise a last segment of decimal digits only (a StatefulSet's ordinal) is removed.
// A segment is removed only when one remains before it, so the result is never empty for a
// non-empty name. Examples: web-7d4b9c6f5d-x2k9p -> web, node-agent-5xq2z -> node-agent,
// db-0 -> db, web -> web. A pod whose own name ends in such a segment loses it too.
std::string workload_of_pod(std::string_view pod);

struct AutoProfileName {
    std::string name;  // a valid profile name: expand_profile_name(name, any time) returns it unchanged
    std::string note;  // what was repaired, for the log ("" when nothing was)
};

// The automatic name of the container `facts` describes, from `template_text` at time `when`.
// Never fails. Field values are taken as bytes: every byte that is not a letter, digit, '.', '_'
// or '-' becomes '_'; then, over the whole name, a '.' right after a '.' and a leading '.' or
// '-' become '_'. A name longer than k_max_profile_name_length is cut to 119 bytes followed by
// '-' and 8 hex digits of the FNV-1a (32-bit) hash of the whole uncut name, so names that differ
// only after the cut stay apart. A template that fails check_auto_template is not used: the name
// is then made from "{id}", and the note says so.
AutoProfileName auto_profile_name(std::string_view template_text, const ContainerFacts& facts, std::time_t when);

}  // namespace cradle
