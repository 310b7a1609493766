#include "hook/runc_arguments.h"

#include <array>
#include <cerrno>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "common/profile_name.h"

namespace cradle {

namespace {

enum class FlagKind { Boolean, Text, Integer };

struct FlagSpec {
    std::string_view name;
    std::string_view alias;  // empty when none
    FlagKind kind;
};

// runc 1.1's main.go (app.Flags) and urfave/cli's own --help and --version.
constexpr std::array k_global_flags = {
    FlagSpec{"debug", "", FlagKind::Boolean},    FlagSpec{"log", "", FlagKind::Text},
    FlagSpec{"log-format", "", FlagKind::Text},  FlagSpec{"root", "", FlagKind::Text},
    FlagSpec{"criu", "", FlagKind::Text},        FlagSpec{"systemd-cgroup", "", FlagKind::Boolean},
    FlagSpec{"rootless", "", FlagKind::Text},    FlagSpec{"help", "h", FlagKind::Boolean},
    FlagSpec{"version", "v", FlagKind::Boolean},
};

// create.go; urfave/cli adds --help to every command.
constexpr std::array k_create_flags = {
    FlagSpec{"bundle", "b", FlagKind::Text},           FlagSpec{"console-socket", "", FlagKind::Text},
    FlagSpec{"pid-file", "", FlagKind::Text},          FlagSpec{"no-pivot", "", FlagKind::Boolean},
    FlagSpec{"no-new-keyring", "", FlagKind::Boolean}, FlagSpec{"preserve-fds", "", FlagKind::Integer},
    FlagSpec{"help", "h", FlagKind::Boolean},
};

// run.go: create's flags and three of its own.
constexpr std::array k_run_flags = {
    FlagSpec{"bundle", "b", FlagKind::Text},         FlagSpec{"console-socket", "", FlagKind::Text},
    FlagSpec{"detach", "d", FlagKind::Boolean},      FlagSpec{"keep", "", FlagKind::Boolean},
    FlagSpec{"pid-file", "", FlagKind::Text},        FlagSpec{"no-subreaper", "", FlagKind::Boolean},
    FlagSpec{"no-pivot", "", FlagKind::Boolean},     FlagSpec{"no-new-keyring", "", FlagKind::Boolean},
    FlagSpec{"preserve-fds", "", FlagKind::Integer}, FlagSpec{"help", "h", FlagKind::Boolean},
};

Error refusal(const std::string& reason) { return Error{EINVAL, "runtime command line: " + reason}; }

std::string in_quotes(std::string_view text) { return "\"" + printable_value(text) + "\""; }

struct ParsedFlags {
    std::map<std::string_view, std::string> values;     // by the flag's name (not its alias), the last one given
    std::map<std::string_view, std::string_view> form;  // the name or alias it was given as
    std::vector<std::string> rest;                      // the arguments after the flags
};

// strconv.ParseBool.
std::optional<bool> go_boolean(std::string_view text) {
    for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
        if (text == yes) {
            return true;
        }
    }
    for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
        if (text == no) {
            return false;
        }
    }
    return std::nullopt;
}

// strconv.ParseInt(text, 0, 64) without digit separators: an integer runc reads the same way,
// or one it may not (then the line is not understood, and passed on as it is).
bool go_integer(std::string_view text) {
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        text.remove_prefix(1);
    }
    std::string_view digits = "0123456789";
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        digits = "0123456789abcdefABCDEF";
        text.remove_prefix(2);
    } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) {
        digits = "01234567";
        text.remove_prefix(2);
    } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B')) {
        digits = "01";
        text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
        digits = "01234567";
    }
    return !text.empty() && text.find_first_not_of(digits) == std::string_view::npos;
}

// Go's flag.FlagSet.Parse: flags until the first argument that is not one, or after "--";
// then urfave/cli's check that a flag and its alias were not both given.
Result<ParsedFlags> parse_flags(std::span<const FlagSpec> specs, std::span<const std::string> arguments) {
    ParsedFlags parsed;
    std::size_t next = 0;
    while (next < arguments.size()) {
        const std::string_view argument = arguments[next];
        if (argument.size() < 2 || argument[0] != '-') {
            break;
        }
        std::size_t dashes = 1;
        if (argument[1] == '-') {
            dashes = 2;
            if (argument.size() == 2) {
                ++next;
                break;
            }
        }
        std::string_view name = argument.substr(dashes);
        if (name.empty() || name[0] == '-' || name[0] == '=') {
            return refusal("bad flag syntax: " + in_quotes(argument));
        }
        ++next;
        std::optional<std::string_view> value;
        if (const auto equals = name.find('=', 1); equals != std::string_view::npos) {
            value = name.substr(equals + 1);
            name = name.substr(0, equals);
        }
        const FlagSpec* spec = nullptr;
        for (const FlagSpec& candidate : specs) {
            if (candidate.name == name || (!candidate.alias.empty() && candidate.alias == name)) {
                spec = &candidate;
            }
        }
        if (spec == nullptr) {
            return refusal("flag provided but not defined: " + in_quotes(argument));
        }
        if (spec->kind == FlagKind::Boolean) {
            if (value && !go_boolean(*value)) {
                return refusal("invalid boolean value " + in_quotes(*value) + " for flag " + in_quotes(name));
            }
            parsed.values[spec->name] = value && !*go_boolean(*value) ? "false" : "true";
        } else {
            if (!value) {
                if (next == arguments.size()) {
                    return refusal("flag needs an argument: " + in_quotes(argument));
                }
                value = arguments[next++];
            }
            if (spec->kind == FlagKind::Integer && !go_integer(*value)) {
                return refusal("invalid integer value " + in_quotes(*value) + " for flag " + in_quotes(name));
            }
            parsed.values[spec->name] = std::string(*value);
        }
        const auto [form, first] = parsed.form.try_emplace(spec->name, name);
        if (!first && form->second != name) {
            return refusal("cannot use two forms of the same flag: " + in_quotes(form->second) + " and " +
                           in_quotes(name));
        }
    }
    parsed.rest.assign(arguments.begin() + static_cast<std::ptrdiff_t>(next), arguments.end());
    return parsed;
}

// urfave/cli v1's reorderArgs, which runs before a command's flags are parsed: flags move ahead
// of the other arguments, each with the argument after it when it has no '=' and that argument
// does not start with '-' (whatever the flag's kind), and everything from "--" on stays last.
std::vector<std::string> reorder_arguments(std::span<const std::string> arguments) {
    std::vector<std::string> flags;
    std::vector<std::string> others;
    bool value_may_follow = false;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string& argument = arguments[index];
        if (argument == "--") {
            others.insert(others.end(), arguments.begin() + static_cast<std::ptrdiff_t>(index), arguments.end());
            break;
        }
        if (value_may_follow && !argument.starts_with("-")) {
            value_may_follow = false;
            flags.push_back(argument);
            continue;
        }
        value_may_follow = false;
        if (argument != "-" && argument.starts_with("-")) {
            flags.push_back(argument);
            value_may_follow = argument.find('=') == std::string::npos;
        } else {
            others.push_back(argument);
        }
    }
    flags.insert(flags.end(), others.begin(), others.end());
    return flags;
}

bool is_set(const ParsedFlags& flags, std::string_view name) {
    const auto found = flags.values.find(name);
    return found != flags.values.end() && found->second == "true";
}

}  // namespace

Result<RuncArguments> parse_runc_arguments(std::span<const std::string> arguments) {
    auto global = parse_flags(k_global_flags, arguments);
    if (!global) {
        return global.error();
    }
    RuncArguments result;
    if (is_set(*global, "help") || is_set(*global, "version") || global->rest.empty()) {
        return result;
    }
    const std::string& command = global->rest.front();
    if (command != "create" && command != "run") {
        return result;
    }
    const std::span<const FlagSpec> specs =
        command == "create" ? std::span<const FlagSpec>(k_create_flags) : std::span<const FlagSpec>(k_run_flags);
    const std::vector<std::string> ordered = reorder_arguments(std::span(global->rest).subspan(1));
    auto flags = parse_flags(specs, ordered);
    if (!flags) {
        return flags.error();
    }
    if (is_set(*flags, "help")) {
        return result;
    }
    if (flags->rest.size() != 1) {
        return refusal("\"" + command + "\" needs exactly one container id, not " + std::to_string(flags->rest.size()) +
                       " arguments");
    }
    if (flags->rest.front().empty()) {
        return refusal("\"" + command + "\": the container id is empty");
    }
    result.command = command == "create" ? RuncCommand::Create : RuncCommand::Run;
    result.container_id = flags->rest.front();
    if (const auto bundle = flags->values.find("bundle"); bundle != flags->values.end()) {
        result.bundle = bundle->second;
    }
    return result;
}

}  // namespace cradle
