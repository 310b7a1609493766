#include "cli/syscall_command.h"

#include <cerrno>
#include <ostream>

#include "common/profile_name.h"
#include "profilegen/name_lookup.h"
#include "profilegen/syscall_table.h"

namespace cradle {

const char* const k_syscall_command_help = R"(Usage: cradle syscall [--format text|json] [QUERY]

Look up a syscall of this machine's architecture by name or number, as libseccomp knows it, or
list them all, sorted by number, without QUERY. Lines read "NUMBER NAME".

Options:
  --format text|json  one line per syscall (default), or a JSON array of
                      {"arch", "name", "number"} objects
  -h, --help          this help

Exit status: 0 ok; 1 the QUERY names no syscall here; 2 an error.

Examples:
  cradle syscall execve
  cradle syscall 59
  cradle syscall --format json openat
  cradle syscall | grep -w 0
)";

std::optional<SyscallCommandOptions> parse_syscall_command(const std::vector<std::string>& args, std::ostream& out,
                                                           std::ostream& err, int& exit_status) {
    return parse_lookup_arguments("syscall", k_syscall_command_help, args, out, err, exit_status);
}

int run_syscall_command(const SyscallCommandOptions& options, std::ostream& out, std::ostream& err) {
    const std::string arch = native_arch();
    Result<std::vector<SyscallEntry>> entries = std::vector<SyscallEntry>{};
    if (options.query) {
        auto entry = look_up_syscall(arch, *options.query);
        if (!entry) {
            err << "cradle syscall: " << entry.error().message << "\n";
            return entry.error().code == ENOENT ? 1 : 2;
        }
        entries->push_back(*entry);
    } else {
        entries = list_syscalls(arch);
        if (!entries) {
            err << "cradle syscall: " << entries.error().message << "\n";
            return 2;
        }
    }
    out << (options.format == OutputFormat::json ? render_syscalls_json(*entries) : render_syscalls_text(*entries));
    return 0;
}

int syscall_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_syscall_command(args, out, err, exit_status);
    return options ? run_syscall_command(*options, out, err) : exit_status;
}

}  // namespace cradle
