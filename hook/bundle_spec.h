// A bundle's config.json (the OCI runtime spec) as cradle-runc changes it for a traced container:
// the io.cradle.profile annotation, which the hook sends to the collector, and cradle-hook at
// createRuntime (and at poststop when asked). Everything else keeps its meaning and its key order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// The environment variable in the container's process.env that names its profile, where the
// runtime passes no annotations (Docker 20.10).
inline constexpr std::string_view k_profile_variable = "CRADLE_PROFILE";

// Longest config.json cradle-runc changes (bytes); a larger spec is passed on untouched.
inline constexpr std::size_t k_max_bundle_spec_size = 16 << 20;

// What to add to a traced container's spec.
struct CradleHooks {
    std::string hook_path;                   // absolute path of cradle-hook
    std::optional<std::string> config_path;  // given to the hook as --config PATH when set
    bool poststop = false;                   // add the hook at poststop as well
    int timeout_seconds = 10;                // each hook entry's "timeout"
};

// Parses config.json text, keeping its key order. Errors (EINVAL): not JSON (as parse_json
// words it), not a JSON object.
Result<nlohmann::ordered_json> parse_bundle_spec(std::string_view text);

// The value of the io.cradle.profile annotation, or nullopt when the spec has none ("annotations"
// absent, null, not an object, or without that key, or a value that is not a string).
std::optional<std::string> profile_annotation(const nlohmann::ordered_json& spec);

// The value of the first CRADLE_PROFILE=VALUE in "process"."env", or nullopt when there is none
// or its value is empty (so `-e CRADLE_PROFILE=` turns off what an image set).
std::optional<std::string> profile_variable(const nlohmann::ordered_json& spec);

// The spec's "hostname", or "" when absent or not a string.
std::string spec_hostname(const nlohmann::ordered_json& spec);

// The spec's annotations whose values are strings ("annotations" absent, null or not an object
// gives none).
std::map<std::string, std::string> spec_annotations(const nlohmann::ordered_json& spec);

// Whether `spec` has an annotation of Kubernetes' (a key starting with "io.kubernetes."): the
// container is a pod's, created through the CRI.
bool has_kubernetes_annotations(const nlohmann::ordered_json& spec);

// Whether `spec` is a Kubernetes pod's sandbox ("pause") container, as containerd's CRI plugin
// marks it (annotation io.kubernetes.cri.container-type=sandbox): it carries the pod's annotations
// but runs none of the pod's code, so tracing it would merge the pause program's syscalls into the
// pod's profile.
bool is_pod_sandbox(const nlohmann::ordered_json& spec);

// Makes `spec` traced as `profile`: sets the io.cradle.profile annotation to `profile` when the
// spec has none (making "annotations" an object when it is null or absent), and appends a
// cradle-hook entry to "hooks"."createRuntime" unless a hook whose path ends in "/cradle-hook" (or
// is hooks.hook_path) is already at createRuntime or prestart; likewise at "poststop" when
// hooks.poststop is set. An entry is {"path": hook_path, "args": ["cradle-hook", ("--config",
// config_path,) STAGE], "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "timeout": N}.
// Returns whether it changed anything. Errors (EINVAL, the spec untouched): "annotations",
// "hooks" or a stage that is neither null nor of the OCI type (object, object, array), a hook
// entry that is not an object.
Result<bool> add_cradle_hooks(nlohmann::ordered_json& spec, const std::string& profile, const CradleHooks& hooks);

// `spec` as text in the layout of `original` (the text it was parsed from): compact when that is
// one line, else indented as its second line is (tabs or N spaces), with a final newline when
// `original` had one. Strings are written as UTF-8 (escapes such as Go's \u003c become the
// character). Errors (EILSEQ): a string that is not UTF-8.
Result<std::string> dump_bundle_spec(const nlohmann::ordered_json& spec, std::string_view original);

}  // namespace cradle
