#include "cli/cli.h"

#include <ostream>

#include "common/config.h"
#include "common/protocol.h"
#include "profilegen/collector_status.h"
#include "profilegen/recording_files.h"
#include "profilegen/run_options.h"

namespace cradle {

namespace {

constexpr const char* k_usage = R"(Usage: cradle COMMAND [OPTIONS]

Commands:
  options [--output SECCOMP_PATH] [--format text|json] TRACEFILE|DIR...
      Merge the recordings (a DIR means every *.tracefile in it) and print the docker run
      options that allow what they did and nothing else. The merged seccomp profile is
      written to SECCOMP_PATH; without --output, one input's own <name>.seccomp.json is used.
  status [--socket PATH] [--format text|json]
      What the collector traces, how it observes capability checks, and what it lost.

Exit status: 0 ok; 1 a finding: an input recording is incomplete, or the workload needed a
capability and was refused it; 2 an error.

Examples:
  cradle options /var/lib/cradle/profiles/web.tracefile
  cradle options --output /etc/cradle/web-all.json /var/lib/cradle/profiles/web.tracefile ci/web.tracefile
  cradle status --format json
)";

struct Arguments {
    std::vector<std::string> positional;
    std::string output;
    std::string format = "text";
    std::string socket;
};

bool parse_arguments(const std::vector<std::string>& args, std::size_t first, Arguments& parsed, std::ostream& err) {
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& flag, std::string& into) {
            if (arg == flag) {
                if (i + 1 >= args.size()) {
                    err << "cradle: " << flag << " needs a value\n";
                    return false;
                }
                into = args[++i];
                return true;
            }
            into = arg.substr(flag.size() + 1);
            return true;
        };
        const auto matches = [&](const std::string& flag) { return arg == flag || arg.rfind(flag + "=", 0) == 0; };
        if (matches("--output")) {
            if (!value("--output", parsed.output)) return false;
        } else if (matches("--format")) {
            if (!value("--format", parsed.format)) return false;
        } else if (matches("--socket")) {
            if (!value("--socket", parsed.socket)) return false;
        } else if (arg.size() > 1 && arg[0] == '-') {
            err << "cradle: unknown option \"" << arg << "\"\n" << k_usage;
            return false;
        } else {
            parsed.positional.push_back(arg);
        }
    }
    if (parsed.format != "text" && parsed.format != "json") {
        err << "cradle: --format must be text or json, not \"" << parsed.format << "\"\n";
        return false;
    }
    return true;
}

int run_options(const Arguments& arguments, std::ostream& out, std::ostream& err) {
    if (arguments.positional.empty()) {
        err << "cradle options: name at least one TRACEFILE or DIR\n";
        return 2;
    }
    auto tracefiles = expand_tracefile_inputs(arguments.positional);
    if (!tracefiles) {
        err << "cradle options: " << tracefiles.error().message << "\n";
        return 2;
    }
    auto merged = read_merged_recording(*tracefiles);
    if (!merged) {
        err << "cradle options: " << merged.error().message << "\n";
        return 2;
    }

    std::string seccomp_path = arguments.output;
    if (seccomp_path.empty()) {
        auto beside = seccomp_profile_beside(*tracefiles);
        if (!beside) {
            err << "cradle options: " << beside.error().message << ": write one with --output\n";
            return 2;
        }
        seccomp_path = *beside;
    } else if (auto written = write_seccomp_profile(seccomp_path, *merged); !written) {
        err << "cradle options: " << written.error().message << "\n";
        return 2;
    }

    if (arguments.format == "json") {
        auto document = render_run_options_json(*merged, seccomp_path);
        if (!document) {
            err << "cradle options: writing the options as JSON: " << document.error().message << "\n";
            return 2;
        }
        out << *document << "\n";
    } else {
        out << render_docker_options(*merged, seccomp_path) << "\n";
    }
    for (const std::string& denied : merged->denied_capabilities) {
        err << "cradle options: finding: the workload needed capability " << denied << " and was refused it\n";
    }
    for (const std::string& reason : merged->incomplete_reasons) {
        err << "cradle options: INCOMPLETE recording: " << reason << "\n";
    }
    return merged->complete() && merged->denied_capabilities.empty() ? 0 : 1;
}

int run_status(const Arguments& arguments, std::ostream& out, std::ostream& err) {
    std::string socket = arguments.socket;
    if (socket.empty()) {
        auto config = load_config(k_default_config_path);
        socket = config ? config->socket_path : Config{}.socket_path;
    }
    const Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto status = call_collector(socket, {{"op", "status"}}, deadline);
    if (!status) {
        err << "cradle status: " << status.error().message << "\n";
        return 2;
    }
    if (arguments.format == "json") {
        auto document = render_status_json(*status);
        if (!document) {
            err << "cradle status: writing the collector's answer as JSON: " << document.error().message << "\n";
            return 2;
        }
        out << *document << "\n";
    } else {
        out << render_status_text(*status);
    }
    return 0;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help" || args[0] == "help" || args[0] == "-h") {
        (args.empty() ? err : out) << k_usage;
        return args.empty() ? 2 : 0;
    }
    Arguments arguments;
    if (!parse_arguments(args, 1, arguments, err)) {
        return 2;
    }
    if (args[0] == "options") {
        return run_options(arguments, out, err);
    }
    if (args[0] == "status") {
        return run_status(arguments, out, err);
    }
    err << "cradle: unknown command \"" << args[0] << "\"\n" << k_usage;
    return 2;
}

}  // namespace cradle
