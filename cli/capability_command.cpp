#include "cli/capability_command.h"

#include <ostream>

#include "common/profile_name.h"
#include "profilegen/name_lookup.h"

namespace cradle {

const char* const k_capability_command_help = R"(Usage: cradle capability [--format text|json] [QUERY]

Look up a capability by name or number, as libcap knows it, or list them all, sorted by number,
without QUERY. A name may be written "sys_admin", "SYS_ADMIN" or "CAP_SYS_ADMIN". Lines read
"NUMBER NAME CONSTANT": the name as Cradle writes it in tracefiles, then as Docker and OCI do.

Options:
  --format text|json  one line per capability (default), or a JSON array of
                      {"constant", "name", "number"} objects
  -h, --help          this help

Exit status: 0 ok; 1 the QUERY names no capability; 2 an error.

Examples:
  cradle capability 21
  cradle capability CAP_NET_BIND_SERVICE
  cradle capability --format json sys_ptrace
  cradle capability
)";

std::optional<CapabilityCommandOptions> parse_capability_command(const std::vector<std::string>& args,
                                                                 std::ostream& out, std::ostream& err,
                                                                 int& exit_status) {
    return parse_lookup_arguments("capability", k_capability_command_help, args, out, err, exit_status);
}

int run_capability_command(const CapabilityCommandOptions& options, std::ostream& out, std::ostream& err) {
    std::vector<CapabilityEntry> entries;
    if (options.query) {
        auto entry = look_up_capability(*options.query);
        if (!entry) {
            err << "cradle capability: " << entry.error().message << "\n";
            return 1;
        }
        entries.push_back(*entry);
    } else {
        entries = list_capabilities();
    }
    out << (options.format == OutputFormat::json ? render_capabilities_json(entries)
                                                 : render_capabilities_text(entries));
    return 0;
}

int capability_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_capability_command(args, out, err, exit_status);
    return options ? run_capability_command(*options, out, err) : exit_status;
}

}  // namespace cradle
