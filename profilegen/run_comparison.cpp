#include "profilegen/run_comparison.h"

#include <vector>

#include "common/profile_name.h"

namespace cradle {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            // Kept apart from a line that has its newline: "a" and "a\n" must not compare equal.
            lines.push_back(text.substr(start) + " (no newline at end)");
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::optional<RunDifference> compare_stream(RunDifference::Aspect aspect, const std::string& reference,
                                            const std::string& actual) {
    if (reference == actual) {
        return std::nullopt;
    }
    const std::vector<std::string> expected_lines = split_lines(reference);
    const std::vector<std::string> actual_lines = split_lines(actual);
    std::size_t index = 0;
    while (index < expected_lines.size() && index < actual_lines.size() &&
           expected_lines[index] == actual_lines[index]) {
        ++index;
    }
    RunDifference difference;
    difference.aspect = aspect;
    difference.line = index + 1;
    difference.expected_missing = index >= expected_lines.size();
    difference.actual_missing = index >= actual_lines.size();
    if (!difference.expected_missing) {
        difference.expected = expected_lines[index];
    }
    if (!difference.actual_missing) {
        difference.actual = actual_lines[index];
    }
    return difference;
}

const char* end_name(ProcessEnd end) {
    switch (end) {
        case ProcessEnd::exited: return "exited";
        case ProcessEnd::signaled: return "signaled";
        case ProcessEnd::timed_out: break;
    }
    return "timed_out";
}

const char* aspect_name(RunDifference::Aspect aspect) {
    switch (aspect) {
        case RunDifference::Aspect::end: return "end";
        case RunDifference::Aspect::stdout_stream: return "stdout";
        case RunDifference::Aspect::stderr_stream: break;
    }
    return "stderr";
}

std::size_t count_lines(const std::string& text) { return split_lines(text).size(); }

std::string quoted_line(const std::string& line, bool missing) {
    return missing ? "(none)" : "\"" + printable_value(line, 200) + "\"";
}

}  // namespace

std::optional<RunDifference> compare_runs(const ProcessOutcome& reference, const ProcessOutcome& actual) {
    if (reference.end != actual.end || reference.status != actual.status) {
        RunDifference difference;
        difference.expected = describe_process_end(reference.end, reference.status);
        difference.actual = describe_process_end(actual.end, actual.status);
        return difference;
    }
    if (auto difference =
            compare_stream(RunDifference::Aspect::stdout_stream, reference.stdout_text, actual.stdout_text)) {
        return difference;
    }
    return compare_stream(RunDifference::Aspect::stderr_stream, reference.stderr_text, actual.stderr_text);
}

std::string describe_difference(const RunDifference& difference, const std::string& reference_name,
                                const std::string& actual_name) {
    if (difference.aspect == RunDifference::Aspect::end) {
        return "exit status: " + difference.expected + " " + reference_name + ", " + difference.actual + " " +
               actual_name;
    }
    return std::string(aspect_name(difference.aspect)) + " line " + std::to_string(difference.line) + ": " +
           quoted_line(difference.expected, difference.expected_missing) + " " + reference_name + ", " +
           quoted_line(difference.actual, difference.actual_missing) + " " + actual_name;
}

nlohmann::json run_summary_json(const ProcessOutcome& outcome) {
    return {{"end", end_name(outcome.end)},
            {"status", outcome.status},
            {"stdout_lines", count_lines(outcome.stdout_text)},
            {"stderr_lines", count_lines(outcome.stderr_text)},
            {"truncated", outcome.truncated}};
}

nlohmann::json difference_json(const RunDifference& difference) {
    nlohmann::json document = {{"aspect", aspect_name(difference.aspect)}};
    const bool stream = difference.aspect != RunDifference::Aspect::end;
    if (stream) {
        document["line"] = difference.line;
    }
    // printable_value keeps the document UTF-8 whatever the workload wrote.
    document["expected"] = stream && difference.expected_missing
                               ? nlohmann::json(nullptr)
                               : nlohmann::json(printable_value(difference.expected, 200));
    document["actual"] = stream && difference.actual_missing ? nlohmann::json(nullptr)
                                                             : nlohmann::json(printable_value(difference.actual, 200));
    return document;
}

}  // namespace cradle
