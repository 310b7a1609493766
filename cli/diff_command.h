// cradle diff: what changed between two tracefiles, and whether it newly allows anything risky.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace cradle {

extern const char* const k_diff_command_help;

// When cradle diff exits 1.
enum class FailOn {
    any,    // on any difference in the compared sections
    risky,  // only when B newly allows something risky (risky_additions)
};

struct DiffCommandOptions {
    std::string a;  // the tracefile compared against ("before")
    std::string b;  // the other ("after")
    OutputFormat format = OutputFormat::text;
    FailOn fail_on = FailOn::any;
};

// Parses the arguments after `cradle diff`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, a bad --format or --fail-on, other than
// two tracefiles.
std::optional<DiffCommandOptions> parse_diff_command(const std::vector<std::string>& args, std::ostream& out,
                                                     std::ostream& err, int& exit_status);

// Reads both tracefiles as they are (read_tracefile), prints their differences on `out`
// (render_diff_text, or render_diff_json), followed with --fail-on risky by the risky
// additions (render_risky_text, or the JSON's "risky"). Returns 0 when they do not differ (with
// --fail-on risky: when nothing risky was added), 1 when they do (when something risky was), 2
// on an error (written on `err`, nothing on `out`).
int run_diff_command(const DiffCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_diff_command, then run_diff_command.
int diff_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
