// The collector's unix-socket protocol.
//
// One request per connection: the client writes one JSON object followed by a newline; the
// collector answers with one JSON object and a newline, then closes. Every answer has
// "ok": true, or "ok": false with "error": "<message>". Requests:
//   {"op":"register","id":ID,"pid":PID,"annotations":{...}}  trace a container from now on
//   {"op":"flush","id":ID}                                   write its profile files
//   {"op":"status"}                                          what is traced, and the counters
// Only root may connect (the collector checks SO_PEERCRED).
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

inline constexpr std::size_t k_max_message_size = 1 << 20;
inline constexpr const char* k_profile_annotation = "io.cradle.profile";

using Deadline = std::chrono::steady_clock::time_point;

// Reads one newline-terminated message from `fd` (non-blocking or not) until `deadline`.
// ETIMEDOUT past the deadline, EMSGSIZE over k_max_message_size, ECONNRESET on EOF first.
Result<std::string> read_message(int fd, Deadline deadline);

// Writes `message` and a newline to `fd` until `deadline` (ETIMEDOUT past it).
Result<void> write_message(int fd, const std::string& message, Deadline deadline);

// Connects to the collector at `socket_path`, sends `request` and returns the answer when
// it says "ok": true. Fails with the collector's own message when it says "ok": false
// (code EPROTO), and with the system error when the collector cannot be reached in time.
// Never blocks past `deadline`.
Result<nlohmann::json> call_collector(const std::string& socket_path, const nlohmann::json& request,
                                      Deadline deadline);

}  // namespace cradle
