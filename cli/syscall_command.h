// cradle syscall: a syscall's number from its name, its name from its number, or all of them.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace cradle {

extern const char* const k_syscall_command_help;

using SyscallCommandOptions = LookupOptions;

// Parses the arguments after `cradle syscall`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, a bad --format, more than one QUERY.
std::optional<SyscallCommandOptions> parse_syscall_command(const std::vector<std::string>& args, std::ostream& out,
                                                           std::ostream& err, int& exit_status);

// Prints the syscall the query names on this machine's architecture (native_arch()), or every
// one, sorted by number, on `out`. Returns 0; 1 when the query names no syscall (the message on
// `err`); 2 on an error (written on `err`).
int run_syscall_command(const SyscallCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_syscall_command, then run_syscall_command.
int syscall_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
