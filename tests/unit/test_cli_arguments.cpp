#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

struct Parse {
    ArgumentsOutcome outcome = ArgumentsOutcome::refused;
    std::optional<std::string> output;
    std::optional<std::string> format;
    std::vector<std::string> positional;
    std::string err;
};

Parse parse(const std::vector<std::string>& args) {
    Parse parsed;
    std::ostringstream err;
    parsed.outcome = parse_arguments("test", args, {{"--output", &parsed.output}, {"--format", &parsed.format}},
                                     parsed.positional, err);
    parsed.err = err.str();
    return parsed;
}

}  // namespace

TEST_CASE("parse_arguments: flags with their values, in both spellings, and the rest in order") {
    const Parse parsed = parse({"a", "--output", "x", "-", "--format=json", "b", "--output=", ""});
    CHECK(parsed.outcome == ArgumentsOutcome::run);
    CHECK(parsed.output == "");  // the last one counts
    CHECK(parsed.format == "json");
    CHECK(parsed.positional == std::vector<std::string>{"a", "-", "b", ""});
    CHECK(parsed.err.empty());

    const Parse none = parse({});
    CHECK(none.outcome == ArgumentsOutcome::run);
    CHECK_FALSE(none.output.has_value());
    CHECK(none.positional.empty());

    // A value is taken as it is, even when it looks like a flag.
    const Parse dashed = parse({"--output", "--format"});
    CHECK(dashed.outcome == ArgumentsOutcome::run);
    CHECK(dashed.output == "--format");
    CHECK_FALSE(dashed.format.has_value());
}

TEST_CASE("parse_arguments: after \"--\" everything is positional") {
    const Parse parsed = parse({"--output", "x", "--", "--format", "-h", "--"});
    CHECK(parsed.outcome == ArgumentsOutcome::run);
    CHECK(parsed.output == "x");
    CHECK_FALSE(parsed.format.has_value());
    CHECK(parsed.positional == std::vector<std::string>{"--format", "-h", "--"});
}

TEST_CASE("parse_arguments: --help and -h") {
    CHECK(parse({"--help"}).outcome == ArgumentsOutcome::help);
    CHECK(parse({"a", "--output", "x", "-h", "--frob"}).outcome == ArgumentsOutcome::help);
    CHECK(parse({"--help"}).err.empty());
    // What comes first decides.
    CHECK(parse({"--frob", "--help"}).outcome == ArgumentsOutcome::refused);
}

TEST_CASE("parse_arguments: refusals name the subcommand and the flag") {
    const Parse unknown = parse({"a", "--socket", "/x"});
    CHECK(unknown.outcome == ArgumentsOutcome::refused);
    CHECK(unknown.err == "cradle test: unknown option \"--socket\"\n");
    CHECK(parse({"--socket=/x"}).err == "cradle test: unknown option \"--socket\"\n");
    CHECK(parse({"-o", "x"}).err == "cradle test: unknown option \"-o\"\n");
    // A prefix of a flag is not the flag.
    CHECK(parse({"--out", "x"}).err == "cradle test: unknown option \"--out\"\n");
    CHECK(parse({"--outputs=x"}).err == "cradle test: unknown option \"--outputs\"\n");
    CHECK(parse({"--\x1b[2Jx"}).err == "cradle test: unknown option \"--\\x1b[2Jx\"\n");

    const Parse missing = parse({"a", "--output"});
    CHECK(missing.outcome == ArgumentsOutcome::refused);
    CHECK(missing.err == "cradle test: --output needs a value\n");
}

TEST_CASE("parse_format: text by default, json, nothing else") {
    std::ostringstream err;
    CHECK(parse_format("test", std::nullopt, err) == OutputFormat::text);
    CHECK(parse_format("test", "text", err) == OutputFormat::text);
    CHECK(parse_format("test", "json", err) == OutputFormat::json);
    CHECK(err.str().empty());
    CHECK_FALSE(parse_format("test", "JSON", err).has_value());
    CHECK(err.str() == "cradle test: --format must be text or json, not \"JSON\"\n");
}

TEST_CASE("parse_arguments: a switch takes no value") {
    bool crd = false;
    std::optional<std::string> output;
    std::vector<std::string> positional;
    std::ostringstream err;
    CHECK(parse_arguments("test", {"a", "--crd", "--output", "x"}, {{"--output", &output}, {"--crd", nullptr, &crd}},
                          positional, err) == ArgumentsOutcome::run);
    CHECK(crd);
    CHECK(output == "x");
    CHECK(positional == std::vector<std::string>{"a"});
    bool unset = false;
    CHECK(parse_arguments("test", {"a"}, {{"--crd", nullptr, &unset}}, positional, err) == ArgumentsOutcome::run);
    CHECK_FALSE(unset);
    CHECK(parse_arguments("test", {"--crd=yes"}, {{"--crd", nullptr, &unset}}, positional, err) ==
          ArgumentsOutcome::refused);
    CHECK(err.str() == "cradle test: --crd takes no value\n");
}
