// cradle-hook's work, from the OCI state on stdin to the collector's answer.
//
// The hook never hangs a container start: it reads stdin to EOF and talks to the collector
// within one deadline (hook.deadline_ms, 2 s by default). When the collector cannot be
// reached, or the input is malformed, the container goes on untraced (exit 0) unless the
// configuration asks to fail closed; that rule is for registration only, as a poststop hook
// has nothing left to stop (known to be at poststop from STAGE, or from the state once it
// parsed), and the collector flushes a gone container by itself. A profile name that breaks
// the rules always stops the container (exit 1): it is the user's own mistake, best seen at
// once. Only the io.cradle.profile annotation is sent to the collector, with the runtime that
// runs the hook and the manager that drove it (hook/runtime_identity.h; unknown members left out,
// the whole runtime when none is known).
//
// With auto_profile.enabled, a container without the annotation (other than a pod's sandbox,
// is_sandbox_container) is traced too, under auto_profile_name() of the configured template over
// its state's annotations, the hostname in its bundle's config.json (read without following a
// symbolic link, at most k_max_bundle_spec_size bytes; "" when it cannot be read) and its id;
// at poststop it is flushed by id. An automatic name never stops a container: it is repaired
// (common/auto_profile.h), and the log line says how.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "hook/oci_state.h"

namespace cradle {

struct HookOptions {
    std::optional<std::string> config_path;  // default: /etc/cradle/cradle.json, defaults when absent
    std::optional<std::string> socket_path;  // overrides the configuration's
    std::optional<HookStage> stage;          // else taken from the state's status
    int input_fd = 0;                        // where the OCI state comes from
    std::string proc_root = "/proc";         // where the runtime's process is read
    std::optional<pid_t> runtime_pid;        // the runtime's process; default: the hook's parent
};

enum class Severity { Debug, Info, Warning, Error };

// The syslog(3) priority of `severity`: cradle-hook and cradle-runc report to syslog, since
// runtimes drop a hook's stderr and a runtime's streams may be the container's own.
int syslog_priority(Severity severity);

struct HookOutcome {
    int exit_code = 0;
    Severity severity = Severity::Debug;
    std::string message;  // one line for syslog and stderr; empty when there is nothing to say
};

HookOutcome run_hook(const HookOptions& options);

}  // namespace cradle
