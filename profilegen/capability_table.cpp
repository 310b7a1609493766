#include "profilegen/capability_table.h"

#include <sys/capability.h>

#include <cerrno>
#include <memory>

namespace cradle {

namespace {

constexpr std::string_view k_prefix = "cap_";

Error invalid(std::string message) { return Error{EINVAL, std::move(message)}; }

}  // namespace

Result<std::string> capability_name(int cap) {
    const std::string what = "capability number " + std::to_string(cap);
    if (cap < 0) {
        return invalid(what + ": negative");
    }
    std::unique_ptr<char, decltype(&cap_free)> text(cap_to_name(cap), &cap_free);
    if (!text) {
        return system_error(what);
    }
    // For numbers it has no name for, libcap returns the number itself ("41").
    const std::string_view name(text.get());
    if (!name.starts_with(k_prefix) || name.size() == k_prefix.size()) {
        return invalid(what + ": unknown to libcap");
    }
    return std::string(name.substr(k_prefix.size()));
}

std::string bare_capability_name(std::string_view spelling) {
    std::string name;
    for (const char c : spelling) {
        name += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (name.starts_with(k_prefix)) {
        name.erase(0, k_prefix.size());
    }
    return name;
}

std::string capability_constant_name(std::string_view bare) {
    std::string name = "CAP_";
    for (const char c : bare) {
        name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return name;
}

Result<int> capability_number(const std::string& name) {
    const auto fail = [&] { return invalid("capability \"" + name + "\": unknown"); };
    const std::string bare = bare_capability_name(name);
    bool has_letter = false;
    for (const char c : bare) {
        if (c >= 'a' && c <= 'z') {
            has_letter = true;
        } else if (!(c >= '0' && c <= '9') && c != '_') {
            return fail();
        }
    }
    // cap_from_name also parses bare numbers; a name must name something.
    if (!has_letter) {
        return fail();
    }
    cap_value_t value = 0;
    if (cap_from_name((std::string(k_prefix) + bare).c_str(), &value) != 0) {
        return fail();
    }
    return static_cast<int>(value);
}

int capability_count() { return static_cast<int>(cap_max_bits()); }

}  // namespace cradle
