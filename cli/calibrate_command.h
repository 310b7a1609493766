// cradle calibrate: measures the runtime's post-filter syscalls on this machine, which the
// collector joins every recording with (README, "Birth, precisely").
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cradle {

extern const char* const k_calibrate_command_help;

struct CalibrateCommandOptions {
    std::optional<std::string> runtime;   // --runtime: else the configuration's runc_wrapper.runtime
    bool no_new_privileges_only = false;  // --no-new-privileges: measure only containers with noNewPrivileges
    std::optional<std::string> socket;    // --socket: else the configuration's
    std::optional<std::string> config;    // --config: else /etc/cradle/cradle.json (defaults when absent)
    std::optional<std::string> rootfs;    // --rootfs: a root filesystem with /bin/true; else one made from busybox
};

// Parses the arguments after `cradle calibrate`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, any other argument.
std::optional<CalibrateCommandOptions> parse_calibrate_command(const std::vector<std::string>& args, std::ostream& out,
                                                               std::ostream& err, int& exit_status);

// Checks that the collector answers, then runs the calibration container
// (profilegen/calibration_bundle.h) k_calibration_runs times with noNewPrivileges and, unless
// no_new_privileges_only, as many times without, with the runtime and cradle-hook (the
// configuration's runc_wrapper.hook: an absolute path, or a name beside this cradle), and waits
// (10 s at most) until the collector's runtime baseline counts them. Prints the runs and the
// baseline before and after on `out`. Returns 0 when the baseline counts new containers; 2 on
// an error (on `err`): a collector that does not answer ("cradled is not running at SOCKET:
// start it first"), no runtime, no hook, no busybox for the root filesystem, a calibration
// container that fails, a baseline that did not grow.
int run_calibrate_command(const CalibrateCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_calibrate_command, then run_calibrate_command.
int calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
