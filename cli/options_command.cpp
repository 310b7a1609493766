#include "cli/options_command.h"

#include <ostream>

#include "common/profile_name.h"
#include "profilegen/recording_files.h"
#include "profilegen/run_options.h"

namespace cradle {

const char* const k_options_command_help =
    R"(Usage: cradle options [--output SECCOMP_PATH] [--format docker|podman|json] TRACEFILE|DIR...

Merge the recordings (a DIR means every *.tracefile in it) and print the docker run (or podman
run) options that allow what they did and nothing else.

Options:
  --output SECCOMP_PATH  write the merged seccomp profile there (missing directories are
                         created); without it, the one input's own <name>.seccomp.json is used
  --format docker|podman|json
                         the options for docker run (default; "text" is the same), for podman
                         run, or a JSON object with both, the capabilities, the profile's path,
                         the number of syscalls allowed and the findings
  -h, --help             this help

Exit status: 0 ok; 1 a finding, printed on stderr: an input recording is incomplete, or the
workload needed a capability and was refused it; 2 an error.

Examples:
  cradle options /var/lib/cradle/profiles/web.tracefile
  cradle options --output /etc/cradle/web.json /var/lib/cradle/profiles/
  cradle options --output /etc/cradle/web-all.json web.tracefile ci/web.tracefile
  cradle options --format podman /var/lib/cradle/profiles/web.tracefile
  cradle options --format json /var/lib/cradle/profiles/web.tracefile
)";

namespace {

std::optional<OptionsFormat> parse_options_format(const std::optional<std::string>& value, std::ostream& err) {
    if (!value || *value == "docker" || *value == "text") {
        return OptionsFormat::docker;
    }
    if (*value == "podman") {
        return OptionsFormat::podman;
    }
    if (*value == "json") {
        return OptionsFormat::json;
    }
    err << "cradle options: --format must be docker, podman or json, not \"" << printable_value(*value) << "\"\n";
    return std::nullopt;
}

}  // namespace

std::optional<OptionsCommandOptions> parse_options_command(const std::vector<std::string>& args, std::ostream& out,
                                                           std::ostream& err, int& exit_status) {
    OptionsCommandOptions options;
    std::optional<std::string> format;
    const std::initializer_list<Flag> flags = {{"--output", &options.output}, {"--format", &format}};
    if (const auto stop = exit_before_running(parse_arguments("options", args, flags, options.inputs, err),
                                              k_options_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    const auto parsed_format = parse_options_format(format, err);
    if (!parsed_format) {
        exit_status = 2;
        return std::nullopt;
    }
    options.format = *parsed_format;
    if (options.inputs.empty()) {
        err << "cradle options: name at least one TRACEFILE or DIR\n";
        exit_status = 2;
        return std::nullopt;
    }
    return options;
}

int run_options_command(const OptionsCommandOptions& options, std::ostream& out, std::ostream& err) {
    auto tracefiles = expand_tracefile_inputs(options.inputs);
    if (!tracefiles) {
        err << "cradle options: " << tracefiles.error().message << "\n";
        return 2;
    }
    auto merged = read_merged_recording(*tracefiles);
    if (!merged) {
        err << "cradle options: " << merged.error().message << "\n";
        return 2;
    }

    std::string seccomp_path;
    if (options.output) {
        if (auto written = write_seccomp_profile(*options.output, *merged); !written) {
            err << "cradle options: " << written.error().message << "\n";
            return 2;
        }
        seccomp_path = *options.output;
    } else {
        auto beside = seccomp_profile_beside(*tracefiles);
        if (!beside) {
            err << "cradle options: " << beside.error().message << ": write one with --output\n";
            return 2;
        }
        seccomp_path = *beside;
    }

    if (options.format == OptionsFormat::json) {
        auto document = render_run_options_json(*merged, seccomp_path);
        if (!document) {
            err << "cradle options: writing the options as JSON: " << document.error().message << "\n";
            return 2;
        }
        out << *document << "\n";
    } else {
        const RunOptionsDialect dialect =
            options.format == OptionsFormat::podman ? RunOptionsDialect::podman : RunOptionsDialect::docker;
        out << render_run_options(*merged, seccomp_path, dialect) << "\n";
    }
    for (const std::string& denied : merged->denied_capabilities) {
        err << "cradle options: finding: the workload needed capability " << denied << " and was refused it\n";
    }
    for (const std::string& reason : merged->incomplete_reasons) {
        err << "cradle options: INCOMPLETE recording: " << reason << "\n";
    }
    return merged->complete() && merged->denied_capabilities.empty() ? 0 : 1;
}

int options_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_options_command(args, out, err, exit_status);
    return options ? run_options_command(*options, out, err) : exit_status;
}

}  // namespace cradle
