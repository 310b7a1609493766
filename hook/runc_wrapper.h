// cradle-runc: an OCI runtime for containerd and Docker, which have no hooks.d, that hands every
// call on to the real runtime (runc) with the very same arguments, after making the bundle of a
// container to be traced call cradle-hook.
//
// A container is traced when its spec has the io.cradle.profile annotation (`ctr run
// --annotation`, Kubernetes through the CRI), else when Docker's record of it has the label
// io.cradle.profile (docker_record.h), else when its process.env holds CRADLE_PROFILE=NAME
// (bundle_spec.h), else, when the configuration's auto_profile.enabled is true, under the automatic
// name (common/auto_profile.h) made from the spec's annotations and hostname, Docker's name of the
// container (docker_record.h) and its id; a Kubernetes pod's sandbox never is. A Docker record
// that cannot be read leaves the container untraced, as before. Only `create` and `run`
// (runc_arguments.h) of such a container change its bundle's config.json, atomically; the name
// then travels as the annotation, which the hook sends. Whatever goes wrong on the way (a command
// line or spec not understood, a missing hook, a broken configuration) leaves the bundle as it
// was: the container runs untraced, and the reason is returned for the log. Only a runtime that
// cannot be found stops the call.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "hook/hook.h"

namespace cradle {

// The environment variable that names cradle-runc's configuration file (default
// /etc/cradle/cradle.json): the runtime's callers pass no flags of their own to it.
inline constexpr const char* k_config_variable = "CRADLE_CONFIG";

// PATH when the environment has none (Go's exec.LookPath finds nothing then; runtimes set one).
inline constexpr std::string_view k_default_search_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
};

// The identity of the file at `path`, symbolic links followed (so a link to cradle-runc has
// cradle-runc's). Errors keep the errno of stat().
Result<FileIdentity> file_identity(const std::string& path);

// The real runtime: `configured` itself when it is an absolute path, else the first executable
// regular file named `configured` in the absolute directories of `search_path` (a PATH; relative
// entries are skipped) that is not `self` (cradle-runc: through a link named runc, or a hard
// link). Errors: ENOENT "no executable \"runc\" on PATH \"...\" other than cradle-runc itself";
// for an absolute path, its stat() errno, EACCES when not an executable regular file, ELOOP when
// it is `self`.
Result<std::string> find_runtime(const std::string& configured, std::string_view search_path,
                                 std::optional<FileIdentity> self);

struct WrapperOptions {
    std::vector<std::string> arguments;              // the command line without argv[0]
    std::optional<std::string> config_path;          // from CRADLE_CONFIG; when absent, the default file if it exists
    std::string search_path{k_default_search_path};  // PATH
    std::string self_path;                           // cradle-runc's own file (/proc/self/exe); empty when unknown
};

struct WrapperMessage {
    Severity severity = Severity::Info;
    std::string text;  // one line for syslog
};

struct RuntimeCall {
    std::string runtime;                   // the real runtime to execute with the same arguments; empty when none
    std::vector<WrapperMessage> messages;  // what to log: the container traced, or why it is not
};

// Everything cradle-runc does before it executes the real runtime (which its main does): loads the
// configuration, finds the runtime (find_runtime with the configuration's runc_wrapper.runtime and
// self_path's identity; an empty `runtime` and an Error message when there is none), and for
// create/run of a container to be traced adds cradle-hook to the bundle (hooks' path from
// runc_wrapper.hook, a plain name being taken from self_path's directory; `--config FILE` given
// to the hook when config_path is set, made absolute; a timeout of hook.deadline_ms rounded up
// plus 10 s), rewriting config.json through a temporary file in the bundle, fsynced and renamed
// over it with the mode it had. A config.json that is a symbolic link is left alone.
RuntimeCall prepare_runtime_call(const WrapperOptions& options);

}  // namespace cradle
