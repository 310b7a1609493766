#include "profilegen/run_options.h"

#include <algorithm>

#include "common/json.h"

namespace cradle {

namespace {

std::string upper(const std::string& text) {
    std::string out;
    for (const char c : text) {
        out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return out;
}

// Sorted again after upper-casing: '_' sorts before lower-case letters but after upper-case
// ones, so "sys_admin" < "syslog" while "SYSLOG" < "SYS_ADMIN".
std::vector<std::string> upper_sorted(const std::set<std::string>& names) {
    std::vector<std::string> out;
    for (const auto& name : names) {
        out.push_back(upper(name));
    }
    std::sort(out.begin(), out.end());
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

}  // namespace

std::string render_run_options(const Recording& recording, const std::string& seccomp_path, RunOptionsDialect dialect) {
    // Both take "all" in any case; each gets it as its own manual writes it.
    std::string out = dialect == RunOptionsDialect::podman ? "--cap-drop=all" : "--cap-drop=ALL";
    for (const auto& capability : upper_sorted(recording.capabilities)) {
        out += " --cap-add=" + capability;
    }
    out += " --security-opt seccomp=" + shell_quoted(seccomp_path);
    return out;
}

std::vector<std::string> oci_capability_names(const Recording& recording) {
    std::vector<std::string> names = upper_sorted(recording.capabilities);
    for (auto& name : names) {
        name.insert(0, "CAP_");
    }
    return names;
}

Result<std::string> render_run_options_json(const Recording& recording, const std::string& seccomp_path) {
    const nlohmann::json document = {
        {"docker_run_options", render_run_options(recording, seccomp_path, RunOptionsDialect::docker)},
        {"podman_run_options", render_run_options(recording, seccomp_path, RunOptionsDialect::podman)},
        {"capabilities", oci_capability_names(recording)},
        {"seccomp_profile", seccomp_path},
        {"syscalls", recording.syscalls.size()},
        {"denied_capabilities", recording.denied_capabilities},
        {"incomplete", recording.incomplete_reasons}};
    return write_json(document, 2);
}

}  // namespace cradle
