#include "cli/arguments.h"

#include <ostream>

#include "common/profile_name.h"

namespace cradle {

ArgumentsOutcome parse_arguments(std::string_view command, const std::vector<std::string>& args,
                                 std::initializer_list<Flag> flags, std::vector<std::string>& positional,
                                 std::ostream& err) {
    bool only_positional = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (only_positional || arg == "-" || arg.empty() || arg[0] != '-') {
            positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_positional = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            return ArgumentsOutcome::help;
        }
        const Flag* matched = nullptr;
        for (const Flag& flag : flags) {
            const bool with_value = arg.size() > flag.name.size() && arg[flag.name.size()] == '=' &&
                                    arg.compare(0, flag.name.size(), flag.name) == 0;
            if (arg == flag.name || with_value) {
                matched = &flag;
                break;
            }
        }
        if (!matched) {
            // The argument is the user's own, but may hold a terminal escape all the same.
            const std::string name = arg.substr(0, arg.find('='));
            err << "cradle " << command << ": unknown option \"" << printable_value(name) << "\"\n";
            return ArgumentsOutcome::refused;
        }
        if (!matched->value) {
            if (arg.size() > matched->name.size()) {
                err << "cradle " << command << ": " << matched->name << " takes no value\n";
                return ArgumentsOutcome::refused;
            }
            *matched->set = true;
        } else if (arg.size() > matched->name.size()) {
            *matched->value = arg.substr(matched->name.size() + 1);
        } else if (i + 1 < args.size()) {
            *matched->value = args[++i];
        } else {
            err << "cradle " << command << ": " << matched->name << " needs a value\n";
            return ArgumentsOutcome::refused;
        }
    }
    return ArgumentsOutcome::run;
}

std::optional<OutputFormat> parse_format(std::string_view command, const std::optional<std::string>& value,
                                         std::ostream& err) {
    if (!value || *value == "text") {
        return OutputFormat::text;
    }
    if (*value == "json") {
        return OutputFormat::json;
    }
    err << "cradle " << command << ": --format must be text or json, not \"" << printable_value(*value) << "\"\n";
    return std::nullopt;
}

std::optional<int> exit_before_running(ArgumentsOutcome outcome, std::string_view help, std::ostream& out) {
    switch (outcome) {
        case ArgumentsOutcome::help: out << help; return 0;
        case ArgumentsOutcome::refused: return 2;
        case ArgumentsOutcome::run: break;
    }
    return std::nullopt;
}

std::optional<LookupOptions> parse_lookup_arguments(std::string_view command, std::string_view help,
                                                    const std::vector<std::string>& args, std::ostream& out,
                                                    std::ostream& err, int& exit_status) {
    LookupOptions options;
    std::optional<std::string> format;
    std::vector<std::string> positional;
    if (const auto stop =
            exit_before_running(parse_arguments(command, args, {{"--format", &format}}, positional, err), help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    const auto parsed_format = parse_format(command, format, err);
    if (!parsed_format) {
        exit_status = 2;
        return std::nullopt;
    }
    options.format = *parsed_format;
    if (positional.size() > 1) {
        err << "cradle " << command << ": unexpected argument \"" << printable_value(positional[1])
            << "\" (it takes one QUERY)\n";
        exit_status = 2;
        return std::nullopt;
    }
    if (!positional.empty()) {
        options.query = positional.front();
    }
    return options;
}

}  // namespace cradle
