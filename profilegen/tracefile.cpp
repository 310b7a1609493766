#include "profilegen/tracefile.h"

#include <cerrno>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "common/profile_name.h"
#include "profilegen/capability_table.h"
#include "profilegen/syscall_arguments.h"

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

std::string as_written(std::string_view line) { return std::string(line); }

// An entry line that cannot be read; the caller adds the line number and the line.
Error bad_entry(std::string what) { return Error{EINVAL, std::move(what)}; }

// A section of names, one a line, kept sorted in a set.
struct Names {
    std::set<std::string> Recording::*member;
    std::string_view noun;                        // "syscall" in "invalid syscall name"
    std::string (*entry)(std::string_view line);  // the name a line holds

    bool empty(const Recording& recording) const { return (recording.*member).empty(); }

    void render(const Recording& recording, std::string& out) const {
        for (const auto& name : recording.*member) {
            out += name;
            out += '\n';
        }
    }

    Result<void> read(Recording& recording, std::string_view line) const {
        std::string name = entry(line);
        if (!is_name(name)) {
            return bad_entry("invalid " + std::string(noun) + " name");
        }
        (recording.*member).insert(std::move(name));
        return {};
    }
};

// COUNTERS: "name value" lines, each name once.
struct Counters {
    std::map<std::string, std::uint64_t> Recording::*member;

    bool empty(const Recording& recording) const { return (recording.*member).empty(); }

    void render(const Recording& recording, std::string& out) const {
        for (const auto& [name, value] : recording.*member) {
            out += name + " " + std::to_string(value) + "\n";
        }
    }

    Result<void> read(Recording& recording, std::string_view line) const {
        const auto space = line.find_first_of(k_whitespace);
        if (space == std::string_view::npos) {
            return bad_entry("counter without a value");
        }
        const std::string name(line.substr(0, space));
        const std::string_view value_text = trimmed(line.substr(space));
        if (!is_name(name)) {
            return bad_entry("invalid counter name");
        }
        std::uint64_t value = 0;
        const auto [next, error] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
        if (value_text.empty() || error != std::errc() || next != value_text.data() + value_text.size()) {
            return bad_entry("invalid counter value (want a decimal count below 2^64)");
        }
        if (!(recording.*member).emplace(name, value).second) {
            return bad_entry("counter given twice");
        }
        return {};
    }
};

// INCOMPLETE: free text, one reason a line, in the order given.
struct Reasons {
    std::vector<std::string> Recording::*member;

    bool empty(const Recording& recording) const { return (recording.*member).empty(); }

    void render(const Recording& recording, std::string& out) const {
        for (const auto& reason : recording.*member) {
            out += reason_line(reason) + "\n";
        }
    }

    Result<void> read(Recording& recording, std::string_view line) const {
        (recording.*member).emplace_back(line);
        return {};
    }
};

// ARGUMENTS: "syscall value" lines (syscall_arguments.h): a value, "none" (clone, clone3 and
// unshare made without a namespace flag) or "any" (a value was not kept).
struct Arguments {
    std::map<std::string, ArgumentValues> Recording::*member;

    bool empty(const Recording& recording) const { return (recording.*member).empty(); }

    void render(const Recording& recording, std::string& out) const {
        for (const std::string& line : argument_lines(recording.*member)) {
            out += line;
            out += '\n';
        }
    }

    Result<void> read(Recording& recording, std::string_view line) const {
        const auto space = line.find_first_of(k_whitespace);
        if (space == std::string_view::npos) {
            return bad_entry("argument line without a value (want \"syscall value\")");
        }
        const std::string name(line.substr(0, space));
        const std::string_view value = trimmed(line.substr(space));
        if (!is_name(name)) {
            return bad_entry("invalid syscall name");
        }
        const ArgumentSyscall* syscall = find_argument_syscall(name);
        if (!syscall) {
            return {};  // a syscall this version does not filter: allowed with any argument
        }
        ArgumentValues& values = (recording.*member)[name];
        if (value == k_argument_any) {
            values.any = true;
        } else if (value != k_argument_none || syscall->kind != ArgumentKind::namespaces) {
            auto parsed = parse_argument_value(*syscall, value);
            if (!parsed) {
                return bad_entry(parsed.error().message);
            }
            values.values.insert(*parsed);
        }
        return {};
    }
};

// RUNTIMES: one runtime a line, as runtime_to_line writes it ("name=runc path=/usr/sbin/runc
// manager=podman"): a line starts with a lower-case key, which no section header does.
struct Runtimes {
    std::set<ContainerRuntime> Recording::*member;

    bool empty(const Recording& recording) const { return (recording.*member).empty(); }

    void render(const Recording& recording, std::string& out) const {
        for (const ContainerRuntime& runtime : recording.*member) {
            if (runtime.known()) {
                out += runtime_to_line(runtime) + "\n";
            }
        }
    }

    Result<void> read(Recording& recording, std::string_view line) const {
        auto runtime = runtime_from_line(line);
        if (!runtime) {
            return bad_entry("invalid runtime (want \"name=NAME path=PATH manager=MANAGER\", each optional)");
        }
        if (runtime->known()) {
            (recording.*member).insert(std::move(*runtime));
        }
        return {};
    }
};

enum class WhenEmpty { written, left_out };

// A section of the file: its header, whether it is written without entries, and where its entries live
// in a Recording and how each is read and written.
struct Section {
    std::string_view header;
    WhenEmpty when_empty;
    std::variant<Names, Counters, Reasons, Arguments, Runtimes> entries;
};

// Every section Cradle reads and writes, in the order it writes them. A header not listed here is
// a section Cradle does not know, skipped when read. Capabilities may be spelled as other tools
// do ("CAP_CHOWN", "cap_chown").
constexpr Section k_sections[] = {
    {"ARCH", WhenEmpty::written, Names{&Recording::architectures, "architecture", as_written}},
    {"CAPABILITIES", WhenEmpty::written, Names{&Recording::capabilities, "capability", bare_capability_name}},
    {"SYSCALLS", WhenEmpty::written, Names{&Recording::syscalls, "syscall", as_written}},
    {"COMPAT_SYSCALLS", WhenEmpty::left_out, Names{&Recording::compat_syscalls, "syscall", as_written}},
    {"DENIED_CAPABILITIES", WhenEmpty::left_out,
     Names{&Recording::denied_capabilities, "capability", bare_capability_name}},
    {"PROBED_CAPABILITIES", WhenEmpty::left_out,
     Names{&Recording::probed_capabilities, "capability", bare_capability_name}},
    {"RUNTIME_SYSCALLS", WhenEmpty::left_out, Names{&Recording::runtime_syscalls, "syscall", as_written}},
    {"IMPLIED_SYSCALLS", WhenEmpty::left_out, Names{&Recording::implied_syscalls, "syscall", as_written}},
    {"COMPAT_IMPLIED_SYSCALLS", WhenEmpty::left_out, Names{&Recording::compat_implied_syscalls, "syscall", as_written}},
    {"SETUP_SYSCALLS", WhenEmpty::left_out, Names{&Recording::setup_syscalls, "syscall", as_written}},
    {"ARGUMENTS", WhenEmpty::left_out, Arguments{&Recording::arguments}},
    {"RUNTIMES", WhenEmpty::left_out, Runtimes{&Recording::runtimes}},
    {"COUNTERS", WhenEmpty::left_out, Counters{&Recording::counters}},
    {"INCOMPLETE", WhenEmpty::left_out, Reasons{&Recording::incomplete_reasons}},
};

// The section `header` begins; nullptr for one Cradle does not know.
const Section* section_named(std::string_view header) {
    for (const Section& section : k_sections) {
        if (section.header == header) {
            return &section;
        }
    }
    return nullptr;
}

void render_header_comment(std::string& out, const std::string& header_comment) {
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

}  // namespace

std::string render_tracefile(const Recording& recording, const std::string& header_comment) {
    std::string out;
    if (!header_comment.empty()) {
        render_header_comment(out, header_comment);
    }
    bool first = true;
    for (const Section& section : k_sections) {
        const auto& entries = section.entries;
        if (section.when_empty == WhenEmpty::left_out &&
            std::visit([&](const auto& kind) { return kind.empty(recording); }, entries)) {
            continue;
        }
        // A blank line separates sections.
        if (!first) {
            out += '\n';
        }
        first = false;
        out += section.header;
        out += '\n';
        std::visit([&](const auto& kind) { kind.render(recording, out); }, entries);
    }
    return out;
}

Result<Recording> parse_tracefile(std::string_view text) {
    Recording recording;
    bool seen_header = false;
    const Section* section = nullptr;  // nullptr: before the first header, or in an unknown section
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
            return Error{EINVAL,
                         "line " + std::to_string(line_number) + ": " + what + " \"" + printable_value(line) + "\""};
        };
        if (is_section_header(line)) {
            seen_header = true;
            section = section_named(line);
            continue;
        }
        if (!seen_header) {
            return fail("entry before the first section");
        }
        if (!section) {
            continue;  // a newer writer's section: skipped, so its files still read
        }
        auto added = std::visit([&](const auto& kind) { return kind.read(recording, line); }, section->entries);
        if (!added) {
            return fail(added.error().message);
        }
    }
    // A file without COMPAT_SYSCALLS that lists a compat architecture had one allow-list for
    // every architecture; it keeps that meaning, so that nothing recorded before is narrowed.
    split_single_allow_list(recording);
    return recording;
}

}  // namespace cradle
