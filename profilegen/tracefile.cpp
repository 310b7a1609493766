#include "profilegen/tracefile.h"

#include <cerrno>
#include <charconv>
#include <limits>

#include "common/profile_name.h"

namespace cradle {

namespace {

constexpr std::string_view k_whitespace = " \t\r\v\f";
constexpr std::string_view k_reason_prefix = "reason: ";

bool is_section_header(std::string_view line) {
    if (line.empty() || line.starts_with("CAP_")) {
        return false;
    }
    for (const char c : line) {
        if (!(c >= 'A' && c <= 'Z') && c != '_') {
            return false;
        }
    }
    return true;
}

bool is_name(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
            return false;
        }
    }
    return true;
}

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(k_whitespace);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(k_whitespace);
    return text.substr(first, last - first + 1);
}

// A reason must come back from parse_tracefile as the same single line.
std::string reason_line(const std::string& reason) {
    std::string line = reason;
    for (char& c : line) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    line = std::string(trimmed(line));
    if (line.empty()) {
        return "(no reason given)";
    }
    if (line.starts_with('#') || is_section_header(line)) {
        line = std::string(k_reason_prefix) + line;
    }
    return line;
}

void render_section(std::string& out, std::string_view header,
                    const std::set<std::string>& names) {
    out += header;
    out += '\n';
    for (const auto& name : names) {
        out += name;
        out += '\n';
    }
}

void render_optional_section(std::string& out, std::string_view header,
                             const std::set<std::string>& names) {
    if (!names.empty()) {
        out += '\n';
        render_section(out, header, names);
    }
}

enum class Section {
    none,
    architectures,
    capabilities,
    syscalls,
    denied_capabilities,
    probed_capabilities,
    runtime_syscalls,
    implied_syscalls,
    setup_syscalls,
    counters,
    incomplete,
    unknown,
};

Section section_named(std::string_view header) {
    if (header == "ARCH") return Section::architectures;
    if (header == "CAPABILITIES") return Section::capabilities;
    if (header == "SYSCALLS") return Section::syscalls;
    if (header == "DENIED_CAPABILITIES") return Section::denied_capabilities;
    if (header == "PROBED_CAPABILITIES") return Section::probed_capabilities;
    if (header == "RUNTIME_SYSCALLS") return Section::runtime_syscalls;
    if (header == "IMPLIED_SYSCALLS") return Section::implied_syscalls;
    if (header == "SETUP_SYSCALLS") return Section::setup_syscalls;
    if (header == "COUNTERS") return Section::counters;
    if (header == "INCOMPLETE") return Section::incomplete;
    return Section::unknown;
}

// "CAP_CHOWN" and "cap_chown" are how other tools spell "chown".
std::string capability_entry(std::string_view line) {
    std::string name;
    for (const char c : line) {
        name += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (name.starts_with("cap_")) {
        name.erase(0, 4);
    }
    return name;
}

}  // namespace

std::string render_tracefile(const Recording& recording, const std::string& header_comment) {
    std::string out;
    if (!header_comment.empty()) {
        std::string_view rest(header_comment);
        if (rest.ends_with('\n')) {
            rest.remove_suffix(1);
        }
        while (true) {
            const auto end = rest.find('\n');
            std::string line(rest.substr(0, end));
            // A lone carriage return ends a line for some readers; keep it inside the comment.
            for (char& c : line) {
                if (c == '\r') {
                    c = ' ';
                }
            }
            out += line.empty() ? "#" : "# ";
            out += line;
            out += '\n';
            if (end == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(end + 1);
        }
        out += '\n';
    }
    render_section(out, "ARCH", recording.architectures);
    out += '\n';
    render_section(out, "CAPABILITIES", recording.capabilities);
    out += '\n';
    render_section(out, "SYSCALLS", recording.syscalls);
    render_optional_section(out, "DENIED_CAPABILITIES", recording.denied_capabilities);
    render_optional_section(out, "PROBED_CAPABILITIES", recording.probed_capabilities);
    render_optional_section(out, "RUNTIME_SYSCALLS", recording.runtime_syscalls);
    render_optional_section(out, "IMPLIED_SYSCALLS", recording.implied_syscalls);
    render_optional_section(out, "SETUP_SYSCALLS", recording.setup_syscalls);
    if (!recording.counters.empty()) {
        out += "\nCOUNTERS\n";
        for (const auto& [name, value] : recording.counters) {
            out += name + " " + std::to_string(value) + "\n";
        }
    }
    if (!recording.incomplete_reasons.empty()) {
        out += "\nINCOMPLETE\n";
        for (const auto& reason : recording.incomplete_reasons) {
            out += reason_line(reason) + "\n";
        }
    }
    return out;
}

Result<Recording> parse_tracefile(std::string_view text) {
    Recording recording;
    Section section = Section::none;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        const std::string_view raw = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        const std::string_view line = trimmed(raw);
        if (line.empty() || line.starts_with('#')) {
            continue;
        }
        const auto fail = [&](const std::string& what) -> Error {
            // The line is quoted escaped and cut short: a tracefile may come from anyone.
            return Error{EINVAL, "line " + std::to_string(line_number) + ": " + what + " \"" +
                                     printable_value(line) + "\""};
        };
        if (is_section_header(line)) {
            section = section_named(line);
            continue;
        }
        const auto add_name = [&](std::set<std::string>& into, const std::string& name,
                                  const char* kind) -> Result<void> {
            if (!is_name(name)) {
                return fail(std::string("invalid ") + kind + " name");
            }
            into.insert(name);
            return {};
        };
        Result<void> added;
        switch (section) {
            case Section::none:
                return fail("entry before the first section");
            case Section::unknown:
                break;
            case Section::architectures:
                added = add_name(recording.architectures, std::string(line), "architecture");
                break;
            case Section::capabilities:
                added = add_name(recording.capabilities, capability_entry(line), "capability");
                break;
            case Section::denied_capabilities:
                added = add_name(recording.denied_capabilities, capability_entry(line),
                                 "capability");
                break;
            case Section::probed_capabilities:
                added = add_name(recording.probed_capabilities, capability_entry(line),
                                 "capability");
                break;
            case Section::syscalls:
                added = add_name(recording.syscalls, std::string(line), "syscall");
                break;
            case Section::runtime_syscalls:
                added = add_name(recording.runtime_syscalls, std::string(line), "syscall");
                break;
            case Section::implied_syscalls:
                added = add_name(recording.implied_syscalls, std::string(line), "syscall");
                break;
            case Section::setup_syscalls:
                added = add_name(recording.setup_syscalls, std::string(line), "syscall");
                break;
            case Section::counters: {
                const auto space = line.find_first_of(k_whitespace);
                if (space == std::string_view::npos) {
                    return fail("counter without a value");
                }
                const std::string name(line.substr(0, space));
                const std::string_view value_text = trimmed(line.substr(space));
                if (!is_name(name)) {
                    return fail("invalid counter name");
                }
                std::uint64_t value = 0;
                const auto [next, error] = std::from_chars(
                    value_text.data(), value_text.data() + value_text.size(), value);
                if (value_text.empty() || error != std::errc() ||
                    next != value_text.data() + value_text.size()) {
                    return fail("invalid counter value (want a decimal count below 2^64)");
                }
                if (!recording.counters.emplace(name, value).second) {
                    return fail("counter given twice");
                }
                break;
            }
            case Section::incomplete:
                recording.incomplete_reasons.emplace_back(line);
                break;
        }
        if (!added) {
            return added.error();
        }
    }
    return recording;
}

}  // namespace cradle
