#include "cli/verify_command.h"

#include <unistd.h>

#include <charconv>
#include <ctime>
#include <filesystem>
#include <ostream>

#include "cli/runtime_option.h"
#include "common/joined.h"
#include "common/json.h"
#include "common/profile_name.h"
#include "common/text_file.h"
#include "profilegen/capability_minimizer.h"
#include "profilegen/container_run.h"
#include "profilegen/profile_store.h"
#include "profilegen/recording_files.h"
#include "profilegen/run_comparison.h"
#include "profilegen/run_options.h"
#include "profilegen/verify_spec.h"

namespace cradle {

const char* const k_verify_command_help =
    R"(Usage: cradle verify --bundle DIR --profile NAME|TRACEFILE [--minimize-capabilities]
                    [--runtime PATH] [--timeout SECONDS] [--config FILE] [--format text|json]

Proves a profile on the workload it was recorded from: runs the OCI bundle DIR with runc as it
is (the reference run: its own seccomp filter and capabilities, as it was recorded), then under
the profile (its seccomp profile, and its granted capabilities as the bounding, effective and
permitted sets; none inheritable or ambient), and says whether the workload exits the same way
and writes the same stdout and stderr. When not, it says how (the exit status, or the first
differing line).

The comparison is exact, byte for byte: a workload whose output holds the time, pids, random
names or anything else that changes from run to run differs from itself. Make it
deterministic for verifying (a fixed seed, no timestamps, output sorted), or verify a command
that checks the result rather than printing it.

The bundle is never modified: each run has a bundle directory of its own holding a copy of
config.json that points at the original root filesystem by absolute path, read-only (a workload
that writes its root filesystem must have a tmpfs or volume mounted there), without the
process's terminal (its output is captured) and without cradle-hook (verifying records
nothing). Each run is a container of its own id, deleted afterwards, and is killed after
--timeout.

With --minimize-capabilities it then runs the workload once without each recorded capability,
dropping one more each run as long as the run stays the same, and reports the capabilities
whose removal changed the run: the proven-minimal set.

Options:
  --bundle DIR               the OCI bundle: DIR/config.json and the root filesystem it names
  --profile NAME|TRACEFILE   a profile NAME in the collector's output directory (the
                             configuration's "output_dir", /var/lib/cradle/profiles unless set),
                             or a tracefile's path (anything with a '/' or ending in
                             .tracefile), with its .seccomp.json beside it
  --minimize-capabilities    find which recorded capabilities the workload really needs
  --runtime PATH             the runtime to run with (default: the configuration's
                             "runc_wrapper.runtime", runc on PATH unless set)
  --timeout SECONDS          the longest a run may take (default 60)
  --config FILE              the configuration (default /etc/cradle/cradle.json; defaults
                             when absent)
  --format text|json         lines for a person (default), or one JSON document
  -h, --help                 this help

Exit status: 0 the same under the profile (with --minimize-capabilities too); 1 a difference:
the run under the profile does not exit the same way or with the same output; 2 an error.

Examples:
  cradle verify --bundle /srv/bundles/web --profile web
  cradle verify --bundle ./bundle --profile ci-artifacts/web.tracefile --timeout 300
  cradle verify --bundle ./bundle --profile web --minimize-capabilities --format json
)";

namespace {

constexpr long k_max_timeout_seconds = 86400;

std::optional<long> parse_seconds(const std::string& text) {
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > k_max_timeout_seconds) {
        return std::nullopt;
    }
    return value;
}

// The capability names of `names` on one line, "none" for none.
std::string capability_list(const std::vector<std::string>& names) {
    return names.empty() ? "none" : joined(names, " ");
}

std::string run_summary(const ProcessOutcome& outcome) {
    const nlohmann::json summary = run_summary_json(outcome);
    return describe_process_end(outcome.end, outcome.status) + ", " +
           std::to_string(summary["stdout_lines"].get<std::size_t>()) + " lines on stdout, " +
           std::to_string(summary["stderr_lines"].get<std::size_t>()) + " on stderr" +
           (outcome.truncated ? " (cut at 16 MiB)" : "");
}

// Everything a verification needs, read before the first run.
struct Verification {
    ProfileFiles files;
    nlohmann::json seccomp_profile;
    std::vector<std::string> capabilities;  // OCI names
    nlohmann::json reference;               // the spec of the reference run
    std::string runtime;
};

Result<Verification> prepare(const VerifyCommandOptions& options, std::ostream& err) {
    auto config = load_command_config(options.config);
    if (!config) {
        return config.error();
    }
    Verification verification;
    auto files = locate_profile(options.profile, config->output_dir);
    if (!files) {
        return files.error();
    }
    verification.files = *files;
    auto recording = read_tracefile(files->tracefile);
    if (!recording) {
        return recording.error();
    }
    for (const std::string& reason : recording->incomplete_reasons) {
        err << "cradle verify: note: the recording is INCOMPLETE: " << reason << "\n";
    }
    verification.capabilities = oci_capability_names(*recording);
    auto profile_text = read_text_file(files->seccomp_profile);
    if (!profile_text) {
        return profile_text.error();
    }
    auto profile = parse_json(*profile_text);
    if (!profile) {
        return with_context(profile.error(), "seccomp profile \"" + files->seccomp_profile + "\"");
    }
    verification.seccomp_profile = *profile;

    std::error_code ignored;
    const std::string bundle = std::filesystem::absolute(options.bundle, ignored).lexically_normal().string();
    auto spec_text = read_text_file(bundle + "/config.json");
    if (!spec_text) {
        return spec_text.error();
    }
    auto spec = parse_json(*spec_text);
    if (!spec) {
        return with_context(spec.error(), "\"" + bundle + "/config.json\"");
    }
    auto reference = reference_spec(*spec, bundle);
    if (!reference) {
        return with_context(reference.error(), "\"" + bundle + "/config.json\"");
    }
    const nlohmann::json& root = (*spec)["root"];
    if (!root.contains("readonly") || root["readonly"] != true) {
        err << "cradle verify: note: the root filesystem is read-only in both runs (verify never writes the bundle)\n";
    }
    verification.reference = *reference;
    auto runtime = resolve_runtime(options.runtime, *config, search_path());
    if (!runtime) {
        return runtime.error();
    }
    verification.runtime = *runtime;
    return verification;
}

}  // namespace

std::optional<VerifyCommandOptions> parse_verify_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status) {
    VerifyCommandOptions options;
    std::optional<std::string> bundle, profile, timeout, format;
    std::vector<std::string> positional;
    const std::initializer_list<Flag> flags = {{"--minimize-capabilities", nullptr, &options.minimize_capabilities},
                                               {"--bundle", &bundle},
                                               {"--profile", &profile},
                                               {"--runtime", &options.runtime},
                                               {"--config", &options.config},
                                               {"--timeout", &timeout},
                                               {"--format", &format}};
    if (const auto stop =
            exit_before_running(parse_arguments("verify", args, flags, positional, err), k_verify_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    exit_status = 2;
    const auto parsed_format = parse_format("verify", format, err);
    if (!parsed_format) {
        return std::nullopt;
    }
    options.format = *parsed_format;
    if (!positional.empty()) {
        err << "cradle verify: unexpected argument \"" << printable_value(positional.front())
            << "\" (name the bundle with --bundle, the profile with --profile)\n";
        return std::nullopt;
    }
    if (!bundle || bundle->empty()) {
        err << "cradle verify: name the bundle with --bundle DIR\n";
        return std::nullopt;
    }
    if (!profile || profile->empty()) {
        err << "cradle verify: name the profile with --profile NAME|TRACEFILE\n";
        return std::nullopt;
    }
    options.bundle = *bundle;
    options.profile = *profile;
    if (timeout) {
        const auto seconds = parse_seconds(*timeout);
        if (!seconds) {
            err << "cradle verify: --timeout must be a whole number of seconds from 1 to " << k_max_timeout_seconds
                << ", not \"" << printable_value(*timeout) << "\"\n";
            return std::nullopt;
        }
        options.timeout = std::chrono::seconds(*seconds);
    }
    exit_status = 0;
    return options;
}

Result<ProfileFiles> locate_profile(const std::string& profile, const std::string& output_dir) {
    std::vector<std::string> tracefiles;
    if (profile.find('/') != std::string::npos || profile.ends_with(k_tracefile_suffix)) {
        tracefiles.push_back(profile);
    } else {
        auto name = expand_profile_name(profile, std::time(nullptr));
        if (!name) {
            return name.error();
        }
        if (*name != profile) {
            return Error{EINVAL, "profile name \"" + printable_value(profile) +
                                     "\": name the profile as its files are named, without strftime tokens"};
        }
        tracefiles.push_back(output_dir + "/" + profile + k_tracefile_suffix);
    }
    if (::access(tracefiles.front().c_str(), R_OK) != 0) {
        return system_error("tracefile \"" + printable_value(tracefiles.front(), 200) + "\"");
    }
    auto seccomp = seccomp_profile_beside(tracefiles);
    if (!seccomp) {
        return seccomp.error();
    }
    return ProfileFiles{tracefiles.front(), *seccomp};
}

int run_verify_command(const VerifyCommandOptions& options, std::ostream& out, std::ostream& err) {
    auto verification = prepare(options, err);
    if (!verification) {
        err << "cradle verify: " << verification.error().message << "\n";
        return 2;
    }
    const bool text = options.format == OutputFormat::text;
    const std::string id_prefix = "cradle-verify-" + std::to_string(::getpid()) + "-";
    int run_number = 0;
    auto run = [&](const nlohmann::json& spec) {
        return run_container({verification->runtime, id_prefix + std::to_string(++run_number), spec,
                              std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout)});
    };

    auto reference = run(verification->reference);
    if (!reference) {
        err << "cradle verify: the reference run: " << reference.error().message << "\n";
        return 2;
    }
    if (reference->end == ProcessEnd::timed_out) {
        err << "cradle verify: the bundle as it is did not end within " << options.timeout.count()
            << " s (--timeout): nothing to compare with\n";
        return 2;
    }
    if (text) {
        out << "reference run (the bundle as it is):  " << run_summary(*reference) << "\n";
    }
    const auto confined_with = [&](const std::vector<std::string>& capabilities) {
        return confined_spec(verification->reference, verification->seccomp_profile, capabilities);
    };
    auto confined = run(confined_with(verification->capabilities));
    if (!confined) {
        err << "cradle verify: the run under the profile: " << confined.error().message << "\n";
        return 2;
    }
    const auto difference = compare_runs(*reference, *confined);
    if (text) {
        out << "under the profile (" << verification->files.seccomp_profile
            << ", capabilities: " << capability_list(verification->capabilities) << "): " << run_summary(*confined)
            << "\n";
        if (difference) {
            out << "DIFFERENT under the profile: " << describe_difference(*difference, "without it", "under it")
                << "\n";
        } else {
            out << "the same: the workload exits the same way with the same output under the profile\n";
        }
    }

    std::optional<Minimization> minimization;
    if (options.minimize_capabilities && !difference) {
        auto found = minimize_capabilities(
            verification->capabilities,
            [&](const std::vector<std::string>& capabilities) -> Result<std::optional<RunDifference>> {
                auto outcome = run(confined_with(capabilities));
                if (!outcome) {
                    return outcome.error();
                }
                return compare_runs(*reference, *outcome);
            });
        if (!found) {
            err << "cradle verify: minimizing the capabilities: " << found.error().message << "\n";
            return 2;
        }
        minimization = *found;
        if (text) {
            for (const MinimizationStep& step : minimization->steps) {
                out << "without " << step.capability << ": "
                    << (step.needed
                            ? "differs, needed (" + describe_difference(*step.difference, "with it", "without it") + ")"
                            : std::string("the same, not needed"))
                    << "\n";
            }
            out << "capabilities the workload needs (proven minimal): " << capability_list(minimization->needed)
                << "\n";
        }
    }

    if (!text) {
        nlohmann::json document = {{"bundle", options.bundle},
                                   {"profile",
                                    {{"tracefile", verification->files.tracefile},
                                     {"seccomp_profile", verification->files.seccomp_profile},
                                     {"capabilities", verification->capabilities}}},
                                   {"runtime", verification->runtime},
                                   {"reference", run_summary_json(*reference)},
                                   {"confined", run_summary_json(*confined)},
                                   {"same", !difference},
                                   {"difference", difference ? difference_json(*difference) : nlohmann::json(nullptr)}};
        if (minimization) {
            nlohmann::json steps = nlohmann::json::array();
            for (const MinimizationStep& step : minimization->steps) {
                steps.push_back(
                    {{"capability", step.capability},
                     {"needed", step.needed},
                     {"difference", step.difference ? difference_json(*step.difference) : nlohmann::json(nullptr)}});
            }
            document["needed_capabilities"] = minimization->needed;
            document["unneeded_capabilities"] = minimization->not_needed;
            document["minimization"] = steps;
        }
        auto written = write_json(document, 2);
        if (!written) {
            err << "cradle verify: writing the result as JSON: " << written.error().message << "\n";
            return 2;
        }
        out << *written << "\n";
    }
    return difference ? 1 : 0;
}

int verify_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_verify_command(args, out, err, exit_status);
    return options ? run_verify_command(*options, out, err) : exit_status;
}

}  // namespace cradle
