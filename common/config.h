// Config: the administrator's settings for cradled, cradle-hook and cradle-runc, from
// /etc/cradle/cradle.json.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/auto_profile.h"
#include "common/result.h"

namespace cradle {

inline constexpr const char* k_default_config_path = "/etc/cradle/cradle.json";

// cradle-runc's settings: the "runc_wrapper" section.
struct RuncWrapperConfig {
    // "runtime": the real OCI runtime cradle-runc executes: an absolute path, or a plain name
    // searched on PATH (cradle-runc itself, also through a symbolic link, is skipped).
    std::string runtime = "runc";
    // "hook": the cradle-hook added to traced containers: an absolute path, or a plain name in
    // the directory that holds cradle-runc itself.
    std::string hook = "cradle-hook";
    bool poststop = false;                        // "poststop": add the hook at poststop as well
    std::string docker_root = "/var/lib/docker";  // "docker_root": dockerd's --data-root, for labels
};

// Automatic profiles: the "auto_profile" section (common/auto_profile.h).
struct AutoProfileConfig {
    bool enabled = false;  // "enabled": trace every container without io.cradle.profile, named from the template
    std::string template_text{k_default_auto_template};  // "template": checked by check_auto_template
};

struct Config {
    std::string socket_path = "/run/cradle/cradle.sock";  // "socket": where cradled listens
    std::string output_dir = "/var/lib/cradle/profiles";  // "output_dir": profiles are written here
    std::string pin_dir = "/sys/fs/bpf/cradle";           // "pin_dir": bpffs directory for pinned maps
    std::chrono::milliseconds hook_deadline{2000};        // "hook.deadline_ms": 100..60000
    bool hook_fail_closed = false;                        // "hook.fail_closed": a failing hook stops the container
    RuncWrapperConfig runc_wrapper;                       // "runc_wrapper": see above
    AutoProfileConfig auto_profile;                       // "auto_profile": see above
};

// Parses a config document of the form
//   {"socket": "/run/cradle/cradle.sock", "output_dir": "/var/lib/cradle/profiles",
//    "pin_dir": "/sys/fs/bpf/cradle", "hook": {"deadline_ms": 2000, "fail_closed": false},
//    "runc_wrapper": {"runtime": "runc", "hook": "cradle-hook", "poststop": false,
//                     "docker_root": "/var/lib/docker"},
//    "auto_profile": {"enabled": false, "template": "{namespace}_{workload}_{container}|{name}|{hostname}|{id}"}}
// Every key is optional; an absent key keeps its default from Config. Unknown keys are refused
// (a typo must not silently fall back to a default), as are values of the wrong type, paths that
// are not absolute (runc_wrapper.runtime and .hook may also be a plain name: not empty, not "."
// or "..", without '/'), deadline_ms outside 100..60000 and an auto_profile.template that
// check_auto_template refuses. Errors have code EINVAL and name the key:
// `key "hook.deadline_ms": ...`, or say the text is not a JSON object.
Result<Config> parse_config(std::string_view json_text);

// Reads the file at `path` (at most 64 KiB, a regular file; symbolic links are followed, as the
// administrator owns /etc) and parses it. Errors keep the errno of the failure, so a caller can
// use the defaults when `error().code == ENOENT`; messages read `config "<path>": ...`.
Result<Config> load_config(const std::string& path);

}  // namespace cradle
