#include "cli/diff_command.h"

#include <ostream>

#include "common/profile_name.h"
#include "profilegen/recording_diff.h"
#include "profilegen/recording_files.h"

namespace cradle {

const char* const k_diff_command_help =
    R"(Usage: cradle diff [--format text|json] [--fail-on any|risky] A B

Compare two tracefiles, A (before) and B (after): for each section that differs, its heading,
then "+entry" for each entry in B and not in A and "-entry" for each entry in A and not in B,
sorted (the format of ctrace's diff). The sections compared are ARCH, CAPABILITIES, SYSCALLS,
COMPAT_SYSCALLS, ARGUMENTS and DENIED_CAPABILITIES. An entry is a name, and in ARGUMENTS a
line as the tracefile has it: "+socket AF_PACKET", "-unshare CLONE_NEWUTS". The other sections
(probed capabilities, runtime, implied and setup syscalls, counters, INCOMPLETE) are
information and are not compared.

Options:
  --format text|json    the sections as above (default), or a JSON object with every compared
                        section as {"added": [...], "removed": [...]}
  --fail-on any|risky   any: exit 1 on any difference (default). risky: exit 1 only when B
                        newly allows a high-risk syscall or capability (bpf, mount, ptrace,
                        unshare, sys_admin, net_admin, sys_module, ...) or argument value (any
                        namespace flag of clone, clone3 or unshare; an AF_PACKET or AF_VSOCK
                        socket; "any" for those, a value not kept), and name each one with why
                        it is risky, after the diff (text) or in "risky" (JSON). An argument
                        value is not new when A allowed its syscall with any argument ("any",
                        or no ARGUMENTS line, as in a tracefile from before them); B doing so
                        where A did not is reported as such: "unshare any"
  -h, --help            this help

Exit status: 0 no difference (with --fail-on risky: nothing risky added); 1 a difference (a
risky addition); 2 an error.

Examples:
  cradle diff yesterday/web.tracefile /var/lib/cradle/profiles/web.tracefile
  cradle diff --fail-on risky main/web.tracefile pr/web.tracefile
  cradle diff --format json a.tracefile b.tracefile | jq '.SYSCALLS.added'
  cradle diff --fail-on risky --format json a.tracefile b.tracefile | jq -r '.risky[].name'
)";

std::optional<DiffCommandOptions> parse_diff_command(const std::vector<std::string>& args, std::ostream& out,
                                                     std::ostream& err, int& exit_status) {
    DiffCommandOptions options;
    std::optional<std::string> format;
    std::optional<std::string> fail_on;
    std::vector<std::string> positional;
    const std::initializer_list<Flag> flags = {{"--format", &format}, {"--fail-on", &fail_on}};
    if (const auto stop =
            exit_before_running(parse_arguments("diff", args, flags, positional, err), k_diff_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    exit_status = 2;
    const auto parsed_format = parse_format("diff", format, err);
    if (!parsed_format) {
        return std::nullopt;
    }
    options.format = *parsed_format;
    if (fail_on && *fail_on == "risky") {
        options.fail_on = FailOn::risky;
    } else if (fail_on && *fail_on != "any") {
        err << "cradle diff: --fail-on must be any or risky, not \"" << printable_value(*fail_on) << "\"\n";
        return std::nullopt;
    }
    if (positional.size() != 2) {
        err << "cradle diff: name two tracefiles, A and B (" << positional.size() << " given)\n";
        return std::nullopt;
    }
    options.a = positional[0];
    options.b = positional[1];
    exit_status = 0;
    return options;
}

int run_diff_command(const DiffCommandOptions& options, std::ostream& out, std::ostream& err) {
    auto a = read_tracefile(options.a);
    if (!a) {
        err << "cradle diff: " << a.error().message << "\n";
        return 2;
    }
    auto b = read_tracefile(options.b);
    if (!b) {
        err << "cradle diff: " << b.error().message << "\n";
        return 2;
    }
    const std::vector<SectionDiff> diffs = diff_recordings(*a, *b);
    const bool risky_asked = options.fail_on == FailOn::risky;
    const std::vector<RiskyAddition> risky = risky_asked ? risky_additions(*a, *b) : std::vector<RiskyAddition>{};
    if (options.format == OutputFormat::json) {
        out << render_diff_json(diffs, risky, risky_asked);
    } else {
        const std::string diff_text = render_diff_text(diffs);
        out << diff_text;
        if (!risky.empty()) {
            out << (diff_text.empty() ? "" : "\n") << render_risky_text(risky);
        }
    }
    if (risky_asked) {
        return risky.empty() ? 0 : 1;
    }
    return diffs.empty() ? 0 : 1;
}

int diff_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_diff_command(args, out, err, exit_status);
    return options ? run_diff_command(*options, out, err) : exit_status;
}

}  // namespace cradle
