// Reading a whole file the caller names by path: /proc files, the user's own inputs.
// (Files beneath a directory chosen by someone else go through common/safe_file.h.)
#pragma once

#include <string>

#include "common/result.h"

namespace cradle {

// The whole content of `path`. Works for /proc files, whose size reads as 0. Errors carry
// errno and the message `reading "<path>": <reason>`.
Result<std::string> read_text_file(const std::string& path);

}  // namespace cradle
