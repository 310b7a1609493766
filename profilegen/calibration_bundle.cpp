#include "profilegen/calibration_bundle.h"

#include <filesystem>

#include "common/protocol.h"

namespace cradle {

nlohmann::json permissive_seccomp_profile() {
    // A filter with no rule at all may be skipped by a runtime: one rule that nothing here
    // makes keeps it real.
    return {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"syscalls", nlohmann::json::array({{{"names", {"kexec_load"}}, {"action", "SCMP_ACT_ERRNO"}}})}};
}

nlohmann::json calibration_spec(const nlohmann::json& skeleton, const std::string& rootfs, const CalibrationHook& hook,
                                bool no_new_privileges) {
    nlohmann::json spec = skeleton;
    spec["root"] = {{"path", rootfs}, {"readonly", true}};
    spec["process"]["terminal"] = false;
    spec["process"]["args"] = {"/bin/true"};
    spec["process"]["noNewPrivileges"] = no_new_privileges;
    spec["linux"]["seccomp"] = permissive_seccomp_profile();
    spec["annotations"] = {{k_profile_annotation, k_calibration_profile}};
    std::vector<std::string> arguments = {"cradle-hook"};
    if (hook.socket) {
        arguments.insert(arguments.end(), {"--socket", *hook.socket});
    }
    if (hook.config) {
        arguments.insert(arguments.end(), {"--config", *hook.config});
    }
    auto stage_hook = [&](const char* stage) {
        std::vector<std::string> stage_arguments = arguments;
        stage_arguments.push_back(stage);
        return nlohmann::json::array(
            {{{"path", hook.hook_path},
              {"args", stage_arguments},
              {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}});
    };
    spec["hooks"] = {{"createRuntime", stage_hook("createRuntime")}, {"poststop", stage_hook("poststop")}};
    return spec;
}

Result<void> make_calibration_rootfs(const std::string& directory, const std::string& program) {
    const std::filesystem::path root(directory);
    std::error_code error;
    if (std::filesystem::create_directories(root, error); error) {
        return system_error(error.value(), "creating \"" + directory + "\"");
    }
    // A directory made by mkdtemp is 0700: the container's processes need to walk it.
    std::filesystem::permissions(root, std::filesystem::perms(0755), error);
    if (error) {
        return system_error(error.value(), "making \"" + directory + "\" readable");
    }
    for (const char* sub : {"bin", "proc", "sys", "dev", "tmp"}) {
        if (std::filesystem::create_directories(root / sub, error); error) {
            return system_error(error.value(), "creating \"" + (root / sub).string() + "\"");
        }
    }
    if (std::filesystem::copy_file(program, root / "bin/true", std::filesystem::copy_options::overwrite_existing,
                                   error);
        error) {
        return system_error(error.value(), "copying \"" + program + "\" to \"" + (root / "bin/true").string() + "\"");
    }
    std::filesystem::permissions(root / "bin/true", std::filesystem::perms(0755), error);
    if (error) {
        return system_error(error.value(), "making \"" + (root / "bin/true").string() + "\" executable");
    }
    return {};
}

}  // namespace cradle
