// cradle-runc: an OCI runtime that wraps the real one (runc) for containerd and Docker, adding
// cradle-hook to the bundles of containers to be traced (hook/runc_wrapper.h), then executing the
// real runtime in its place with the same arguments, environment and standard streams.
//
// It writes nothing on stdout or stderr unless the real runtime cannot be run: for `create` and
// `run` those are often the container's own streams. What it has to say goes to syslog.
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hook/runc_wrapper.h"

int main(int argc, char** argv) {
    cradle::WrapperOptions options;
    options.arguments.assign(argv + 1, argv + argc);
    if (const char* config = std::getenv(cradle::k_config_variable); config != nullptr && *config != '\0') {
        options.config_path = config;
    }
    if (const char* path = std::getenv("PATH"); path != nullptr) {
        options.search_path = path;
    }
    char self[PATH_MAX];
    if (const ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1); length > 0) {
        options.self_path.assign(self, static_cast<std::size_t>(length));
        // Replaced since it started (an upgrade renames a new binary over it): the kernel names
        // the old file so. The path now holds the new cradle-runc, which is the one to skip on
        // PATH and whose directory holds the hook.
        constexpr std::string_view k_deleted = " (deleted)";
        if (options.self_path.ends_with(k_deleted)) {
            options.self_path.resize(options.self_path.size() - k_deleted.size());
        }
    }

    const cradle::RuntimeCall call = cradle::prepare_runtime_call(options);
    if (!call.messages.empty()) {
        openlog("cradle-runc", LOG_PID, LOG_DAEMON);
        for (const auto& message : call.messages) {
            syslog(cradle::syslog_priority(message.severity), "%s", message.text.c_str());
        }
        closelog();
    }
    if (call.runtime.empty()) {
        const char* reason = call.messages.empty() ? "no runtime found" : call.messages.back().text.c_str();
        std::fprintf(stderr, "cradle-runc: %s\n", reason);
        return 127;
    }
    argv[0] = const_cast<char*>(call.runtime.c_str());
    ::execv(call.runtime.c_str(), argv);
    const int error = errno;
    std::fprintf(stderr, "cradle-runc: executing \"%s\": %s\n", call.runtime.c_str(), std::strerror(error));
    openlog("cradle-runc", LOG_PID, LOG_DAEMON);
    syslog(LOG_ERR, "executing \"%s\": %s", call.runtime.c_str(), std::strerror(error));
    closelog();
    return error == ENOENT ? 127 : 126;
}
