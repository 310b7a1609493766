// The fields of a seccomp profile's JSON objects: errors that name the field, and the check
// that an object has no field its reader would ignore. Shared by every reader of a profile
// (the Docker/OCI one, a base policy, the SeccompProfile object), each of which puts its own
// name in front of the message with with_context.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// Why check_fields refuses a field that a profile reader does not know, unless told otherwise.
inline constexpr std::string_view k_unsupported_field = "not supported by Cradle (refused rather than ignored)";

// The error for the field at `field` ("syscalls[2].action"): EINVAL, `"<field>": <what>`.
Error field_error(const std::string& field, const std::string& what);

// Checks that `object`, at `where` in its document ("" for the top level), is a JSON object
// whose keys are all in `allowed`. Fails (EINVAL) with field_error(where, "not an object"), or
// with field_error("<where>.<key>" (or "<key>" at the top level), `unknown`) for the first key
// outside `allowed`.
Result<void> check_fields(const nlohmann::json& object, const std::string& where,
                          std::initializer_list<std::string_view> allowed,
                          std::string_view unknown = k_unsupported_field);

// The string `key` of `object`, found at `field` ("syscalls[0].action"). Fails (EINVAL) with
// field_error(field, "missing") or field_error(field, "not a string").
Result<std::string> read_string_field(const nlohmann::json& object, const std::string& key, const std::string& field);

}  // namespace cradle
