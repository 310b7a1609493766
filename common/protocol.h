// The collector's unix-socket protocol.
//
// One request per connection: the client writes one JSON object followed by a newline; the
// collector answers with one JSON object and a newline, then closes. Every answer has
// "ok": true, or "ok": false with "error": "<message>". Requests:
//   {"op":"register","id":ID,"pid":PID,"annotations":{...},  trace a container from now on
//    "runtime":{"name":N,"path":P,"manager":M}}             (runtime: common/container_runtime.h)
//     "runtime" is left out when nothing of it is known, and so is each member of it not known;
//     the collector reads a missing or malformed runtime as unknown, never as a reason to refuse.
//   {"op":"flush","id":ID}                                   write its profile files
//   {"op":"status"}                                          what is traced, and the counters
// Only root may connect (the collector checks SO_PEERCRED).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

inline constexpr std::size_t k_max_message_size = 1 << 20;
inline constexpr const char* k_profile_annotation = "io.cradle.profile";

using Deadline = std::chrono::steady_clock::time_point;

// Members of a message read without trusting their type: messages come from the other end of
// a socket, and nlohmann's value() throws on a type mismatch. Each returns the member when it
// has the expected type, else the fallback (strings_member: the string elements, or none).
std::string string_member(const nlohmann::json& message, const char* key, const std::string& fallback = {});
std::uint64_t number_member(const nlohmann::json& message, const char* key, std::uint64_t fallback = 0);
bool bool_member(const nlohmann::json& message, const char* key, bool fallback = false);
std::vector<std::string> strings_member(const nlohmann::json& message, const char* key);

// Reads one newline-terminated message from `fd` (non-blocking or not) until `deadline`.
// ETIMEDOUT past the deadline, EMSGSIZE over k_max_message_size, ECONNRESET on EOF first.
Result<std::string> read_message(int fd, Deadline deadline);

// Writes `message` and a newline to `fd` until `deadline` (ETIMEDOUT past it).
Result<void> write_message(int fd, const std::string& message, Deadline deadline);

// Connects to the collector at `socket_path`, sends `request` and returns the answer when
// it says "ok": true. Fails with the collector's own message when it says "ok": false
// (code EPROTO), and with the system error when the collector cannot be reached in time.
// Never blocks past `deadline`.
Result<nlohmann::json> call_collector(const std::string& socket_path, const nlohmann::json& request, Deadline deadline);

}  // namespace cradle
