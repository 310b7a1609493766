#include <doctest/doctest.h>

#include "profilegen/run_comparison.h"

using namespace cradle;

namespace {

ProcessOutcome exited(int status, std::string out, std::string err = {}) {
    ProcessOutcome outcome;
    outcome.status = status;
    outcome.stdout_text = std::move(out);
    outcome.stderr_text = std::move(err);
    return outcome;
}

}  // namespace

TEST_CASE("run_comparison: the same end and the same bytes are the same") {
    CHECK_FALSE(compare_runs(exited(0, "a\nb\n", "w\n"), exited(0, "a\nb\n", "w\n")).has_value());
    CHECK_FALSE(compare_runs(exited(2, ""), exited(2, "")).has_value());
}

TEST_CASE("run_comparison: the end is compared first: status, signal, timeout") {
    const auto status = compare_runs(exited(0, "x\n"), exited(1, "y\n"));
    REQUIRE(status.has_value());
    CHECK(status->aspect == RunDifference::Aspect::end);
    CHECK(status->expected == "exit status 0");
    CHECK(status->actual == "exit status 1");
    CHECK(describe_difference(*status, "without it", "under it") ==
          "exit status: exit status 0 without it, exit status 1 under it");

    ProcessOutcome signaled = exited(0, "x\n");
    signaled.end = ProcessEnd::signaled;
    signaled.status = 31;
    const auto killed = compare_runs(exited(0, "x\n"), signaled);
    REQUIRE(killed.has_value());
    CHECK(killed->aspect == RunDifference::Aspect::end);
    CHECK(killed->actual.starts_with("killed by signal 31"));

    ProcessOutcome timed_out;
    timed_out.end = ProcessEnd::timed_out;
    const auto late = compare_runs(exited(0, ""), timed_out);
    REQUIRE(late.has_value());
    CHECK(late->actual == "timed out");
}

TEST_CASE("run_comparison: the first differing line of stdout, then of stderr") {
    const auto out = compare_runs(exited(0, "hello\n1:1\nend\n"), exited(0, "hello\n0:0\nend\n"));
    REQUIRE(out.has_value());
    CHECK(out->aspect == RunDifference::Aspect::stdout_stream);
    CHECK(out->line == 2);
    CHECK(out->expected == "1:1");
    CHECK(out->actual == "0:0");
    CHECK(describe_difference(*out, "without it", "under it") == "stdout line 2: \"1:1\" without it, \"0:0\" under it");

    const auto err = compare_runs(exited(0, "same\n", "a\n"), exited(0, "same\n", "a\nb: Operation not permitted\n"));
    REQUIRE(err.has_value());
    CHECK(err->aspect == RunDifference::Aspect::stderr_stream);
    CHECK(err->line == 2);
    CHECK(err->expected_missing);
    CHECK_FALSE(err->actual_missing);
    CHECK(describe_difference(*err, "without it", "under it") ==
          "stderr line 2: (none) without it, \"b: Operation not permitted\" under it");
}

TEST_CASE("run_comparison: a missing final newline or a shorter output is a difference at its line") {
    const auto newline = compare_runs(exited(0, "a\nb\n"), exited(0, "a\nb"));
    REQUIRE(newline.has_value());
    CHECK(newline->line == 2);
    const auto shorter = compare_runs(exited(0, "a\nb\n"), exited(0, "a\n"));
    REQUIRE(shorter.has_value());
    CHECK(shorter->line == 2);
    CHECK(shorter->actual_missing);
    CHECK(shorter->expected == "b");
}

TEST_CASE("run_comparison: lines are quoted printably, and JSON keeps to UTF-8") {
    const auto difference = compare_runs(exited(0, "\x1b[31mred\xff\n"), exited(0, "plain\n"));
    REQUIRE(difference.has_value());
    const std::string text = describe_difference(*difference, "a", "b");
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("\\x1b[31mred\\xff") != std::string::npos);
    const nlohmann::json document = difference_json(*difference);
    CHECK(document["aspect"] == "stdout");
    CHECK(document["line"] == 1);
    CHECK(document["actual"] == "plain");
    const auto missing = compare_runs(exited(0, ""), exited(0, "more\n"));
    REQUIRE(missing.has_value());
    CHECK(difference_json(*missing)["expected"].is_null());
    CHECK(difference_json(*compare_runs(exited(0, ""), exited(4, "")))["expected"] == "exit status 0");

    const nlohmann::json summary = run_summary_json(exited(1, "a\nb\n", "c"));
    CHECK(summary["end"] == "exited");
    CHECK(summary["status"] == 1);
    CHECK(summary["stdout_lines"] == 2);
    CHECK(summary["stderr_lines"] == 1);
}
