#include "hook/hook.h"

#include <fcntl.h>
#include <poll.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "common/auto_profile.h"
#include "common/config.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "common/safe_file.h"
#include "common/unique_fd.h"
#include "hook/bundle_spec.h"
#include "hook/runtime_identity.h"

namespace cradle {

namespace {

// crun writes the whole state before its timeout starts and Kubernetes annotations may
// reach 256 KiB, so stdin is always drained; what is kept is bounded.
constexpr std::size_t k_max_state_size = 4 << 20;

Result<std::string> read_to_eof(int fd, Deadline deadline) {
    std::string text;
    char buffer[65536];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd entry{fd, POLLIN, 0};
        const int ready = ::poll(&entry, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            return system_error("reading the OCI state from stdin");
        }
        if (ready == 0) {
            return Error{ETIMEDOUT, "reading the OCI state from stdin: not closed within the hook's deadline"};
        }
        const ssize_t count = ::read(fd, buffer, sizeof(buffer));
        if (count < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (count < 0) {
            return system_error("reading the OCI state from stdin");
        }
        if (count == 0) {
            return text;
        }
        if (text.size() < k_max_state_size) {
            text.append(buffer, static_cast<std::size_t>(count));
        }
    }
}

// A failure of the hook's own: at registration the container runs untraced unless the
// configuration asks to fail closed. At poststop there is nothing left to stop, and the
// collector flushes a container by itself once its cgroup is gone, so it is only a warning.
HookOutcome fail_soft(const Config& config, std::optional<HookStage> stage, const std::string& message) {
    if (stage == HookStage::Poststop) {
        return {0, Severity::Warning, message};
    }
    if (config.hook_fail_closed) {
        return {1, Severity::Error, message + "; failing the container (hook.fail_closed)"};
    }
    return {0, Severity::Warning, message + "; the container runs untraced"};
}

// The spec's hostname from the bundle's config.json, for an automatic name: "" when it cannot be
// read, as the name then falls back to the id rather than leave the container untraced.
std::string bundle_hostname(const std::string& bundle) {
    if (bundle.empty()) {
        return {};
    }
    UniqueFd directory(::open(bundle.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory.valid()) {
        return {};
    }
    auto text = read_file_beneath(directory.get(), "config.json", k_max_bundle_spec_size);
    if (!text) {
        return {};
    }
    auto spec = parse_bundle_spec(*text);
    return spec ? spec_hostname(*spec) : std::string();
}

}  // namespace

int syslog_priority(Severity severity) {
    switch (severity) {
        case Severity::Error: return LOG_ERR;
        case Severity::Warning: return LOG_WARNING;
        case Severity::Info: return LOG_INFO;
        case Severity::Debug: break;
    }
    return LOG_DEBUG;
}

HookOutcome run_hook(const HookOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    Config config;
    auto loaded = load_config(options.config_path.value_or(k_default_config_path));
    if (loaded) {
        config = *loaded;
    } else if (options.config_path || loaded.error().code != ENOENT) {
        return fail_soft(config, options.stage, loaded.error().message);
    }
    if (options.socket_path) {
        config.socket_path = *options.socket_path;
    }
    const Deadline deadline = started + config.hook_deadline;

    auto input = read_to_eof(options.input_fd, deadline);
    if (!input) {
        return fail_soft(config, options.stage, input.error().message);
    }
    if (input->size() >= k_max_state_size) {
        return fail_soft(config, options.stage,
                         "the OCI state on stdin is larger than " + std::to_string(k_max_state_size) + " bytes");
    }
    auto state = parse_oci_state(*input);
    if (!state) {
        return fail_soft(config, options.stage, "reading the OCI state from stdin: " + state.error().message);
    }
    const auto annotation = state->annotations.find(k_profile_annotation);
    const bool automatic = annotation == state->annotations.end();
    if (automatic && (!config.auto_profile.enabled || is_sandbox_container(state->annotations))) {
        return {0, Severity::Debug, ""};
    }
    auto action = hook_action(options.stage, *state);
    if (!action) {
        return fail_soft(config, options.stage,
                         "container \"" + printable_value(state->id) + "\": " + action.error().message);
    }
    const std::string container = "container \"" + printable_value(state->id) + "\"";

    if (*action == HookAction::Register) {
        std::string raw_name;
        std::string automatic_note;
        if (automatic) {
            ContainerFacts facts = facts_from_annotations(state->annotations);
            facts.hostname = bundle_hostname(state->bundle);
            facts.id = state->id;
            AutoProfileName chosen = auto_profile_name(config.auto_profile.template_text, facts, std::time(nullptr));
            raw_name = std::move(chosen.name);
            automatic_note = " (automatic name" + (chosen.note.empty() ? "" : ": " + chosen.note) + ")";
        } else {
            raw_name = annotation->second;
        }
        auto name = expand_profile_name(raw_name, std::time(nullptr));
        if (!name && automatic) {
            // auto_profile_name() promises a valid name; should it break that promise, the
            // container still must not stop for a name nobody chose, whatever fail_closed says.
            return {0, Severity::Warning,
                    container + ": automatic " + name.error().message + "; the container runs untraced"};
        }
        if (!name) {
            return {1, Severity::Error, container + ": " + name.error().message};
        }
        // The runtime runs its hooks itself: it is the hook's parent.
        const ContainerRuntime runtime =
            read_container_runtime(options.proc_root, options.runtime_pid.value_or(::getppid()), state->annotations);
        // Only Cradle's own annotation goes to the collector: the others may be large
        // (Kubernetes allows 256 KiB) and are none of its business.
        nlohmann::json request = {{"op", "register"},
                                  {"id", state->id},
                                  {"pid", state->pid},
                                  {"annotations", {{k_profile_annotation, raw_name}}}};
        if (runtime.known()) {
            request["runtime"] = runtime_to_json(runtime);
        }
        auto answer = call_collector(config.socket_path, request, deadline);
        if (!answer) {
            return fail_soft(config, HookStage::CreateRuntime, container + ": not traced: " + answer.error().message);
        }
        return {0, Severity::Info,
                container + ": traced as \"" + string_member(*answer, "name", *name) + "\"" + automatic_note};
    }

    const nlohmann::json request = {{"op", "flush"}, {"id", state->id}};
    auto answer = call_collector(config.socket_path, request, deadline);
    if (!answer) {
        return fail_soft(
            config, HookStage::Poststop,
            container + ": not flushed (the collector flushes it once its cgroup is gone): " + answer.error().message);
    }
    if (strings_member(*answer, "files").empty()) {
        return {0, Severity::Info, container + ": nothing to flush (already flushed)"};
    }
    const std::string message = container + ": profile \"" + string_member(*answer, "name") + "\" written";
    const auto incomplete = strings_member(*answer, "incomplete");
    if (!incomplete.empty()) {
        return {0, Severity::Warning, message + ", INCOMPLETE: " + incomplete.front()};
    }
    return {0, Severity::Info, message};
}

}  // namespace cradle
