// The requests cradled takes on its socket (common/protocol.h), read into types: the one
// place where the collector looks at a request's JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/container_runtime.h"
#include "common/result.h"

namespace cradle {

// {"op":"register","id":ID,"pid":PID,"annotations":{"io.cradle.profile":NAME},"runtime":{...}}
struct RegisterRequest {
    std::string id;                      // empty when absent or not a string
    std::int64_t pid = 0;                // 0 when absent or not an integer
    std::optional<std::string> profile;  // the io.cradle.profile annotation, when it is a string
    ContainerRuntime runtime;            // runtime_from_json of "runtime": what breaks a rule, or is
                                         // absent (an older hook), is unknown
};

// {"op":"flush","id":ID}
struct FlushRequest {
    std::string id;  // empty when absent or not a string
};

// {"op":"status"}
struct StatusRequest {};

using Request = std::variant<RegisterRequest, FlushRequest, StatusRequest>;

// "register", "flush" or "status".
const char* request_name(const Request& request);

// Reads one request. Fields of the wrong type read as absent, and the collector says what is
// missing when it acts on the request. Errors (EINVAL): `request is not JSON (byte N): ...`,
// `request is not a JSON object`, `request has no "op"`, `unknown op "<op>"`.
Result<Request> parse_request(std::string_view text);

}  // namespace cradle
