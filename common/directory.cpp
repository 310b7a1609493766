#include "common/directory.h"

#include <dirent.h>

#include <memory>

namespace cradle {

namespace {

struct DirectoryCloser {
    void operator()(DIR* directory) const { ::closedir(directory); }
};

}  // namespace

Result<std::vector<DirectoryEntry>> list_directory(const std::string& path) {
    std::unique_ptr<DIR, DirectoryCloser> directory(::opendir(path.c_str()));
    if (!directory) {
        return system_error("listing \"" + path + "\"");
    }
    std::vector<DirectoryEntry> entries;
    errno = 0;
    while (const dirent* entry = ::readdir(directory.get())) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") {
            entries.push_back({name, entry->d_type == DT_DIR});
        }
        errno = 0;
    }
    if (errno != 0) {
        return system_error("listing \"" + path + "\"");
    }
    return entries;
}

}  // namespace cradle
