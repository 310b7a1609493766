#include "common/result.h"

#include <cstring>

namespace cradle {

Error system_error(std::string context) {
    const int code = errno;
    return Error{code, std::move(context) + ": " + std::strerror(code)};
}

}  // namespace cradle
