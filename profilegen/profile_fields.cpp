#include "profilegen/profile_fields.h"

#include <algorithm>
#include <cerrno>

namespace cradle {

Error field_error(const std::string& field, const std::string& what) {
    return Error{EINVAL, "\"" + field + "\": " + what};
}

Result<void> check_fields(const nlohmann::json& object, const std::string& where,
                          std::initializer_list<std::string_view> allowed, std::string_view unknown) {
    if (!object.is_object()) {
        return field_error(where, "not an object");
    }
    for (const auto& [key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return field_error(where.empty() ? key : where + "." + key, std::string(unknown));
        }
    }
    return {};
}

Result<std::string> read_string_field(const nlohmann::json& object, const std::string& key, const std::string& field) {
    const auto found = object.find(key);
    if (found == object.end()) {
        return field_error(field, "missing");
    }
    if (!found->is_string()) {
        return field_error(field, "not a string");
    }
    return found->get<std::string>();
}

}  // namespace cradle
