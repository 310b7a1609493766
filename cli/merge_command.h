// cradle merge: one tracefile from the recordings of many runs (replicas, CI jobs).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cradle {

extern const char* const k_merge_command_help;

struct MergeCommandOptions {
    std::vector<std::string> inputs;  // tracefiles and directories of them, at least one
    std::string output;               // -o/--output: where the merged tracefile goes
};

// Parses the arguments after `cradle merge`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`): a flag it does not take, no -o/--output, no input.
std::optional<MergeCommandOptions> parse_merge_command(const std::vector<std::string>& args, std::ostream& out,
                                                       std::ostream& err, int& exit_status);

// Merges the recordings (read_merged_recording: the union, counters summed, the reasons of
// every incomplete input, the implied syscalls) and writes them at `output` atomically
// (write_tracefile); like cp, it prints nothing on `out`. Returns 0; 1 when the result is
// incomplete (it is still written; the reasons go to `err`); 2 on an error or when the merged
// recording fails check_real_run (written on `err`, nothing written).
int run_merge_command(const MergeCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_merge_command, then run_merge_command.
int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
