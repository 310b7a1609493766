// Listing a directory: the one place that opens a DIR*, and closes it whatever happens.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace cradle {

struct DirectoryEntry {
    std::string name;           // without the directory; never "." or ".."
    bool is_directory = false;  // from d_type: a symbolic link to a directory is not one
};

// The entries of `path` in the order readdir gives them. Errors carry errno and the message
// `listing "<path>": <reason>` (ENOENT when it does not exist).
Result<std::vector<DirectoryEntry>> list_directory(const std::string& path);

}  // namespace cradle
