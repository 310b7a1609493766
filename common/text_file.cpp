#include "common/text_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/unique_fd.h"

namespace cradle {

Result<std::string> read_text_file(const std::string& path) {
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) {
        return system_error("reading \"" + path + "\"");
    }
    // Read to EOF rather than trusting st_size, which /proc files report as 0.
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t count = ::read(file.get(), buffer, sizeof(buffer));
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return system_error("reading \"" + path + "\"");
        }
        if (count == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(count));
    }
}

}  // namespace cradle
