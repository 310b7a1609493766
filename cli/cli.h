// The `cradle` command line: the profile toolkit and the collector's status. Each subcommand
// lives in cli/<name>_command.{h,cpp}, parses its own options and calls the libraries.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cradle {

// Runs `cradle ARGS...` (args without the program name), printing to `out` and errors to
// `err`. `cradle --help` (or `help`) prints the commands, `cradle help COMMAND` and
// `cradle COMMAND --help` a command's options and examples. Returns the exit status: 0 ok, 1 a
// finding or a difference (an incomplete input, a capability the workload needed and was refused,
// tracefiles that differ, a lookup that finds nothing), 2 an error,
// a usage error among them (no command, an unknown one, a flag the command does not take).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
