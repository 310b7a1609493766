#include "collector/request.h"

#include <cerrno>

#include "common/json.h"
#include "common/profile_name.h"
#include "common/protocol.h"

namespace cradle {

namespace {

std::int64_t integer_member(const nlohmann::json& message, const char* key) {
    const auto found = message.find(key);
    if (found == message.end() || !found->is_number_integer()) {
        return 0;
    }
    // An unsigned number beyond int64 is no pid either.
    if (found->is_number_unsigned() && found->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        return 0;
    }
    return found->get<std::int64_t>();
}

}  // namespace

const char* request_name(const Request& request) {
    static constexpr const char* k_names[] = {"register", "flush", "status"};
    static_assert(std::variant_size_v<Request> == std::size(k_names));
    return k_names[request.index()];
}

Result<Request> parse_request(std::string_view text) {
    auto message = parse_json(text);
    if (!message) {
        return Error{EINVAL, "request is " + message.error().message};
    }
    if (!message->is_object()) {
        return Error{EINVAL, "request is not a JSON object"};
    }
    const std::string op = string_member(*message, "op");
    if (op.empty()) {
        return Error{EINVAL, "request has no \"op\""};
    }
    if (op == "register") {
        RegisterRequest request{string_member(*message, "id"), integer_member(*message, "pid"), std::nullopt, {}};
        const auto annotations = message->find("annotations");
        if (annotations != message->end() && annotations->is_object()) {
            const auto profile = annotations->find(k_profile_annotation);
            if (profile != annotations->end() && profile->is_string()) {
                request.profile = profile->get<std::string>();
            }
        }
        if (const auto runtime = message->find("runtime"); runtime != message->end()) {
            request.runtime = runtime_from_json(*runtime);
        }
        return Request(std::move(request));
    }
    if (op == "flush") {
        return Request(FlushRequest{string_member(*message, "id")});
    }
    if (op == "status") {
        return Request(StatusRequest{});
    }
    return Error{EINVAL, "unknown op \"" + printable_value(op) + "\""};
}

}  // namespace cradle
