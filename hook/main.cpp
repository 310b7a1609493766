// cradle-hook: an OCI runtime hook (createRuntime/prestart: register; poststop: flush).
// Runtimes drop a hook's stderr on success, so what it has to say goes to syslog as well.
#include <getopt.h>
#include <syslog.h>

#include <cstdio>

#include "hook/hook.h"

namespace {

constexpr const char* k_usage = R"(Usage: cradle-hook [--socket PATH] [--config FILE] [STAGE]

An OCI runtime hook. Reads the container's OCI state on stdin; STAGE is prestart,
createRuntime (register the container with cradled) or poststop (have its profile
written before the runtime returns; cradled writes it anyway once the container's
cgroup is gone); without STAGE it follows the state's status. Only containers with the
annotation io.cradle.profile=<name> are traced, unless the configuration's auto_profile
is enabled: then every other container is traced under a name made from its template.

Examples (config.json hooks; poststop only where the files are needed at once):
  "createRuntime": [{"path": "/usr/local/bin/cradle-hook", "args": ["cradle-hook", "createRuntime"]}]
  "poststop":      [{"path": "/usr/local/bin/cradle-hook", "args": ["cradle-hook", "poststop"]}]
)";

}  // namespace

int main(int argc, char** argv) {
    enum { k_socket = 1, k_config, k_help };
    const option options[] = {{"socket", required_argument, nullptr, k_socket},
                              {"config", required_argument, nullptr, k_config},
                              {"help", no_argument, nullptr, k_help},
                              {nullptr, 0, nullptr, 0}};
    cradle::HookOptions hook;
    for (int option; (option = getopt_long(argc, argv, "", options, nullptr)) != -1;) {
        switch (option) {
            case k_socket: hook.socket_path = optarg; break;
            case k_config: hook.config_path = optarg; break;
            case k_help: std::fputs(k_usage, stdout); return 0;
            default: std::fputs(k_usage, stderr); return 2;
        }
    }
    if (optind < argc) {
        auto stage = cradle::parse_hook_stage(argv[optind]);
        if (!stage) {
            std::fprintf(stderr, "cradle-hook: %s\n", stage.error().message.c_str());
            return 2;
        }
        hook.stage = *stage;
    }

    const cradle::HookOutcome outcome = cradle::run_hook(hook);
    if (!outcome.message.empty()) {
        openlog("cradle-hook", LOG_PID, LOG_DAEMON);
        syslog(cradle::syslog_priority(outcome.severity), "%s", outcome.message.c_str());
        closelog();
        if (outcome.severity >= cradle::Severity::Warning) {
            std::fprintf(stderr, "cradle-hook: %s\n", outcome.message.c_str());
        }
    }
    return outcome.exit_code;
}
