#include "cli/event_decode.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstring>

#include "cli/event_names.h"

namespace cradle {

namespace {

constexpr char k_hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint64_t value) {
    out += "0x";
    append_number(out, value, 16);
}

void append_hex_bytes(std::string& out, std::string_view bytes) {
    out += "0x";
    for (const unsigned char byte : bytes) {
        out += k_hex_digits[byte >> 4];
        out += k_hex_digits[byte & 0xf];
    }
}

// The length of the valid UTF-8 character at the start of `bytes` (1..4), or 0 when it is not
// one (overlong forms, surrogates and values above U+10FFFF included), and its code point.
std::size_t utf8_character(std::string_view bytes, std::uint32_t& code_point) {
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    const unsigned char lead = at(0);
    std::size_t length = 0;
    std::uint32_t minimum = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2, code_point = lead & 0x1f, minimum = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3, code_point = lead & 0x0f, minimum = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4, code_point = lead & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (bytes.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((at(i) & 0xc0) != 0x80) {
            return 0;
        }
        code_point = code_point << 6 | (at(i) & 0x3f);
    }
    if (code_point < minimum || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff)) {
        return 0;
    }
    return length;
}

// Characters that are valid but change how a terminal shows what follows.
bool unsafe_character(std::uint32_t code_point) {
    return (code_point >= 0x80 && code_point <= 0x9f) || code_point == 0x2028 || code_point == 0x2029 ||
           (code_point >= 0x202a && code_point <= 0x202e) || (code_point >= 0x2066 && code_point <= 0x2069);
}

// Bytes that stand for themselves, per target: one look-up a byte in the loop every string goes
// through.
struct PlainBytes {
    bool text[256] = {};
    bool json_string[256] = {};
};

constexpr PlainBytes k_plain = [] {
    PlainBytes plain;
    for (int byte = 0x20; byte < 0x7f; ++byte) {
        plain.text[byte] = byte != '\\';
        plain.json_string[byte] = byte != '\\' && byte != '"';
    }
    return plain;
}();

void append_escaped_byte(std::string& out, unsigned char byte, std::string_view backslash) {
    out += backslash;
    switch (byte) {
        case '\\': out += backslash; return;
        case '\t': out += 't'; return;
        case '\n': out += 'n'; return;
        case '\r': out += 'r'; return;
        default:
            out += 'x';
            out += k_hex_digits[byte >> 4];
            out += k_hex_digits[byte & 0xf];
    }
}

void append_unreadable(std::string& out, const EventArgument& argument) {
    if (argument.raw == 0) {
        out += "NULL";
        return;
    }
    append_hex(out, argument.raw);
    out += " (unreadable)";
}

// Appends the names of the bits of `value` that `names` covers, then what is left as hex,
// separated by '|'. Returns whether it appended anything.
bool append_flags(std::string& out, std::uint64_t value, std::span<const FlagName> names, bool separator) {
    bool appended = false;
    const auto next = [&] {
        if (separator || appended) {
            out += '|';
        }
        appended = true;
    };
    for (const FlagName& flag : names) {
        // A flag of value 0 (O_LARGEFILE where the architecture has none) names nothing.
        if (flag.bits != 0 && (value & flag.bits) == flag.bits) {
            next();
            out += flag.name;
            value &= ~flag.bits;
        }
    }
    if (value != 0) {
        next();
        append_hex(out, value);
    }
    return appended;
}

// A flag set whose zero value has a name of its own (F_OK, PROT_NONE) or reads "0".
void append_flag_set(std::string& out, std::uint64_t value, std::span<const FlagName> names, const char* zero) {
    if (value == 0) {
        out += zero;
        return;
    }
    append_flags(out, value, names, false);
}

void append_named(std::string& out, const char* name, std::int64_t value) {
    if (name != nullptr) {
        out += name;
    } else {
        append_number(out, value);
    }
}

void append_open_flags(std::string& out, std::uint32_t flags) {
    static constexpr const char* k_access[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    out += k_access[flags & O_ACCMODE];
    append_flags(out, flags & ~static_cast<std::uint32_t>(O_ACCMODE), open_flag_names(), true);
}

void append_huge_page_size(std::string& out, unsigned shift) {
    static constexpr const char* k_units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    out += "MAP_HUGE_";
    append_number(out, std::uint64_t{1} << (shift % 10));
    out += k_units[shift / 10];
}

void append_map_flags(std::string& out, std::uint64_t flags) {
    bool separator = false;
    static constexpr const char* k_types[] = {nullptr, "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
    const std::uint64_t type = flags & MAP_TYPE;
    if (type < std::size(k_types) && k_types[type] != nullptr) {
        out += k_types[type];
        flags &= ~static_cast<std::uint64_t>(MAP_TYPE);
        separator = true;
    }
    if ((flags & MAP_HUGETLB) != 0) {
        const unsigned shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
        if (shift != 0) {
            if (separator) {
                out += '|';
            }
            append_huge_page_size(out, shift);
            flags &= ~(static_cast<std::uint64_t>(MAP_HUGE_MASK) << MAP_HUGE_SHIFT);
            separator = true;
        }
    }
    if (!separator && flags == 0) {
        out += '0';
        return;
    }
    append_flags(out, flags, map_flag_names(), separator);
}

void append_clone_flags(std::string& out, std::uint64_t flags) {
    constexpr std::uint64_t k_exit_signal = 0xff;  // CSIGNAL
    char buffer[16];
    const int exit_signal = static_cast<int>(flags & k_exit_signal);
    const char* signal = exit_signal != 0 ? signal_name(exit_signal, buffer) : nullptr;
    std::uint64_t rest = flags & ~k_exit_signal;
    if (exit_signal != 0 && signal == nullptr) {
        rest |= exit_signal;  // no signal of that number: show the bits as they are
    }
    const bool appended = append_flags(out, rest, clone_flag_names(), false);
    if (signal != nullptr) {
        if (appended) {
            out += '|';
        }
        out += signal;
    } else if (!appended) {
        out += '0';
    }
}

void append_clone_args(std::string& out, const EventArgument& argument) {
    if (argument.unreadable) {
        append_unreadable(out, argument);
        return;
    }
    if (argument.bytes.size() < sizeof(std::uint64_t)) {
        append_hex(out, argument.raw);
        out += " (too short)";
        return;
    }
    std::uint64_t flags = 0;
    std::memcpy(&flags, argument.bytes.data(), sizeof flags);
    // clone3 takes the exit signal apart from the flags, whose low byte (clone's CSIGNAL) it
    // refuses when set: put there, it reads as clone's flags do. Where it cannot go there (the
    // low byte is taken, or it is too large for it) it is shown by number, never dropped.
    std::uint64_t exit_signal = 0;
    if (argument.bytes.size() >= 2 * sizeof(std::uint64_t)) {
        std::memcpy(&exit_signal, argument.bytes.data() + sizeof flags, sizeof exit_signal);
    }
    if (exit_signal <= 0xff && (flags & 0xff) == 0) {
        flags |= exit_signal;
        exit_signal = 0;
    }
    append_clone_flags(out, flags);
    if (exit_signal != 0) {
        out += "|exit_signal=";
        append_number(out, exit_signal);
    }
    if (argument.truncated) {
        out += "...";
    }
}

void append_socket_type(std::string& out, std::uint32_t type) {
    constexpr std::uint32_t k_type_mask = 0xf;  // SOCK_TYPE_MASK
    append_named(out, socket_type_name(type & k_type_mask), type & k_type_mask);
    append_flags(out, type & ~k_type_mask, socket_flag_names(), true);
}

template <typename T>
T read_at(std::string_view bytes, std::size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

void append_sockaddr(std::string& out, const EventArgument& argument) {
    const std::string_view bytes(reinterpret_cast<const char*>(argument.bytes.data()), argument.bytes.size());
    if (argument.unreadable || bytes.size() < sizeof(sa_family_t)) {
        append_unreadable(out, argument);
        return;
    }
    const auto family = read_at<sa_family_t>(bytes, 0);
    if (const char* name = address_family_name(family)) {
        out += name;
    } else {
        out += "family ";
        append_number(out, family);
    }
    out += ' ';
    const std::string_view rest = bytes.substr(sizeof(sa_family_t));
    char address[INET6_ADDRSTRLEN];
    if (family == AF_INET && bytes.size() >= 8) {
        inet_ntop(AF_INET, bytes.data() + 4, address, sizeof address);
        out += address;
        out += ':';
        append_number(out, ntohs(read_at<std::uint16_t>(bytes, 2)));
    } else if (family == AF_INET6 && bytes.size() >= 24) {
        inet_ntop(AF_INET6, bytes.data() + 8, address, sizeof address);
        out += '[';
        out += address;
        if (bytes.size() >= 28) {
            if (const auto scope = read_at<std::uint32_t>(bytes, 24); scope != 0) {
                out += '%';
                append_number(out, scope);
            }
        }
        out += "]:";
        append_number(out, ntohs(read_at<std::uint16_t>(bytes, 2)));
    } else if (family == AF_UNIX) {
        if (rest.empty()) {
            out += "(unnamed)";
        } else if (rest[0] == '\0') {
            // An abstract name is every byte up to the address length, NUL bytes included.
            out += '@';
            append_escaped(out, rest.substr(1));
        } else {
            append_escaped(out, rest.substr(0, rest.find('\0')));
        }
    } else if (family == AF_NETLINK && bytes.size() >= 12) {
        out += "pid ";
        append_number(out, read_at<std::uint32_t>(bytes, 4));
        out += " groups ";
        append_hex(out, read_at<std::uint32_t>(bytes, 8));
    } else {
        append_hex_bytes(out, rest);
    }
    if (argument.truncated) {
        out += "...";
    }
}

void append_string(std::string& out, const EventArgument& argument) {
    if (argument.unreadable || argument.strings.empty()) {
        append_unreadable(out, argument);
        return;
    }
    append_escaped(out, argument.strings.front());
    if (argument.truncated) {
        out += "...";
    }
}

void append_string_array(std::string& out, const EventArgument& argument) {
    if (argument.unreadable) {
        append_unreadable(out, argument);
        return;
    }
    out += '[';
    for (std::size_t i = 0; i < argument.strings.size(); ++i) {
        if (i != 0) {
            out += ' ';
        }
        append_escaped(out, argument.strings[i]);
    }
    if (argument.truncated) {
        out += argument.strings.empty() ? "..." : " ...";
    }
    out += ']';
}

}  // namespace

void append_escaped(std::string& out, std::string_view bytes, EscapeFor target) {
    const std::string_view backslash = target == EscapeFor::json_string ? "\\\\" : "\\";
    const bool* plain = target == EscapeFor::json_string ? k_plain.json_string : k_plain.text;
    std::size_t i = 0;
    while (i < bytes.size()) {
        // Copy runs of plain characters at once: most strings are nothing but.
        std::size_t run = i;
        while (run < bytes.size() && plain[static_cast<unsigned char>(bytes[run])]) {
            ++run;
        }
        out.append(bytes.data() + i, run - i);
        i = run;
        if (i == bytes.size()) {
            break;
        }
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte == '"') {  // only reached for json_string
            out += "\\\"";
            ++i;
            continue;
        }
        std::uint32_t code_point = 0;
        const std::size_t length = byte >= 0x80 ? utf8_character(bytes.substr(i), code_point) : 0;
        if (length != 0 && !unsafe_character(code_point)) {
            out.append(bytes.data() + i, length);
            i += length;
            continue;
        }
        // Escape every byte of an unsafe character, one byte of anything invalid.
        for (const std::size_t end = i + (length != 0 ? length : 1); i < end; ++i) {
            append_escaped_byte(out, static_cast<unsigned char>(bytes[i]), backslash);
        }
    }
}

void append_argument(std::string& out, const EventArgument& argument) {
    const auto low32 = static_cast<std::uint32_t>(argument.raw);
    const auto signed32 = static_cast<std::int32_t>(low32);
    switch (argument.type) {
        case ArgumentType::signed_integer: append_number(out, static_cast<std::int64_t>(argument.raw)); return;
        case ArgumentType::unsigned_integer: append_number(out, argument.raw); return;
        case ArgumentType::hex: append_hex(out, argument.raw); return;
        case ArgumentType::fd:
            if (signed32 == AT_FDCWD) {
                out += "AT_FDCWD";
            } else {
                append_number(out, signed32);
            }
            return;
        case ArgumentType::octal_mode:
            if (low32 != 0) {
                out += '0';
            }
            append_number(out, low32, 8);
            return;
        case ArgumentType::user_string:
        case ArgumentType::kernel_string: append_string(out, argument); return;
        case ArgumentType::user_string_array: append_string_array(out, argument); return;
        case ArgumentType::open_flags: append_open_flags(out, low32); return;
        case ArgumentType::access_mode: append_flag_set(out, low32, access_mode_names(), "F_OK"); return;
        case ArgumentType::at_flags: append_flag_set(out, low32, at_flag_names(), "0"); return;
        case ArgumentType::mmap_prot: append_flag_set(out, low32, prot_names(), "PROT_NONE"); return;
        case ArgumentType::mmap_flags: append_map_flags(out, argument.raw); return;
        case ArgumentType::clone_flags: append_clone_flags(out, argument.raw); return;
        case ArgumentType::address_family: append_named(out, address_family_name(low32), signed32); return;
        case ArgumentType::socket_type: append_socket_type(out, low32); return;
        case ArgumentType::sockaddr: append_sockaddr(out, argument); return;
        case ArgumentType::clone_args: append_clone_args(out, argument); return;
        case ArgumentType::socketcall_call: append_named(out, socketcall_name(low32), signed32); return;
        case ArgumentType::signal: {
            char buffer[16];
            append_named(out, signal_name(signed32, buffer), signed32);
            return;
        }
        case ArgumentType::prctl_option: append_named(out, prctl_option_name(low32), signed32); return;
        case ArgumentType::ptrace_request:
            append_named(out, ptrace_request_name(argument.raw), static_cast<std::int64_t>(argument.raw));
            return;
        case ArgumentType::capability: append_named(out, capability_constant(signed32), signed32); return;
        case ArgumentType::boolean: out += argument.raw != 0 ? "true" : "false"; return;
    }
    // A type added to event.h without a case here still prints, as its raw value.
    append_hex(out, argument.raw);
}

std::string argument_text(const EventArgument& argument) {
    std::string text;
    append_argument(text, argument);
    return text;
}

const char* return_value_error_name(std::int64_t value) {
    constexpr std::int64_t k_max_errno = 4095;  // the kernel's MAX_ERRNO: IS_ERR_VALUE
    return value < 0 && value >= -k_max_errno ? errno_name(static_cast<int>(-value)) : nullptr;
}

void append_return_value(std::string& out, std::int64_t value) {
    if (const char* name = return_value_error_name(value)) {
        out += '-';
        out += name;
        return;
    }
    append_number(out, value);
}

}  // namespace cradle
