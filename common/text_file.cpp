#include "common/text_file.h"

#include <fstream>
#include <sstream>

namespace cradle {

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        return system_error("reading \"" + path + "\"");
    }
    std::stringstream text;
    text << file.rdbuf();
    if (file.bad()) {
        return system_error("reading \"" + path + "\"");
    }
    return text.str();
}

}  // namespace cradle
