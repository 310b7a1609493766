#include "cli/status_command.h"

#include <ostream>

#include "common/config.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "profilegen/collector_status.h"

namespace cradle {

const char* const k_status_command_help =
    R"(Usage: cradle status [--socket PATH] [--config FILE] [--format text|json]

What the collector traces, how it observes capability checks, and what it lost.

Options:
  --socket PATH       the collector's socket (default: the configuration's "socket",
                      /run/cradle/cradle.sock unless set)
  --config FILE       the configuration (default /etc/cradle/cradle.json; defaults when absent)
  --format text|json  lines and a table of the traced containers (default), or the
                      collector's answer as it came, in JSON
  -h, --help          this help

Exit status: 0 ok; 2 an error: a configuration that does not load, a collector that cannot be
reached or refuses.

Examples:
  cradle status
  cradle status --format json
  cradle status --socket /run/cradle-ci/cradle.sock
)";

std::optional<StatusCommandOptions> parse_status_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status) {
    StatusCommandOptions options;
    std::optional<std::string> format;
    std::vector<std::string> positional;
    const std::initializer_list<Flag> flags = {
        {"--socket", &options.socket}, {"--config", &options.config}, {"--format", &format}};
    if (const auto stop =
            exit_before_running(parse_arguments("status", args, flags, positional, err), k_status_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    const auto parsed_format = parse_format("status", format, err);
    if (!parsed_format) {
        exit_status = 2;
        return std::nullopt;
    }
    options.format = *parsed_format;
    if (!positional.empty()) {
        err << "cradle status: unexpected argument \"" << printable_value(positional.front()) << "\" (it takes none)\n";
        exit_status = 2;
        return std::nullopt;
    }
    return options;
}

namespace {

// The configuration is read only when it is named or needed: --socket alone works where the
// default one is unreadable or broken.
Result<std::string> collector_socket(const StatusCommandOptions& options) {
    if (options.socket && !options.config) {
        return *options.socket;
    }
    auto config = load_config(options.config.value_or(k_default_config_path));
    if (!config) {
        if (options.config || config.error().code != ENOENT) {
            return config.error();
        }
        return Config{}.socket_path;
    }
    return options.socket.value_or(config->socket_path);
}

}  // namespace

int run_status_command(const StatusCommandOptions& options, std::ostream& out, std::ostream& err) {
    auto socket = collector_socket(options);
    if (!socket) {
        err << "cradle status: " << socket.error().message << "\n";
        return 2;
    }
    const Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto status = call_collector(*socket, {{"op", "status"}}, deadline);
    if (!status) {
        err << "cradle status: " << status.error().message << "\n";
        return 2;
    }
    if (options.format == OutputFormat::json) {
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

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_status_command(args, out, err, exit_status);
    return options ? run_status_command(*options, out, err) : exit_status;
}

}  // namespace cradle
