#include "profilegen/run_options.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "common/json.h"

namespace cradle {

namespace {

// Docker's, podman's and Kubernetes' spelling: the constants without "CAP_", in their order.
std::vector<std::string> docker_capability_names(const std::set<std::string>& names) {
    std::vector<std::string> out = oci_capability_names(names);
    for (auto& name : out) {
        name.erase(0, std::string_view("CAP_").size());
    }
    return out;
}

bool shell_safe(const std::string& text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '.' || c == '/' || c == '-';
        if (!safe) {
            return false;
        }
    }
    return true;
}

std::string shell_quoted(const std::string& text) {
    if (shell_safe(text)) {
        return text;
    }
    std::string out = "'";
    for (const char c : text) {
        // A single quote cannot appear inside single quotes: close, escape it, reopen.
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// A string as a YAML double-quoted scalar: JSON's escapes are a subset of YAML's, and JSON
// text never spans lines.
Result<std::string> yaml_quoted(const std::string& text) { return write_json(nlohmann::json(text)); }

// `path` relative to `root` when it lies beneath it (both made lexically normal), else nullopt.
std::optional<std::string> path_beneath(const std::string& path, const std::string& root) {
    std::filesystem::path normal_root = std::filesystem::path(root).lexically_normal();
    if (!normal_root.has_filename() && normal_root.has_relative_path()) {
        normal_root = normal_root.parent_path();  // "a/b/" -> "a/b"
    }
    const std::filesystem::path relative =
        std::filesystem::path(path).lexically_normal().lexically_relative(normal_root);
    if (relative.empty() || relative == "." || *relative.begin() == "..") {
        return std::nullopt;
    }
    return relative.string();
}

bool has_capability(const Recording& recording, std::initializer_list<std::string_view> names) {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view name) { return recording.capabilities.contains(std::string(name)); });
}

// Cradle's architecture names and systemd's (src/shared/seccomp-util.c, seccomp_arch_to_string),
// sorted by Cradle's; a unit test checks that it names every one of known_architectures().
constexpr std::pair<std::string_view, std::string_view> k_systemd_architectures[] = {
    {"aarch64", "arm64"},
    {"arm", "arm"},
    {"mips", "mips"},
    {"mips64", "mips64"},
    {"mips64n32", "mips64-n32"},
    {"mipsel", "mips-le"},
    {"mipsel64", "mips64-le"},
    {"mipsel64n32", "mips64-le-n32"},
    {"parisc", "parisc"},
    {"parisc64", "parisc64"},
    {"ppc", "ppc"},
    {"ppc64", "ppc64"},
    {"ppc64le", "ppc64-le"},
    {"riscv64", "riscv64"},
    {"s390", "s390"},
    {"s390x", "s390x"},
    {"x32", "x32"},
    {"x86", "x86"},
    {"x86_64", "x86-64"},
};

// Lines of "KEY=word word ...", each at most about `k_systemd_line_width` columns, a word
// never split.
constexpr std::size_t k_systemd_line_width = 100;

std::string wrapped_directive(const std::string& key, const std::vector<std::string>& words) {
    std::string out;
    std::string line;
    for (const auto& word : words) {
        if (!line.empty() && line.size() + 1 + word.size() > k_systemd_line_width) {
            out += line + "\n";
            line.clear();
        }
        line += line.empty() ? key + "=" + word : " " + word;
    }
    return line.empty() ? out : out + line + "\n";
}

// The securityContext naming `profile`, after the `comment` lines ("" for none).
Result<std::string> security_context(const Recording& recording, const std::string& comment,
                                     const std::string& profile);

}  // namespace

std::string render_run_options(const Recording& recording, const std::string& seccomp_path, RunOptionsDialect dialect) {
    // Both take "all" in any case; each gets it as its own manual writes it.
    std::string out = dialect == RunOptionsDialect::podman ? "--cap-drop=all" : "--cap-drop=ALL";
    for (const auto& capability : docker_capability_names(recording.capabilities)) {
        out += " --cap-add=" + capability;
    }
    out += " --security-opt seccomp=" + shell_quoted(seccomp_path);
    return out;
}

Result<std::string> render_run_options_json(const Recording& recording, const std::string& seccomp_path) {
    const nlohmann::json document = {
        {"docker_run_options", render_run_options(recording, seccomp_path, RunOptionsDialect::docker)},
        {"podman_run_options", render_run_options(recording, seccomp_path, RunOptionsDialect::podman)},
        {"capabilities", oci_capability_names(recording)},
        {"seccomp_profile", seccomp_path},
        {"syscalls", allowed_syscalls(recording).size()},
        {"denied_capabilities", recording.denied_capabilities},
        {"incomplete", recording.incomplete_reasons}};
    return write_json(document, 2);
}

bool kubernetes_allows_privilege_escalation(const Recording& recording) {
    return has_capability(recording, {"setgid", "setuid", "sys_admin"});
}

Result<std::string> render_kubernetes_security_context(const Recording& recording, const std::string& seccomp_path,
                                                       const std::string& seccomp_root) {
    std::string comment;
    std::string profile;
    if (auto relative = path_beneath(seccomp_path, seccomp_root)) {
        profile = *relative;
    } else {
        const std::string name = std::filesystem::path(seccomp_path).filename().string();
        profile = "cradle/" + name;
        auto from = yaml_quoted(seccomp_path);
        auto to = yaml_quoted((std::filesystem::path(seccomp_root) / "cradle" / name).lexically_normal().string());
        if (!from || !to) {
            return from ? to.error() : from.error();
        }
        comment = "    # copy " + *from + " to " + *to + " on every node\n";
    }
    return security_context(recording, comment, profile);
}

Result<std::string> render_kubernetes_security_context_for(const Recording& recording,
                                                           const std::string& localhost_profile) {
    return security_context(recording, "", localhost_profile);
}

namespace {

Result<std::string> security_context(const Recording& recording, const std::string& comment,
                                     const std::string& profile) {
    auto quoted_profile = yaml_quoted(profile);
    if (!quoted_profile) {
        return quoted_profile.error();
    }
    std::string out = "securityContext:\n";
    out += std::string("  allowPrivilegeEscalation: ") +
           (kubernetes_allows_privilege_escalation(recording) ? "true" : "false") + "\n";
    out += "  capabilities:\n    drop:\n    - ALL\n";
    const std::vector<std::string> capabilities = docker_capability_names(recording.capabilities);
    if (!capabilities.empty()) {
        out += "    add:\n";
        for (const auto& capability : capabilities) {
            out += "    - " + capability + "\n";
        }
    }
    out += "  seccompProfile:\n    type: Localhost\n" + comment + "    localhostProfile: " + *quoted_profile + "\n";
    return out;
}

}  // namespace

Result<std::string> render_oci_config_fragment(const Recording& recording, const nlohmann::json& seccomp_profile) {
    const nlohmann::json document = {{"linux", {{"seccomp", seccomp_profile}}},
                                     {"process", {{"capabilities", build_capability_profile(recording)}}}};
    auto text = write_json(document, 2);
    if (!text) {
        return text.error();
    }
    return *text + "\n";
}

std::optional<std::string> systemd_architecture_name(const std::string& arch) {
    const auto found = std::find_if(std::begin(k_systemd_architectures), std::end(k_systemd_architectures),
                                    [&](const auto& entry) { return entry.first == arch; });
    if (found == std::end(k_systemd_architectures)) {
        return std::nullopt;
    }
    return std::string(found->second);
}

std::string render_systemd_directives(const Recording& recording, RefusalErrno refusal, const std::string& native) {
    // systemd always allows execve, exit, exit_group, getrlimit, rt_sigreturn, sigreturn and the
    // time and sleep calls on top of a filter, and an empty SystemCallFilter= would remove the
    // filter instead: an empty allow-list is spelt with one of those.
    // Like the seccomp profile, one list for every architecture: both ABIs' names.
    const std::set<std::string> allowed = allowed_syscalls(recording);
    std::vector<std::string> syscalls(allowed.begin(), allowed.end());
    if (syscalls.empty()) {
        syscalls.push_back("exit_group");
    }
    std::string out = wrapped_directive("SystemCallFilter", syscalls);
    out += std::string("SystemCallErrorNumber=") + (refusal == RefusalErrno::enosys ? "ENOSYS" : "EPERM") + "\n";
    out += "SystemCallArchitectures=native";
    for (const auto& arch : recording.architectures) {
        if (arch == native) {
            continue;
        }
        if (auto name = systemd_architecture_name(arch)) {
            out += " " + *name;
        }
    }
    out += "\n";
    // An empty assignment is the empty bounding set, as systemd.exec(5) says.
    out += "CapabilityBoundingSet=";
    const std::vector<std::string> capabilities = oci_capability_names(recording);
    for (std::size_t i = 0; i < capabilities.size(); ++i) {
        out += (i == 0 ? "" : " ") + capabilities[i];
    }
    out += "\nAmbientCapabilities=\n";
    if (!has_capability(recording, {"setgid", "setuid"})) {
        out += "NoNewPrivileges=yes\n";
    }
    return out;
}

}  // namespace cradle
