#include "common/result.h"

#include <cstring>

namespace cradle {

Error system_error(std::string context) { return system_error(errno, std::move(context)); }

Error system_error(int code, std::string context) {
    code = code < 0 ? -code : code;
    return Error{code, std::move(context) + ": " + std::strerror(code)};
}

}  // namespace cradle
