// The collector's listening socket: root only.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace cradle {

// Creates the socket's directory (mode 0700, owned by root; an existing one is narrowed to
// 0700), replaces a stale socket file (one that a live collector answers on is EADDRINUSE),
// binds, sets the socket to mode 0600 and listens.
// The returned fd is non-blocking.
Result<UniqueFd> listen_unix(const std::string& socket_path);

// The uid of the process at the other end of a connected unix socket (SO_PEERCRED).
Result<uid_t> peer_uid(int connection_fd);

}  // namespace cradle
