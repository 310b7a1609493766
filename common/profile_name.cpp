#include "common/profile_name.h"

#include <locale.h>
#include <time.h>

#include <cerrno>
#include <string>

namespace cradle {
namespace {

constexpr std::string_view k_allowed_conversions = "YyCGgmdjHIMSUVWuwaAbBhps";

Error refuse(std::string_view raw, const std::string& reason) {
    return Error{EINVAL, "profile name \"" + printable_value(raw) + "\": " + reason};
}

std::string describe_byte(unsigned char c) {
    static constexpr char k_hex[] = "0123456789abcdef";
    if (c < 0x20 || c == 0x7f) {
        return std::string("a control character (\\x") + k_hex[c >> 4] + k_hex[c & 0xf] + ")";
    }
    if (c >= 0x80) {
        return std::string("a non-ASCII byte (\\x") + k_hex[c >> 4] + k_hex[c & 0xf] + ")";
    }
    return std::string("'") + static_cast<char>(c) + "', which is not allowed";
}

// The checks shared by the raw value and its expansion; `allow_tokens` is false for the
// expansion, which must be literal. Returns the reason for refusing, or an empty string.
std::string check_name(std::string_view name, bool allow_tokens) {
    if (name.empty()) {
        return "is empty";
    }
    if (name.size() > k_max_profile_name_length) {
        return "is " + std::to_string(name.size()) + " bytes long, more than the " +
               std::to_string(k_max_profile_name_length) + " allowed";
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c == '/') {
            return "contains '/': a profile name is a name, not a path";
        }
        if (allow_tokens && c == '%') {
            if (i + 1 == name.size()) {
                return "ends with a lone '%'";
            }
            const char conversion = name[i + 1];
            if (k_allowed_conversions.find(conversion) == std::string_view::npos) {
                const auto cc = static_cast<unsigned char>(conversion);
                if (cc < 0x21 || cc >= 0x7f) {
                    return "contains '%' followed by " + describe_byte(cc);
                }
                return std::string("uses the conversion %") + conversion +
                       ", which is not allowed (allowed: %Y %y %C %G %g %m %d %j %H %I %M %S %U %V "
                       "%W %u %w %a %A %b %B %h %p %s)";
            }
            ++i;
            continue;
        }
        if (!is_profile_name_byte(c)) {
            return "contains " + describe_byte(c);
        }
    }
    if (name.front() == '.' || name.front() == '-') {
        return std::string("starts with '") + name.front() + "'";
    }
    if (name.find("..") != std::string_view::npos) {
        return "contains \"..\"";
    }
    return {};
}

// strftime() follows LC_TIME of the global locale, which a library must not depend on (%a, %b
// and %p would change with the environment of whoever runs the hook), so the names come from a
// "C" locale object of our own through strftime_l(). %s is the exception: glibc computes it with
// mktime(), which reads the broken-down time as *local* time, so under a TZ other than UTC it
// would not be `when`; it is formatted directly instead.
locale_t c_locale() {
    static const locale_t locale = newlocale(LC_ALL_MASK, "C", locale_t{});
    return locale;
}

}  // namespace

std::string printable_value(std::string_view raw, std::size_t max_length) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    std::size_t i = 0;
    for (; i < raw.size(); ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        std::string piece;
        if (c < 0x20 || c >= 0x7f) {
            piece = {'\\', 'x', k_hex[c >> 4], k_hex[c & 0xf]};
        } else if (c == '"' || c == '\\') {
            piece = {'\\', static_cast<char>(c)};
        } else {
            piece = std::string(1, static_cast<char>(c));
        }
        if (out.size() + piece.size() > max_length) {
            break;
        }
        out += piece;
    }
    if (i < raw.size()) {
        out += "...";
    }
    return out;
}

Result<std::string> expand_profile_name(std::string_view raw, std::time_t when) {
    if (const std::string reason = check_name(raw, true); !reason.empty()) {
        return refuse(raw, reason);
    }

    std::tm broken_down{};
    if (gmtime_r(&when, &broken_down) == nullptr) {
        return refuse(raw, "cannot expand: time " + std::to_string(when) + " is out of range");
    }
    const locale_t locale = c_locale();
    if (locale == locale_t{}) {
        return refuse(raw, "cannot expand: no \"C\" locale object (out of memory?)");
    }

    std::string expanded;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '%') {
            expanded += raw[i];
            continue;
        }
        const char conversion = raw[++i];
        if (conversion == 's') {
            expanded += std::to_string(static_cast<long long>(when));
            continue;
        }
        const char format[] = {'%', conversion, '\0'};
        char buffer[64];
        const std::size_t length = strftime_l(buffer, sizeof buffer, format, &broken_down, locale);
        if (length == 0) {
            return refuse(raw, std::string("cannot expand %") + conversion);
        }
        expanded.append(buffer, length);
    }

    if (const std::string reason = check_name(expanded, false); !reason.empty()) {
        return refuse(raw, "expands to \"" + printable_value(expanded) + "\", which " + reason);
    }
    return expanded;
}

bool is_profile_name_byte(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

}  // namespace cradle
