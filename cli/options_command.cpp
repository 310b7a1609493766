#include "cli/options_command.h"

#include <cerrno>
#include <filesystem>
#include <ostream>

#include "common/joined.h"
#include "common/json.h"
#include "common/profile_name.h"
#include "profilegen/base_policy.h"
#include "profilegen/real_run.h"
#include "profilegen/recording_files.h"
#include "profilegen/run_options.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/spo_profile.h"
#include "profilegen/syscall_table.h"

namespace cradle {

const char* const k_options_command_help =
    R"(Usage: cradle options [--output SECCOMP_PATH] [--format FORMAT] [--errno EPERM|ENOSYS] [--seccomp-root DIR]
                      [--crd [--namespace NS]] [--base POLICY.json] TRACEFILE|DIR...

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
  --crd                  kubernetes: also print a Security Profiles Operator SeccompProfile
                         object (a second YAML document, apiVersion
                         security-profiles-operator.x-k8s.io/v1beta1), named after the
                         tracefile (else --output's file name), and point the securityContext
                         at operator/<name>.json, where the operator installs it
  --namespace NS         with --crd: the object's namespace, for operators before v0.9.0,
                         whose objects are namespaced (operator/<NS>/<name>.json); default:
                         cluster-scoped, as since v0.9.0
  --base POLICY.json     hold the recording against an existing seccomp profile (Docker's
                         default, an organization's policy; Docker/OCI JSON): the result is the
                         base, its includes/excludes settled for the recorded capabilities, its
                         argument conditions kept; each syscall the workload made that the base
                         refuses (by a rule, or by a refusing defaultAction) stays refused and
                         is a finding. The base's defaultAction and errno stand (no --errno);
                         not with --format systemd. --output writes the result
  -h, --help             this help

Exit status: 0 ok; 1 a finding, printed on stderr: an input recording is incomplete, the
workload needed a capability and was refused it, or it made a syscall (or used an
architecture) the --base refuses; 2 an error, or a recording that cannot have come from a real
run (it allows no syscall, or lacks execve or exit_group): nothing is written.

Examples:
  cradle options /var/lib/cradle/profiles/web.tracefile
  cradle options --output /etc/cradle/web.json /var/lib/cradle/profiles/
  cradle options --output /etc/cradle/web-all.json web.tracefile ci/web.tracefile
  cradle options --format podman /var/lib/cradle/profiles/web.tracefile
  cradle options --format json /var/lib/cradle/profiles/web.tracefile
  cradle options --format kubernetes --output /var/lib/kubelet/seccomp/cradle/web.json web.tracefile
  cradle options --format oci --errno ENOSYS web.tracefile
  cradle options --format systemd --errno ENOSYS web.tracefile
  cradle options --format kubernetes --crd web.tracefile > web-seccomp.yaml
  cradle options --base docker-default.json --output /etc/cradle/web.json web.tracefile
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

// oci embeds the profile, systemd has its own filter and the SeccompProfile object holds it:
// none names a profile file.
bool names_profile_file(OptionsFormat format, bool crd) {
    return format != OptionsFormat::oci && format != OptionsFormat::systemd &&
           !(format == OptionsFormat::kubernetes && crd);
}

// Whether the output holds the profile itself.
bool embeds_profile(const OptionsCommandOptions& options) {
    return options.format == OptionsFormat::oci || (options.format == OptionsFormat::kubernetes && options.crd);
}

// What --base, --crd and --namespace cannot go with; a message, or nothing when all is well.
std::optional<std::string> conflicting_flags(const OptionsCommandOptions& options, bool errno_given) {
    if (options.crd && options.format != OptionsFormat::kubernetes) {
        return "--crd goes with --format kubernetes";
    }
    if (options.crd && options.refusal != RefusalErrno::eperm) {
        return "--crd cannot carry --errno ENOSYS: a SeccompProfile has no defaultErrnoRet, so the runtime answers "
               "EPERM";
    }
    if (options.crd_namespace && !options.crd) {
        return "--namespace goes with --crd";
    }
    if (options.crd_namespace && !is_dns1123_label(*options.crd_namespace)) {
        return "--namespace must be a DNS-1123 label ([a-z0-9-], at most 63), not \"" +
               printable_value(*options.crd_namespace) + "\"";
    }
    if (options.base && errno_given) {
        return "--base keeps the base's defaultAction and errno: --errno cannot go with it";
    }
    if (options.base && options.format == OptionsFormat::systemd) {
        return "--base does not go with --format systemd, whose filter cannot hold the base's argument conditions";
    }
    if (options.base && !options.output && names_profile_file(options.format, options.crd)) {
        return "--base needs --output: the profile held against the base is written there";
    }
    return std::nullopt;
}

// The findings of holding the recording against the base, on `err`; whether there was one.
bool report_base(const BaseMerge& merge, std::ostream& err) {
    for (const auto& refusal : merge.refused) {
        err << "cradle options: finding: the workload made syscall " << refusal.syscall
            << ", which the base refuses by " << refusal.by << ": it stays refused\n";
    }
    for (const auto& arch : merge.missing_architectures) {
        err << "cradle options: finding: the workload made syscalls of architecture " << arch
            << ", which the base does not list: they stay refused\n";
    }
    if (!merge.conditional.empty()) {
        err << "cradle options: note: the base allows " << joined(merge.conditional)
            << " for some arguments only; the workload's calls of them stay under those conditions\n";
    }
    if (!merge.falling_back.empty()) {
        err << "cradle options: note: the base answers " << joined(merge.falling_back)
            << " with ENOSYS, as a kernel without them would: callers fall back to an older syscall\n";
    }
    return !merge.refused.empty() || !merge.missing_architectures.empty();
}

// The name of the SeccompProfile object: the one tracefile's ("web" for web.tracefile), else
// --output's file name without ".json" and ".seccomp".
Result<std::string> crd_object_name(const OptionsCommandOptions& options, const std::vector<std::string>& tracefiles) {
    const auto stem = [](std::string name, std::initializer_list<std::string_view> suffixes) {
        name = std::filesystem::path(name).filename().string();
        for (std::string_view suffix : suffixes) {
            if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
                name.resize(name.size() - suffix.size());
            }
        }
        return name;
    };
    if (tracefiles.size() == 1) {
        return spo_object_name(stem(tracefiles.front(), {".tracefile"}));
    }
    if (options.output) {
        return spo_object_name(stem(*options.output, {".json", ".seccomp"}));
    }
    return Error{EINVAL,
                 std::to_string(tracefiles.size()) + " recordings merged: name the SeccompProfile with --output"};
}

// The securityContext, and with --crd the SeccompProfile object holding `profile`.
Result<std::string> render_kubernetes(const OptionsCommandOptions& options, const Recording& merged,
                                      const std::string& seccomp_path, const std::vector<std::string>& tracefiles,
                                      const nlohmann::json* profile) {
    if (!options.crd) {
        auto context = render_kubernetes_security_context(merged, seccomp_path, options.seccomp_root);
        if (!context) {
            return with_context(context.error(), "writing the securityContext");
        }
        return context;
    }
    auto name = crd_object_name(options, tracefiles);
    if (!name) {
        return name.error();
    }
    auto context = render_kubernetes_security_context_for(merged, spo_localhost_profile(*name, options.crd_namespace));
    if (!context) {
        return with_context(context.error(), "writing the securityContext");
    }
    auto object = render_spo_seccomp_profile(*profile, *name, options.crd_namespace);
    if (!object) {
        return object.error();
    }
    return *context + *object;
}

// The text `options.format` asks for; docker and podman never fail. `profile` is the one to
// enforce, when the format holds it (oci, kubernetes with --crd).
Result<std::string> render_options(const OptionsCommandOptions& options, const Recording& merged,
                                   const std::string& seccomp_path, const std::vector<std::string>& tracefiles,
                                   const nlohmann::json* profile) {
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
        case OptionsFormat::kubernetes: return render_kubernetes(options, merged, seccomp_path, tracefiles, profile);
        case OptionsFormat::oci: {
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
        {"--output", &options.output},          {"--format", &format},     {"--errno", &refusal},
        {"--seccomp-root", &seccomp_root},      {"--base", &options.base}, {"--crd", nullptr, &options.crd},
        {"--namespace", &options.crd_namespace}};
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
    if (const auto conflict = conflicting_flags(options, refusal.has_value())) {
        err << "cradle options: " << *conflict << "\n";
        exit_status = 2;
        return std::nullopt;
    }
    if (options.refusal != RefusalErrno::eperm && !options.output && names_profile_file(options.format, options.crd)) {
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
    // A profile from it would stop the workload it is meant for: nothing is written.
    if (auto real = check_real_run(*merged); !real) {
        err << "cradle options: refusing the recording: " << real.error().message << "\n";
        return 2;
    }

    std::optional<BaseMerge> base;
    if (options.base) {
        auto policy = read_base_profile(*options.base);
        if (!policy) {
            err << "cradle options: " << policy.error().message << "\n";
            return 2;
        }
        auto merge = merge_with_base(*policy, *merged, base_context_for(*merged));
        if (!merge) {
            err << "cradle options: " << merge.error().message << " (in \"" << *options.base << "\")\n";
            return 2;
        }
        base = std::move(*merge);
    }
    // The profile to enforce, where it is needed as JSON: the base's, or the recording's own.
    std::optional<nlohmann::json> profile;
    if (base) {
        profile = base->profile;
    } else if (embeds_profile(options)) {
        auto built = build_seccomp_profile(*merged, options.refusal);
        if (!built) {
            err << "cradle options: " << built.error().message << "\n";
            return 2;
        }
        profile = std::move(*built);
    }

    std::string seccomp_path;
    if (options.output) {
        Result<void> written;
        if (profile) {  // the base's, or the recording's built above: not built twice
            auto text = write_json(*profile, 2);
            written = text ? write_output_file(*options.output, *text + "\n") : Result<void>(text.error());
        } else {
            written = write_seccomp_profile(*options.output, *merged, options.refusal);
        }
        if (!written) {
            err << "cradle options: " << written.error().message << "\n";
            return 2;
        }
        seccomp_path = *options.output;
    } else if (names_profile_file(options.format, options.crd)) {
        auto beside = seccomp_profile_beside(*tracefiles);
        if (!beside) {
            err << "cradle options: " << beside.error().message << ": write one with --output\n";
            return 2;
        }
        seccomp_path = *beside;
    }

    auto rendered = render_options(options, *merged, seccomp_path, *tracefiles, profile ? &*profile : nullptr);
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
    const bool base_finding = base && report_base(*base, err);
    return merged->complete() && merged->denied_capabilities.empty() && !base_finding ? 0 : 1;
}

int options_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_options_command(args, out, err, exit_status);
    return options ? run_options_command(*options, out, err) : exit_status;
}

}  // namespace cradle
