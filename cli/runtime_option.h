// What `cradle verify` and `cradle calibrate` share: the configuration they read, and the OCI
// runtime they run containers with, found as cradle-runc finds it.
#pragma once

#include <optional>
#include <string>

#include "common/config.h"
#include "common/result.h"

namespace cradle {

// The configuration at `path` when given (it must load), else /etc/cradle/cradle.json, or the
// defaults when that file does not exist. Errors are load_config's.
Result<Config> load_command_config(const std::optional<std::string>& path);

// The directory holding the running cradle binary (/proc/self/exe), or empty when unknown.
std::string own_directory();

// The runtime to run containers with: `option` (--runtime) when given, else the configuration's
// runc_wrapper.runtime, resolved by find_runtime (hook/runc_wrapper.h): an absolute path as it
// is, a plain name on `search_path` (PATH), skipping cradle-runc when it is installed beside
// this cradle (a link named runc to it would only hand the call on). Errors are find_runtime's.
Result<std::string> resolve_runtime(const std::optional<std::string>& option, const Config& config,
                                    const std::string& search_path);

// $PATH, or the default search path when unset.
std::string search_path();

}  // namespace cradle
