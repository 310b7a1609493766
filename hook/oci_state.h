// OCI state: the document a runtime writes on a hook's stdin, and what the hook should do with it.
//
// Runtimes differ (see FIELD-NOTES.md, "OCI hooks as runtimes really run them"):
//   runc: status "creating" and the init pid at prestart/createRuntime; "stopped" and no pid at
//         poststop.
//   crun: ociVersion "1.0", an extra "root" field, status "created" at prestart/createRuntime;
//         "stopped" with pid 0 at poststop.
// Both are accepted; unknown fields are ignored. Annotations are attacker input: they are
// returned as they are, and whoever uses one checks it (see common/profile_name.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cradle {

// Longest container id accepted (bytes).
inline constexpr std::size_t k_max_container_id_length = 1024;

struct OciState {
    std::string oci_version;                         // "ociVersion"; empty when absent
    std::string id;                                  // required: 1..1024 bytes of printable ASCII, no '/'
    std::string status;                              // required: "creating", "created", "running", "stopped"
    int pid = 0;                                     // 0 when absent or null (poststop)
    std::string bundle;                              // empty when absent
    std::map<std::string, std::string> annotations;  // empty when absent or null
};

// Parses the state document. Errors (code EINVAL, messages `OCI state: ...`): not JSON (with
// where, as common/json.h says; a number beyond a double's range is not JSON either), not an object, "id" missing,
// empty, not a string or not a valid id, "status" missing or not a string, "pid" negative, not an integer or too large,
// "annotations" not an object of strings, "ociVersion" or "bundle" not strings. The value of
// "status" is not checked here; hook_action() decides what it means.
Result<OciState> parse_oci_state(std::string_view json_text);

enum class HookStage { Prestart, CreateRuntime, Poststop };

// Parses the stage a hook was installed for, as given in its arguments: "prestart",
// "createRuntime" or "poststop" (case-sensitive, as in the OCI spec). "createContainer" and
// "startContainer" are refused with a message saying they run inside the container; any other
// value is refused. Errors have code EINVAL.
Result<HookStage> parse_hook_stage(std::string_view argument);

enum class HookAction { Register, Flush };

// What the hook should do: from `stage` when given (prestart/createRuntime -> Register,
// poststop -> Flush), otherwise from state.status ("creating" (runc) or "created" (crun) ->
// Register, "stopped" -> Flush; any other status is an error, as it names no stage a hook can
// act on). Register also needs the container's pid: a Register decision with pid 0 is an error.
Result<HookAction> hook_action(std::optional<HookStage> stage, const OciState& state);

}  // namespace cradle
