#include "cli/runtime_option.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "hook/runc_wrapper.h"

namespace cradle {

Result<Config> load_command_config(const std::optional<std::string>& path) {
    auto config = load_config(path.value_or(k_default_config_path));
    if (!config && !path && config.error().code == ENOENT) {
        return Config{};
    }
    return config;
}

std::string own_directory() {
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length <= 0) {
        return {};
    }
    std::string path(self, static_cast<std::size_t>(length));
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
}

Result<std::string> resolve_runtime(const std::optional<std::string>& option, const Config& config,
                                    const std::string& search_path) {
    std::optional<FileIdentity> wrapper;
    if (const std::string directory = own_directory(); !directory.empty()) {
        if (auto identity = file_identity(directory + "/cradle-runc")) {
            wrapper = *identity;
        }
    }
    return find_runtime(option.value_or(config.runc_wrapper.runtime), search_path, wrapper);
}

std::string search_path() {
    const char* path = std::getenv("PATH");
    return path != nullptr ? std::string(path) : std::string(k_default_search_path);
}

}  // namespace cradle
