// cradle capability: a capability's number from its name, its name from its number, or all of them.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace cradle {

extern const char* const k_capability_command_help;

using CapabilityCommandOptions = LookupOptions;

// Parses the arguments after `cradle capability`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, a bad --format, more than one QUERY.
std::optional<CapabilityCommandOptions> parse_capability_command(const std::vector<std::string>& args,
                                                                 std::ostream& out, std::ostream& err,
                                                                 int& exit_status);

// Prints the capability the query names, or every one libcap knows, sorted by number, on
// `out`. Returns 0, or 1 when the query names no capability (the message on `err`).
int run_capability_command(const CapabilityCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_capability_command, then run_capability_command.
int capability_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
