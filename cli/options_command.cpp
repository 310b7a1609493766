#include "cli/options_command.h"

#include <cerrno>
#include <ostream>

#include "common/profile_name.h"
#include "profilegen/recording_files.h"
#include "profilegen/run_options.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/syscall_table.h"

namespace cradle {

const char* const k_options_command_help =
    R"(Usage: cradle options [--output SECCOMP_PATH] [--format FORMAT] [--errno EPERM|ENOSYS] [--seccomp-root DIR] TRACEFILE|DIR...

Merge the recordings (a DIR means every *.tracefile in it) and print the docker run (or podman
run) options, or the settings of another runner, that allow what they did and nothing else.

Options:
  --output SECCOMP_PATH  write the merged seccomp profile there (missing directories are
                         created); without it, the one input's own <name>.seccomp.json is used
  --format docker|podman|json|kubernetes|oci|systemd
                         docker: the options for docker run (default; "text" is the same)
                         podman: the options for podman run
                         json: a JSON object with both, the capabilities, the profile's path,
                           the number of syscalls allowed and the findings
                         kubernetes: a container's securityContext (YAML): capabilities,
                           allowPrivilegeEscalation, a Localhost seccompProfile
                         oci: the linux.seccomp and process.capabilities of a runtime's
                           config.json (JSON), the profile inside
                         systemd: SystemCallFilter= and the other lines for a unit's [Service]
  --errno EPERM|ENOSYS   what a refused syscall returns (default EPERM): the merged profile's
                         defaultErrnoRet (needs --output, except with oci and systemd), and
                         systemd's SystemCallErrorNumber=
  --seccomp-root DIR     kubernetes: the kubelet's seccomp directory (default
                         /var/lib/kubelet/seccomp); a profile outside it is named as
                         cradle/<file name>, with a comment saying where to copy it
  -h, --help             this help

Exit status: 0 ok; 1 a finding, printed on stderr: an input recording is incomplete, or the
workload needed a capability and was refused it; 2 an error.

Examples:
  cradle options /var/lib/cradle/profiles/web.tracefile
  cradle options --output /etc/cradle/web.json /var/lib/cradle/profiles/
  cradle options --output /etc/cradle/web-all.json web.tracefile ci/web.tracefile
  cradle options --format podman /var/lib/cradle/profiles/web.tracefile
  cradle options --format json /var/lib/cradle/profiles/web.tracefile
  cradle options --format kubernetes --output /var/lib/kubelet/seccomp/cradle/web.json web.tracefile
  cradle options --format oci --errno ENOSYS web.tracefile
  cradle options --format systemd --errno ENOSYS web.tracefile
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
    if (*value == "kubernetes") {
        return OptionsFormat::kubernetes;
    }
    if (*value == "oci") {
        return OptionsFormat::oci;
    }
    if (*value == "systemd") {
        return OptionsFormat::systemd;
    }
    err << "cradle options: --format must be docker, podman, json, kubernetes, oci or systemd, not \""
        << printable_value(*value) << "\"\n";
    return std::nullopt;
}

std::optional<RefusalErrno> parse_refusal_errno(const std::optional<std::string>& value, std::ostream& err) {
    if (!value || *value == "EPERM") {
        return RefusalErrno::eperm;
    }
    if (*value == "ENOSYS") {
        return RefusalErrno::enosys;
    }
    err << "cradle options: --errno must be EPERM or ENOSYS, not \"" << printable_value(*value) << "\"\n";
    return std::nullopt;
}

// oci embeds the profile and systemd has its own filter: neither names a profile file.
bool names_profile_file(OptionsFormat format) {
    return format != OptionsFormat::oci && format != OptionsFormat::systemd;
}

// The text `options.format` asks for; docker and podman never fail.
Result<std::string> render_options(const OptionsCommandOptions& options, const Recording& merged,
                                   const std::string& seccomp_path) {
    switch (options.format) {
        case OptionsFormat::docker: return render_run_options(merged, seccomp_path, RunOptionsDialect::docker) + "\n";
        case OptionsFormat::podman: return render_run_options(merged, seccomp_path, RunOptionsDialect::podman) + "\n";
        case OptionsFormat::json: {
            auto document = render_run_options_json(merged, seccomp_path);
            if (!document) {
                return with_context(document.error(), "writing the options as JSON");
            }
            return *document + "\n";
        }
        case OptionsFormat::kubernetes: {
            auto context = render_kubernetes_security_context(merged, seccomp_path, options.seccomp_root);
            if (!context) {
                return with_context(context.error(), "writing the securityContext");
            }
            return context;
        }
        case OptionsFormat::oci: {
            auto profile = build_seccomp_profile(merged, options.refusal);
            if (!profile) {
                return profile.error();
            }
            auto fragment = render_oci_config_fragment(merged, *profile);
            if (!fragment) {
                return with_context(fragment.error(), "writing the OCI configuration");
            }
            return fragment;
        }
        case OptionsFormat::systemd: return render_systemd_directives(merged, options.refusal, native_arch());
    }
    return Error{EINVAL, "unknown format"};
}

}  // namespace

std::optional<OptionsCommandOptions> parse_options_command(const std::vector<std::string>& args, std::ostream& out,
                                                           std::ostream& err, int& exit_status) {
    OptionsCommandOptions options;
    std::optional<std::string> format;
    std::optional<std::string> refusal;
    std::optional<std::string> seccomp_root;
    const std::initializer_list<Flag> flags = {
        {"--output", &options.output}, {"--format", &format}, {"--errno", &refusal}, {"--seccomp-root", &seccomp_root}};
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
    const auto parsed_refusal = parse_refusal_errno(refusal, err);
    if (!parsed_refusal) {
        exit_status = 2;
        return std::nullopt;
    }
    options.refusal = *parsed_refusal;
    if (options.refusal != RefusalErrno::eperm && !options.output && names_profile_file(options.format)) {
        err << "cradle options: --errno ENOSYS needs --output: the recording's own profile answers EPERM\n";
        exit_status = 2;
        return std::nullopt;
    }
    if (seccomp_root) {
        options.seccomp_root = *seccomp_root;
    }
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
        if (auto written = write_seccomp_profile(*options.output, *merged, options.refusal); !written) {
            err << "cradle options: " << written.error().message << "\n";
            return 2;
        }
        seccomp_path = *options.output;
    } else if (names_profile_file(options.format)) {
        auto beside = seccomp_profile_beside(*tracefiles);
        if (!beside) {
            err << "cradle options: " << beside.error().message << ": write one with --output\n";
            return 2;
        }
        seccomp_path = *beside;
    }

    auto rendered = render_options(options, *merged, seccomp_path);
    if (!rendered) {
        err << "cradle options: " << rendered.error().message << "\n";
        return 2;
    }
    out << *rendered;
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
