// cradle verify: re-runs an OCI bundle with runc under its profile and its capabilities, and
// says whether the workload exits the same way with the same output as it does without them;
// with --minimize-capabilities, which of the recorded capabilities it really needs.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "common/result.h"

namespace cradle {

extern const char* const k_verify_command_help;

struct VerifyCommandOptions {
    std::string bundle;                  // --bundle: the OCI bundle directory (config.json, rootfs)
    std::string profile;                 // --profile: a NAME in the output directory, or a TRACEFILE path
    bool minimize_capabilities = false;  // --minimize-capabilities
    std::optional<std::string> runtime;  // --runtime: else the configuration's runc_wrapper.runtime
    std::optional<std::string> config;   // --config: else /etc/cradle/cradle.json (defaults when absent)
    std::chrono::seconds timeout{60};    // --timeout: for each run
    OutputFormat format = OutputFormat::text;
};

// Parses the arguments after `cradle verify`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, no --bundle or --profile, a --timeout that
// is not a whole number of seconds from 1 to 86400, a bad --format, any other argument.
std::optional<VerifyCommandOptions> parse_verify_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status);

// Where a profile's files are: `<dir>/<NAME>.tracefile` and `<dir>/<NAME>.seccomp.json`.
struct ProfileFiles {
    std::string tracefile;
    std::string seccomp_profile;
};

// The files --profile names: an argument holding a '/' or ending in ".tracefile" is a
// tracefile's path, whose seccomp profile is beside it (seccomp_profile_beside); anything else
// is a profile NAME (common/profile_name.h, without strftime tokens: the name its files were
// written under) in `output_dir`. Fails (EINVAL, ENOENT) with a message saying which file is
// missing or why the name is refused.
Result<ProfileFiles> locate_profile(const std::string& profile, const std::string& output_dir);

// Runs the bundle as it is (the reference), then under the profile, each in a bundle directory
// of its own that points at the original root filesystem (read-only), as a container of its own
// id that is deleted afterwards (container_run.h), and compares them exactly (run_comparison.h).
// With minimize_capabilities, when they are the same, re-runs it once without each recorded
// capability (capability_minimizer.h). Prints on `out` what it found (text, or one JSON
// document). Returns 0 when the runs are the same (with --minimize-capabilities too, whatever
// it found), 1 when the run under the profile differs (how, on `out`), 2 on an error (on `err`):
// a profile or bundle that cannot be read, no runtime, a reference run that timed out.
int run_verify_command(const VerifyCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_verify_command, then run_verify_command.
int verify_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
