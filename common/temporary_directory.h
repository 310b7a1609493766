// A directory that lives as long as an object: the bundles and root filesystems `cradle verify`
// and `cradle calibrate` make for their containers.
#pragma once

#include <string>

#include "common/result.h"

namespace cradle {

class TemporaryDirectory {
public:
    // A fresh directory `<$TMPDIR or /tmp>/<prefix>.XXXXXX` (mkdtemp, mode 0700). Fails with
    // mkdtemp's errno.
    static Result<TemporaryDirectory> make(const std::string& prefix);

    TemporaryDirectory(TemporaryDirectory&& other) noexcept;
    TemporaryDirectory& operator=(TemporaryDirectory&&) = delete;
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    // Removes the directory and everything in it (without following symbolic links), ignoring
    // failures.
    ~TemporaryDirectory();

    // Its absolute path.
    const std::string& path() const { return m_path; }

private:
    explicit TemporaryDirectory(std::string path) : m_path(std::move(path)) {}
    std::string m_path;
};

}  // namespace cradle
