#include "common/temporary_directory.h"

#include <cstdlib>
#include <filesystem>
#include <utility>

namespace cradle {

Result<TemporaryDirectory> TemporaryDirectory::make(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    // A relative TMPDIR would make the path depend on the working directory, which runc changes.
    std::string path = std::string(base != nullptr && *base == '/' ? base : "/tmp") + "/" + prefix + ".XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) {
        return system_error("creating a directory \"" + path + "\"");
    }
    return TemporaryDirectory(std::move(path));
}

TemporaryDirectory::TemporaryDirectory(TemporaryDirectory&& other) noexcept : m_path(std::exchange(other.m_path, {})) {}

TemporaryDirectory::~TemporaryDirectory() {
    if (!m_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
}

}  // namespace cradle
