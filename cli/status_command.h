// cradle status: what the collector traces, how it observes capability checks, what it lost.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace cradle {

extern const char* const k_status_command_help;

struct StatusCommandOptions {
    std::optional<std::string> socket;  // --socket: else the configuration's
    std::optional<std::string> config;  // --config: else k_default_config_path, defaults when absent
    OutputFormat format = OutputFormat::text;
};

// Parses the arguments after `cradle status`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`), such as a flag `cradle status` does not take or any argument that
// is not a flag's.
std::optional<StatusCommandOptions> parse_status_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status);

// Asks the collector for its status (at most 5 s) and prints it on `out`. The socket is
// --socket, else the configuration's: the file --config names must load, the default one may
// be absent (the defaults then). Returns 0, or 2 on an error written on `err`: a configuration
// that does not load, a collector that cannot be reached, refuses or answers something else
// than a protocol message, an answer that cannot be written as JSON.
int run_status_command(const StatusCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_status_command, then run_status_command.
int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
