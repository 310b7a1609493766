#include "cli/cli.h"

#include <ostream>

#include "cli/calibrate_command.h"
#include "cli/capability_command.h"
#include "cli/diff_command.h"
#include "cli/events_command.h"
#include "cli/merge_command.h"
#include "cli/options_command.h"
#include "cli/status_command.h"
#include "cli/syscall_command.h"
#include "cli/verify_command.h"
#include "common/profile_name.h"

namespace cradle {

namespace {

constexpr const char* k_usage = R"(Usage: cradle COMMAND [OPTIONS]

Commands:
  options [--output SECCOMP_PATH] [--format FORMAT] [--errno EPERM|ENOSYS] [--seccomp-root DIR]
          [--crd [--namespace NS]] [--base POLICY.json] TRACEFILE|DIR...
      Merge the recordings (a DIR means every *.tracefile in it) and print the docker run (or
      podman run) options that allow what they did and nothing else, or a Kubernetes
      securityContext, an OCI config.json fragment, a systemd unit's lines.
  merge -o OUT TRACEFILE|DIR...
      Merge the recordings of many runs (replicas, CI jobs) into one tracefile.
  diff [--format text|json] [--fail-on any|risky] A B
      What changed from tracefile A to tracefile B, section by section, and whether B newly
      allows a high-risk syscall or capability.
  syscall [--format text|json] [QUERY]
      A syscall of this machine's architecture by name or number, or all of them.
  capability [--format text|json] [QUERY]
      A capability by name or number, or all of them.
  verify --bundle DIR --profile NAME|TRACEFILE [--minimize-capabilities] [--runtime PATH]
      Re-run an OCI bundle with runc as it is and under its profile and capabilities, and say
      whether it exits the same way with the same output; which capabilities it really needs.
  calibrate [--runtime PATH] [--no-new-privileges]
      Measure the runtime's post-filter syscalls on this machine for the collector (cradled
      must be running).
  status [--socket PATH] [--config FILE] [--format text|json]
      What the collector traces, how it observes capability checks, and what it lost.
  events [--trace FILTER]... [--output table|json] [--output-file PATH] [--buffer-pages N]
      A live stream of what new containers do: syscalls with their arguments, capability
      checks, execs and exits, from event programs attached only while it runs.
  help [COMMAND]
      This help, or a command's options and examples (as "cradle COMMAND --help").

Exit status: 0 ok; 1 a finding or a difference: an input recording is incomplete, the workload
needed a capability and was refused it, the tracefiles differ (diff), a QUERY names nothing, the
workload behaves differently under its profile (verify);
2 an error.

Examples:
  cradle options /var/lib/cradle/profiles/web.tracefile
  cradle options --output /etc/cradle/web-all.json /var/lib/cradle/profiles/web.tracefile ci/web.tracefile
  cradle merge -o web.tracefile replica-1/web.tracefile replica-2/web.tracefile
  cradle diff --fail-on risky main/web.tracefile pr/web.tracefile
  cradle syscall 59
  cradle capability CAP_SYS_ADMIN
  cradle verify --bundle /srv/bundles/web --profile web --minimize-capabilities
  cradle calibrate
  cradle status --format json
  cradle events --trace event=execve,openat --output json
  cradle options --help
)";

struct Command {
    const char* name;
    int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
    const char* help;
};

// Not constexpr: the help texts are defined in the commands' own files (constant-initialized all the same).
const Command k_commands[] = {
    {"options", options_command, k_options_command_help},
    {"merge", merge_command, k_merge_command_help},
    {"diff", diff_command, k_diff_command_help},
    {"syscall", syscall_command, k_syscall_command_help},
    {"capability", capability_command, k_capability_command_help},
    {"status", status_command, k_status_command_help},
    {"verify", verify_command, k_verify_command_help},
    {"calibrate", calibrate_command, k_calibrate_command_help},
    {"events", events_command, k_events_command_help},
};

const Command* find_command(const std::string& name) {
    for (const Command& command : k_commands) {
        if (name == command.name) {
            return &command;
        }
    }
    return nullptr;
}

int unknown_command(const std::string& name, std::ostream& err) {
    err << "cradle: unknown command \"" << printable_value(name) << "\"\n" << k_usage;
    return 2;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << k_usage;
        return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
        out << k_usage;
        return 0;
    }
    if (args[0] == "help") {
        if (args.size() > 2) {
            err << "cradle help: name one command\n";
            return 2;
        }
        const Command* command = find_command(args[1]);
        if (!command) {
            return unknown_command(args[1], err);
        }
        out << command->help;
        return 0;
    }
    const Command* command = find_command(args[0]);
    if (!command) {
        return unknown_command(args[0], err);
    }
    return command->run(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
}

}  // namespace cradle
