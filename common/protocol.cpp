#include "common/protocol.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/json.h"
#include "common/unique_fd.h"

namespace cradle {

namespace {

int milliseconds_left(Deadline deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events`; ETIMEDOUT when the deadline passes first.
Result<void> wait_for(int fd, short events, Deadline deadline) {
    for (;;) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, milliseconds_left(deadline));
        if (ready > 0) {
            return {};
        }
        if (ready == 0) {
            return Error{ETIMEDOUT, "timed out"};
        }
        if (errno != EINTR) {
            return system_error("waiting on the socket");
        }
    }
}

}  // namespace

std::string string_member(const nlohmann::json& message, const char* key, const std::string& fallback) {
    if (message.is_object() && message.contains(key) && message[key].is_string()) {
        return message[key].get<std::string>();
    }
    return fallback;
}

std::uint64_t number_member(const nlohmann::json& message, const char* key, std::uint64_t fallback) {
    if (message.is_object() && message.contains(key) && message[key].is_number_unsigned()) {
        return message[key].get<std::uint64_t>();
    }
    return fallback;
}

bool bool_member(const nlohmann::json& message, const char* key, bool fallback) {
    if (message.is_object() && message.contains(key) && message[key].is_boolean()) {
        return message[key].get<bool>();
    }
    return fallback;
}

std::vector<std::string> strings_member(const nlohmann::json& message, const char* key) {
    std::vector<std::string> strings;
    if (message.is_object() && message.contains(key) && message[key].is_array()) {
        for (const auto& element : message[key]) {
            if (element.is_string()) {
                strings.push_back(element.get<std::string>());
            }
        }
    }
    return strings;
}

Result<std::string> read_message(int fd, Deadline deadline) {
    std::string message;
    char buffer[4096];
    for (;;) {
        if (auto ready = wait_for(fd, POLLIN, deadline); !ready) {
            return with_context(ready.error(), "reading a message");
        }
        const ssize_t count = ::read(fd, buffer, sizeof(buffer));
        if (count < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return system_error("reading a message");
        }
        if (count == 0) {
            return Error{ECONNRESET, "reading a message: the peer closed the connection before a full message"};
        }
        message.append(buffer, static_cast<std::size_t>(count));
        if (const std::size_t end = message.find('\n'); end != std::string::npos) {
            message.resize(end);
            return message;
        }
        if (message.size() > k_max_message_size) {
            return Error{EMSGSIZE, "reading a message: longer than " + std::to_string(k_max_message_size) + " bytes"};
        }
    }
}

Result<void> write_message(int fd, const std::string& message, Deadline deadline) {
    const std::string framed = message + "\n";
    std::size_t written = 0;
    while (written < framed.size()) {
        if (auto ready = wait_for(fd, POLLOUT, deadline); !ready) {
            return with_context(ready.error(), "writing a message");
        }
        const ssize_t count = ::send(fd, framed.data() + written, framed.size() - written, MSG_NOSIGNAL);
        if (count < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return system_error("writing a message");
        }
        written += static_cast<std::size_t>(count);
    }
    return {};
}

Result<nlohmann::json> call_collector(const std::string& socket_path, const nlohmann::json& request,
                                      Deadline deadline) {
    const std::string context = "collector at \"" + socket_path + "\"";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
        return Error{ENAMETOOLONG, context + ": socket path is empty or too long"};
    }
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());

    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket.valid()) {
        return system_error(context + ": creating a socket");
    }
    if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN) {
            return system_error(context + ": connecting");
        }
        if (auto ready = wait_for(socket.get(), POLLOUT, deadline); !ready) {
            return with_context(ready.error(), context + ": connecting");
        }
    }
    if (auto written = write_message(socket.get(), dump_json(request), deadline); !written) {
        return with_context(written.error(), context);
    }
    auto answer_text = read_message(socket.get(), deadline);
    if (!answer_text) {
        return with_context(answer_text.error(), context);
    }
    nlohmann::json answer = nlohmann::json::parse(*answer_text, nullptr, false);
    if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
        return Error{EPROTO, context + ": answer is not a protocol message"};
    }
    if (!answer["ok"].get<bool>()) {
        return Error{EPROTO, string_member(answer, "error", "the collector gave no reason")};
    }
    return answer;
}

}  // namespace cradle
