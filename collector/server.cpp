#include "collector/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace cradle {

Result<UniqueFd> listen_unix(const std::string& socket_path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.empty() || socket_path[0] != '/' || socket_path.size() >= sizeof(address.sun_path)) {
        return Error{EINVAL, "socket path \"" + socket_path + "\" must be absolute and shorter than " +
                                 std::to_string(sizeof(address.sun_path)) + " bytes"};
    }
    const std::string directory = socket_path.substr(0, socket_path.rfind('/'));
    if (!directory.empty()) {
        if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
            return system_error("creating socket directory \"" + directory + "\"");
        }
        struct stat status {};
        if (::lstat(directory.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
            return Error{ENOTDIR, "socket directory \"" + directory + "\" is not a directory"};
        }
        if (status.st_uid != 0) {
            return Error{EPERM, "socket directory \"" + directory + "\" is not owned by root"};
        }
        if ((status.st_mode & 077) != 0 && ::chmod(directory.c_str(), 0700) != 0) {
            return system_error("narrowing socket directory \"" + directory + "\" to 0700");
        }
    }
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());

    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener.valid()) {
        return system_error("creating socket \"" + socket_path + "\"");
    }
    struct stat existing {};
    if (::lstat(socket_path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) {
            return Error{EEXIST, "\"" + socket_path + "\" exists and is not a socket"};
        }
        // A socket someone answers on belongs to a live collector; only a stale one goes.
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe.valid() &&
            ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
            return Error{EADDRINUSE, "socket \"" + socket_path + "\" is in use by another collector"};
        }
        ::unlink(socket_path.c_str());
    }
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        return system_error("binding socket \"" + socket_path + "\"");
    }
    if (::chmod(socket_path.c_str(), 0600) != 0) {
        return system_error("setting the mode of socket \"" + socket_path + "\"");
    }
    if (::listen(listener.get(), 64) != 0) {
        return system_error("listening on socket \"" + socket_path + "\"");
    }
    return listener;
}

Result<uid_t> peer_uid(int connection_fd) {
    ucred credentials{};
    socklen_t size = sizeof(credentials);
    if (::getsockopt(connection_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
        return system_error("reading the peer's credentials");
    }
    return credentials.uid;
}

}  // namespace cradle
