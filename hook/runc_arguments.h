// A runtime's command line as runc 1.1 reads it, for cradle-runc: which command it is, and for
// `create` and `run` the bundle and the container id.
//
// runc reads its command line with urfave/cli v1 on top of Go's flag package:
//   runc [GLOBAL FLAGS] COMMAND [COMMAND FLAGS AND ARGUMENTS]
// Global flags end at the first argument that is not a flag (or after "--"): --debug,
// --systemd-cgroup (booleans), --log, --log-format, --root, --criu, --rootless (with a value),
// --help/-h and --version/-v. `create` and `run` take --bundle/-b, --console-socket, --pid-file,
// --preserve-fds N, --no-pivot and --no-new-keyring; `run` also --detach/-d, --keep and
// --no-subreaper. As Go's flag package does, a flag may be written with one dash or two, a value
// as `--flag value` or `--flag=value`, a boolean as `--flag` or `--flag=false`; a command's flags
// may also follow its container id (urfave/cli moves flags ahead of the other arguments).
#pragma once

#include <span>
#include <string>

#include "common/result.h"

namespace cradle {

enum class RuncCommand { Create, Run, Other };

struct RuncArguments {
    RuncCommand command = RuncCommand::Other;
    std::string bundle;        // create/run: --bundle as given (maybe relative); empty: the current directory
    std::string container_id;  // create/run: the one argument that is not a flag
};

// Reads `arguments` (the command line without argv[0]) as runc 1.1 does. The command is Other for
// every command but create and run, for none at all, and when runc would only print its help or
// version (--help or --version before the command, --help after create or run).
// Errors (code EINVAL, "runtime command line: <reason>" naming the offending argument) for what
// runc itself refuses: a flag it does not know (before the command, or of create/run), a flag
// without its value, a boolean or integer it cannot read, both forms of one flag
// (--bundle and -b), or create/run without exactly one non-empty container id.
Result<RuncArguments> parse_runc_arguments(std::span<const std::string> arguments);

}  // namespace cradle
