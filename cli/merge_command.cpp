#include "cli/merge_command.h"

#include <ostream>

#include "cli/arguments.h"
#include "profilegen/real_run.h"
#include "profilegen/recording_files.h"

namespace cradle {

const char* const k_merge_command_help = R"(Usage: cradle merge -o OUT TRACEFILE|DIR...

Merge the recordings of many runs of a workload (replicas, CI jobs; a DIR means every
*.tracefile in it) into one tracefile at OUT, written atomically (missing directories are
created). The result allows what any run did, and what the kernel may make it call
(IMPLIED_SYSCALLS, as cradle options adds them); its counters are the sums, and it is marked
INCOMPLETE with the reasons of every input that was. Keep OUT out of the DIRs merged: a second
run would merge the first one's result again, and count its counters twice. Only OUT is
written, no JSON tracefile or profiles beside it: cradle options --output (or --format oci)
makes the profiles from OUT.

Options:
  -o, --output OUT  where the merged tracefile goes (required)
  -h, --help        this help

Exit status: 0 ok; 1 a finding: the merged recording is incomplete (it is written all the same,
the reasons on stderr); 2 an error, or a merged recording that cannot have come from a real
run (it allows no syscall, or lacks execve or exit_group): nothing is written.

Examples:
  cradle merge -o web.tracefile replica-1/web.tracefile replica-2/web.tracefile
  cradle merge -o /var/lib/cradle/merged/web.tracefile ci-artifacts/
  cradle merge -o all.tracefile *.tracefile && cradle options --output all.json all.tracefile
)";

std::optional<MergeCommandOptions> parse_merge_command(const std::vector<std::string>& args, std::ostream& out,
                                                       std::ostream& err, int& exit_status) {
    MergeCommandOptions options;
    std::optional<std::string> output;
    const std::initializer_list<Flag> flags = {{"-o", &output}, {"--output", &output}};
    if (const auto stop = exit_before_running(parse_arguments("merge", args, flags, options.inputs, err),
                                              k_merge_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    if (!output || output->empty()) {
        err << "cradle merge: name the merged tracefile with -o OUT\n";
        exit_status = 2;
        return std::nullopt;
    }
    options.output = *output;
    if (options.inputs.empty()) {
        err << "cradle merge: name at least one TRACEFILE or DIR\n";
        exit_status = 2;
        return std::nullopt;
    }
    return options;
}

int run_merge_command(const MergeCommandOptions& options, std::ostream& /*out*/, std::ostream& err) {
    auto tracefiles = expand_tracefile_inputs(options.inputs);
    if (!tracefiles) {
        err << "cradle merge: " << tracefiles.error().message << "\n";
        return 2;
    }
    auto merged = read_merged_recording(*tracefiles);
    if (!merged) {
        err << "cradle merge: " << merged.error().message << "\n";
        return 2;
    }
    // A profile from it would stop the workload it is meant for: nothing is written.
    if (auto real = check_real_run(*merged); !real) {
        err << "cradle merge: refusing the recording: " << real.error().message << "\n";
        return 2;
    }
    const std::string header =
        "Cradle tracefile: " + std::to_string(tracefiles->size()) + " recordings merged by cradle merge";
    if (auto written = write_tracefile(options.output, *merged, header); !written) {
        err << "cradle merge: " << written.error().message << "\n";
        return 2;
    }
    for (const std::string& reason : merged->incomplete_reasons) {
        err << "cradle merge: INCOMPLETE recording: " << reason << "\n";
    }
    return merged->complete() ? 0 : 1;
}

int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_merge_command(args, out, err, exit_status);
    return options ? run_merge_command(*options, out, err) : exit_status;
}

}  // namespace cradle
