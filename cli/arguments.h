// Parsing a subcommand's arguments: the flags it takes, --help, and the rest in order.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cradle {

// One flag a subcommand takes, with a value: "--output PATH" or "--output=PATH". Given more than
// once, the last value counts. A switch takes no value ("--crd"): its `value` is nullptr and
// `set` becomes true when it is given; "--crd=x" is refused.
struct Flag {
    std::string_view name;              // "--output"
    std::optional<std::string>* value;  // set to the flag's value; nullptr for a switch
    bool* set = nullptr;                // a switch: set to true when given
};

enum class ArgumentsOutcome {
    run,      // parsed: run the subcommand
    help,     // "--help" or "-h" came first: print its help, exit 0
    refused,  // a usage error, written on err: exit 2
};

// Reads `args` (what follows `cradle <command>`) in order: a flag of `flags` takes its value,
// "--help" or "-h" ends with ArgumentsOutcome::help, "--" makes every later argument positional,
// and any other argument starting with '-' (but "-" alone) is refused. Other arguments are
// appended to `positional`. A refusal writes one line to `err`, naming the subcommand:
//   cradle status: unknown option "--output"
//   cradle options: --output needs a value
ArgumentsOutcome parse_arguments(std::string_view command, const std::vector<std::string>& args,
                                 std::initializer_list<Flag> flags, std::vector<std::string>& positional,
                                 std::ostream& err);

// What `outcome` means for a subcommand: nothing when it is to run; else its exit status, 0
// after writing `help` on `out` (--help), or 2 (a refusal, already written on err).
std::optional<int> exit_before_running(ArgumentsOutcome outcome, std::string_view help, std::ostream& out);

// How a subcommand writes its result.
enum class OutputFormat { text, json };

// The --format value: "text" or "json" (text when absent). Anything else writes
// `cradle <command>: --format must be text or json, not "<value>"` to `err` and returns nothing.
std::optional<OutputFormat> parse_format(std::string_view command, const std::optional<std::string>& value,
                                         std::ostream& err);

// What a look-up command takes (`cradle syscall`, `cradle capability`): [--format text|json]
// [QUERY].
struct LookupOptions {
    std::optional<std::string> query;  // a name or a number; every entry when absent
    OutputFormat format = OutputFormat::text;
};

// Parses a look-up command's arguments. Returns the options, or nothing with the exit status in
// `exit_status`: 0 when --help was asked (`help` written on `out`), 2 on a usage error (written
// on `err`): a flag it does not take, a bad --format, more than one QUERY.
std::optional<LookupOptions> parse_lookup_arguments(std::string_view command, std::string_view help,
                                                    const std::vector<std::string>& args, std::ostream& out,
                                                    std::ostream& err, int& exit_status);

}  // namespace cradle
