#include "cli/calibrate_command.h"

#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <thread>

#include "cli/arguments.h"
#include "cli/runtime_option.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "common/temporary_directory.h"
#include "hook/runc_wrapper.h"
#include "profilegen/calibration_bundle.h"
#include "profilegen/container_run.h"
#include "profilegen/profile_store.h"
#include "profilegen/recording_files.h"

namespace cradle {

const char* const k_calibrate_command_help =
    R"(Usage: cradle calibrate [--runtime PATH] [--no-new-privileges] [--socket PATH] [--config FILE]
                       [--rootfs DIR]

Measures what the OCI runtime does on this machine between installing a container's seccomp
filter and executing its workload: syscalls every profile must allow, or no container could
start under it. cradled keeps what it measured (the runtime baseline, pinned with its maps, see
"cradle status") and joins every recording with it; a recording made before any measurement is
marked INCOMPLETE. Run it once on each machine or CI runner, and again after the runtime is
upgraded (the baseline only grows).

It starts a container running /bin/true with the runtime, under a seccomp filter that refuses
nothing it does, with cradle-hook registering it as the profile cradle-calibration, eight times
with noNewPrivileges and eight times without (runc installs its filter at another point then):
what runc's Go runtime does in that window varies from run to run. cradled must be running.

Options:
  --runtime PATH        the runtime to measure (default: the configuration's
                        "runc_wrapper.runtime", runc on PATH unless set)
  --no-new-privileges   measure only containers with noNewPrivileges (as Kubernetes runs them
                        with allowPrivilegeEscalation: false): a tighter baseline, for machines
                        where no container runs without it
  --socket PATH         the collector's socket (default: the configuration's "socket",
                        /run/cradle/cradle.sock unless set)
  --config FILE         the configuration (default /etc/cradle/cradle.json; defaults when
                        absent); also given to cradle-hook
  --rootfs DIR          a root filesystem holding an executable /bin/true (default: a
                        temporary one with a copy of the statically linked busybox on PATH)
  -h, --help            this help

Exit status: 0 measured; 2 an error: cradled not running, no runtime, a calibration container
that failed, nothing measured.

Examples:
  cradle calibrate
  cradle calibrate --runtime /usr/local/sbin/runc --no-new-privileges
  cradle calibrate --socket /run/cradle-ci/cradle.sock && cradle status
)";

namespace {

constexpr auto k_collector_timeout = std::chrono::seconds(5);
constexpr auto k_measure_timeout = std::chrono::seconds(10);
constexpr auto k_run_timeout = std::chrono::seconds(60);

Result<nlohmann::json> collector_status(const std::string& socket) {
    return call_collector(socket, {{"op", "status"}}, std::chrono::steady_clock::now() + k_collector_timeout);
}

std::string baseline_text(const nlohmann::json& status) {
    return std::to_string(number_member(status, "runtime_baseline_syscalls")) + " syscalls from " +
           std::to_string(number_member(status, "runtime_baseline_samples")) + " containers";
}

Result<std::string> find_hook(const Config& config) {
    const std::string& hook = config.runc_wrapper.hook;
    std::string path = hook;
    if (!hook.starts_with("/")) {
        const std::string directory = own_directory();
        if (directory.empty()) {
            return Error{ENOENT, "cannot find \"" + printable_value(hook) +
                                     "\" beside cradle, whose own path is unknown (is /proc mounted?)"};
        }
        path = directory + "/" + hook;
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return system_error("the hook \"" + printable_value(path, 200) + "\" (runc_wrapper.hook)");
    }
    return path;
}

}  // namespace

std::optional<CalibrateCommandOptions> parse_calibrate_command(const std::vector<std::string>& args, std::ostream& out,
                                                               std::ostream& err, int& exit_status) {
    CalibrateCommandOptions options;
    std::vector<std::string> positional;
    const std::initializer_list<Flag> flags = {{"--no-new-privileges", nullptr, &options.no_new_privileges_only},
                                               {"--runtime", &options.runtime},
                                               {"--socket", &options.socket},
                                               {"--config", &options.config},
                                               {"--rootfs", &options.rootfs}};
    if (const auto stop = exit_before_running(parse_arguments("calibrate", args, flags, positional, err),
                                              k_calibrate_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    if (!positional.empty()) {
        err << "cradle calibrate: unexpected argument \"" << printable_value(positional.front())
            << "\" (it takes none)\n";
        exit_status = 2;
        return std::nullopt;
    }
    return options;
}

int run_calibrate_command(const CalibrateCommandOptions& options, std::ostream& out, std::ostream& err) {
    auto fail = [&](const std::string& message) {
        err << "cradle calibrate: " << message << "\n";
        return 2;
    };
    auto config = load_command_config(options.config);
    if (!config) {
        return fail(config.error().message);
    }
    const std::string socket = options.socket.value_or(config->socket_path);
    auto before = collector_status(socket);
    if (!before) {
        return fail("cradled is not running at " + socket + ": start it first (" + before.error().message + ")");
    }
    auto runtime = resolve_runtime(options.runtime, *config, search_path());
    if (!runtime) {
        return fail(runtime.error().message);
    }
    auto hook_path = find_hook(*config);
    if (!hook_path) {
        return fail(hook_path.error().message);
    }
    CalibrationHook hook{*hook_path, socket, std::nullopt};
    if (options.config) {
        std::error_code ignored;
        hook.config = std::filesystem::absolute(*options.config, ignored).string();
    }

    std::optional<TemporaryDirectory> made_rootfs;
    std::string rootfs;
    if (options.rootfs) {
        std::error_code ignored;
        rootfs = std::filesystem::absolute(*options.rootfs, ignored).lexically_normal().string();
    } else {
        auto busybox = find_runtime("busybox", search_path(), std::nullopt);
        if (!busybox) {
            return fail(
                "no busybox on PATH to make the calibration's root filesystem from: install busybox-static, "
                "or give --rootfs DIR with an executable /bin/true");
        }
        auto directory = TemporaryDirectory::make("cradle-calibration-rootfs");
        if (!directory) {
            return fail(directory.error().message);
        }
        made_rootfs.emplace(std::move(*directory));
        rootfs = made_rootfs->path();
        if (auto made = make_calibration_rootfs(rootfs, *busybox); !made) {
            return fail(made.error().message);
        }
    }
    auto skeleton = default_runtime_spec(*runtime);
    if (!skeleton) {
        return fail(skeleton.error().message);
    }

    out << "runtime " << *runtime << ", collector at " << socket << "\n";
    const std::uint64_t samples_before = number_member(*before, "runtime_baseline_samples");
    int runs = 0;
    std::vector<bool> settings = {true};
    if (!options.no_new_privileges_only) {
        settings.push_back(false);
    }
    for (const bool no_new_privileges : settings) {
        const nlohmann::json spec = calibration_spec(*skeleton, rootfs, hook, no_new_privileges);
        for (int run = 0; run < k_calibration_runs; ++run) {
            const std::string id = "cradle-calibration-" + std::to_string(::getpid()) + "-" + std::to_string(++runs);
            auto outcome = run_container({*runtime, id, spec, k_run_timeout});
            if (!outcome) {
                return fail("calibration container \"" + id + "\": " + outcome.error().message);
            }
            if (outcome->end != ProcessEnd::exited || outcome->status != 0) {
                return fail("calibration container \"" + id + "\" failed (" +
                            describe_process_end(outcome->end, outcome->status) +
                            "): " + printable_value(outcome->stderr_text, 400) +
                            (options.rootfs ? "" : " (is the busybox on PATH statically linked?)"));
            }
        }
        out << "noNewPrivileges " << (no_new_privileges ? "on" : "off") << ": " << k_calibration_runs
            << " containers run\n";
    }

    // The collector adds a container to the baseline when it forgets it: at its poststop, or
    // at its next scan for containers whose cgroup is gone.
    const auto until = std::chrono::steady_clock::now() + k_measure_timeout;
    Result<nlohmann::json> after = before;
    while (true) {
        after = collector_status(socket);
        if (!after) {
            return fail("asking cradled at " + socket + " what it measured: " + after.error().message);
        }
        if (number_member(*after, "runtime_baseline_samples") >= samples_before + static_cast<std::uint64_t>(runs) ||
            std::chrono::steady_clock::now() >= until) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::uint64_t measured = number_member(*after, "runtime_baseline_samples") - samples_before;
    if (number_member(*after, "runtime_baseline_samples") <= samples_before) {
        return fail("cradled measured none of the " + std::to_string(runs) +
                    " calibration containers: did cradle-hook reach it (see syslog)?");
    }
    out << "runtime baseline: " << baseline_text(*after) << " (before: " << baseline_text(*before) << "; " << measured
        << " of " << runs << " containers measured now)\n";
    const std::string output_dir = string_member(*after, "output_dir");
    if (!output_dir.empty()) {
        if (auto recording = read_tracefile(output_dir + "/" + k_calibration_profile + k_tracefile_suffix)) {
            out << "the runtime's post-filter syscalls:";
            for (const std::string& name : recording->runtime_syscalls) {
                out << " " << name;
            }
            out << "\n";
        }
    }
    return 0;
}

int calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_calibrate_command(args, out, err, exit_status);
    return options ? run_calibrate_command(*options, out, err) : exit_status;
}

}  // namespace cradle
