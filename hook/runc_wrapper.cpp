#include "hook/runc_wrapper.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "common/auto_profile.h"
#include "common/config.h"
#include "common/profile_name.h"
#include "common/safe_file.h"
#include "common/unique_fd.h"
#include "hook/bundle_spec.h"
#include "hook/docker_record.h"
#include "hook/runc_arguments.h"

namespace cradle {

namespace {

std::string in_quotes(std::string_view text) { return "\"" + printable_value(text, 200) + "\""; }

bool is_executable_file(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string last_component(std::string path) {
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

enum class ProfileSource { Annotation, DockerLabel, Variable, Automatic };

// Where the profile name came from, for the log.
const char* source_name(ProfileSource source) {
    switch (source) {
        case ProfileSource::Annotation: return "annotation";
        case ProfileSource::DockerLabel: return "Docker label";
        case ProfileSource::Automatic: return "template auto_profile.template";
        case ProfileSource::Variable: break;
    }
    return "environment variable CRADLE_PROFILE";
}

struct BundleOutcome {
    Severity severity = Severity::Debug;
    std::string message;  // empty when there is nothing to log
};

// Decides whether the container of `arguments` is traced and, if so, makes its bundle call the
// hook. Every failure is an outcome to log, never more: the runtime runs anyway.
BundleOutcome prepare_bundle(const RuncArguments& arguments, const Config& config, const WrapperOptions& options) {
    const std::string container = "container " + in_quotes(arguments.container_id);
    const std::string bundle = arguments.bundle.empty() ? "." : arguments.bundle;
    auto fail = [&](const std::string& reason) {
        return BundleOutcome{Severity::Warning, container + ": " + reason + "; the container runs untraced"};
    };

    UniqueFd directory(::open(bundle.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory.valid()) {
        return fail(system_error("opening the bundle " + in_quotes(bundle)).message);
    }
    struct stat spec_status {};
    if (::fstatat(directory.get(), "config.json", &spec_status, AT_SYMLINK_NOFOLLOW) != 0) {
        return fail(system_error("config.json in the bundle " + in_quotes(bundle)).message);
    }
    auto text = read_file_beneath(directory.get(), "config.json", k_max_bundle_spec_size);
    if (!text) {
        return fail("bundle " + in_quotes(bundle) + ": " + text.error().message);
    }
    auto spec = parse_bundle_spec(*text);
    if (!spec) {
        return fail("bundle " + in_quotes(bundle) + ": " + spec.error().message);
    }

    if (is_pod_sandbox(*spec)) {
        return {};
    }
    std::optional<std::string> profile = profile_annotation(*spec);
    ProfileSource source = ProfileSource::Annotation;
    std::string docker_problem;
    std::string docker_name;
    if (!profile) {
        // Docker names the bundle directory after the container; anything else is not Docker's.
        char resolved[PATH_MAX];
        if (is_docker_container_id(arguments.container_id) && ::realpath(bundle.c_str(), resolved) != nullptr &&
            last_component(resolved) == arguments.container_id) {
            auto record = read_docker_record(config.runc_wrapper.docker_root, arguments.container_id);
            if (record && *record) {
                profile = (*record)->profile_label;
                source = ProfileSource::DockerLabel;
                docker_name = (*record)->name;
            } else if (!record) {
                docker_problem = record.error().message;
            }
        }
    }
    if (!profile) {
        profile = profile_variable(*spec);
        source = ProfileSource::Variable;
    }
    // A label or an environment variable can come from the image, not from whoever runs the
    // container: it never stops the container, and under Kubernetes it does not choose the
    // profile at all, or an image could record itself into another workload's profile.
    std::string ignored_note;
    if (profile && source != ProfileSource::Annotation) {
        if (has_kubernetes_annotations(*spec)) {
            ignored_note = " (its " + std::string(source_name(source)) + " " + in_quotes(*profile) +
                           " was ignored: under Kubernetes the pod's annotation names the profile)";
            profile.reset();
        } else if (auto checked = expand_profile_name(*profile, std::time(nullptr)); profile->empty() || !checked) {
            ignored_note = " (its " + std::string(source_name(source)) +
                           " was ignored: " + (profile->empty() ? std::string("empty") : checked.error().message) + ")";
            profile.reset();
        }
    }
    std::string automatic_note = ignored_note;
    if (!profile && config.auto_profile.enabled && docker_problem.empty()) {
        // The name is made here rather than in the hook: Docker's name of the container is known
        // only from its record, which the hook does not read. It has no strftime token left, so
        // the hook sends it as it is.
        ContainerFacts facts = facts_from_annotations(spec_annotations(*spec));
        facts.name = docker_name;
        facts.hostname = spec_hostname(*spec);
        facts.id = arguments.container_id;
        AutoProfileName chosen = auto_profile_name(config.auto_profile.template_text, facts, std::time(nullptr));
        profile = std::move(chosen.name);
        source = ProfileSource::Automatic;
        automatic_note += chosen.note.empty() ? "" : " (" + chosen.note + ")";
    }
    if (!profile) {
        if (!docker_problem.empty()) {
            return fail(docker_problem);
        }
        if (!ignored_note.empty()) {
            return {Severity::Warning, container + ": runs untraced" + ignored_note};
        }
        return {};
    }

    const std::string& hook = config.runc_wrapper.hook;
    if (!hook.starts_with("/") && options.self_path.empty()) {
        return fail("cannot find " + in_quotes(hook) + " beside cradle-runc, whose own path is unknown");
    }
    CradleHooks hooks;
    hooks.hook_path = hook.starts_with("/") ? hook : directory_of(options.self_path) + "/" + hook;
    if (!is_executable_file(hooks.hook_path)) {
        return fail("the hook " + in_quotes(hooks.hook_path) + " is not an executable file");
    }
    if (options.config_path) {
        std::error_code ignored;
        const auto absolute = std::filesystem::absolute(*options.config_path, ignored);
        hooks.config_path = absolute.empty() ? *options.config_path : absolute.string();
    }
    hooks.poststop = config.runc_wrapper.poststop;
    // The hook keeps to its own deadline; runc fails the container when a hook outlives its
    // timeout, so the timeout leaves room beyond the deadline (a slow syslog, a loaded host).
    hooks.timeout_seconds = static_cast<int>((config.hook_deadline.count() + 999) / 1000) + 10;

    auto changed = add_cradle_hooks(*spec, *profile, hooks);
    if (!changed) {
        return fail("bundle " + in_quotes(bundle) + ": " + changed.error().message);
    }
    const std::string traced =
        container + ": traced as " + in_quotes(*profile) + " (from the " + source_name(source) + ")" + automatic_note;
    if (!*changed) {
        return {Severity::Debug, traced + ", its bundle calls cradle-hook already"};
    }
    auto rewritten = dump_bundle_spec(*spec, *text);
    if (!rewritten) {
        return fail("bundle " + in_quotes(bundle) + ": " + rewritten.error().message);
    }
    auto written = write_file_atomically(directory.get(), "config.json", *rewritten, spec_status.st_mode & 07777);
    if (!written) {
        return fail("bundle " + in_quotes(bundle) + ": " + written.error().message);
    }
    return {Severity::Info, traced};
}

}  // namespace

Result<FileIdentity> file_identity(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return system_error("stat " + in_quotes(path));
    }
    return FileIdentity{status.st_dev, status.st_ino};
}

Result<std::string> find_runtime(const std::string& configured, std::string_view search_path,
                                 std::optional<FileIdentity> self) {
    if (configured.starts_with("/")) {
        auto identity = file_identity(configured);
        if (!identity) {
            return with_context(identity.error(), "runtime " + in_quotes(configured));
        }
        if (!is_executable_file(configured)) {
            return Error{EACCES, "runtime " + in_quotes(configured) + ": not an executable file"};
        }
        if (self && *identity == *self) {
            return Error{ELOOP, "runtime " + in_quotes(configured) + ": is cradle-runc itself"};
        }
        return configured;
    }
    for (std::string_view rest = search_path;;) {
        const auto colon = rest.find(':');
        const std::string_view directory = rest.substr(0, colon);
        // A relative entry would make the runtime depend on the caller's working directory.
        if (directory.starts_with("/")) {
            std::string candidate(directory);
            if (!candidate.ends_with("/")) {
                candidate += '/';
            }
            candidate += configured;
            if (is_executable_file(candidate)) {
                auto identity = file_identity(candidate);
                if (identity && !(self && *identity == *self)) {
                    return candidate;
                }
            }
        }
        if (colon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(colon + 1);
    }
    return Error{ENOENT, "no executable " + in_quotes(configured) + " on PATH " + in_quotes(std::string(search_path)) +
                             " other than cradle-runc itself"};
}

RuntimeCall prepare_runtime_call(const WrapperOptions& options) {
    RuntimeCall call;
    Config config;
    bool config_read = true;
    auto loaded = load_config(options.config_path.value_or(k_default_config_path));
    if (loaded) {
        config = *loaded;
    } else if (options.config_path || loaded.error().code != ENOENT) {
        config_read = false;
        call.messages.push_back({Severity::Warning, loaded.error().message + "; using the defaults, tracing nothing"});
    }

    std::optional<FileIdentity> self;
    if (!options.self_path.empty()) {
        if (auto identity = file_identity(options.self_path)) {
            self = *identity;
        }
    }
    if (!self && !config.runc_wrapper.runtime.starts_with("/")) {
        // Searching PATH without knowing which file is cradle-runc could find it again, and loop.
        call.messages.push_back({Severity::Error, "cannot tell cradle-runc from " +
                                                      in_quotes(config.runc_wrapper.runtime) +
                                                      " on PATH: its own file is unknown (is /proc mounted?)"});
        return call;
    }
    auto runtime = find_runtime(config.runc_wrapper.runtime, options.search_path, self);
    if (!runtime) {
        call.messages.push_back({Severity::Error, runtime.error().message});
        return call;
    }
    call.runtime = *runtime;

    auto arguments = parse_runc_arguments(options.arguments);
    if (!arguments) {
        call.messages.push_back({Severity::Warning, arguments.error().message + "; passed on as it is, untraced"});
        return call;
    }
    if (arguments->command == RuncCommand::Other || !config_read) {
        return call;
    }
    BundleOutcome outcome = prepare_bundle(*arguments, config, options);
    if (!outcome.message.empty()) {
        call.messages.push_back({outcome.severity, std::move(outcome.message)});
    }
    return call;
}

}  // namespace cradle
