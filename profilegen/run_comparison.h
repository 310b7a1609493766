// Whether two runs of a workload behaved the same: how `cradle verify` judges a run under a
// profile against the reference run. The comparison is exact, byte for byte: a workload whose
// output holds times, pids or random values differs from itself, and must be made
// deterministic before it can be verified.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/child_process.h"

namespace cradle {

// Where two runs first part.
struct RunDifference {
    enum class Aspect {
        end,            // they ended differently: exit status, signal, or one timed out
        stdout_stream,  // the same end, but stdout differs
        stderr_stream,  // the same end and stdout, but stderr differs
    };
    Aspect aspect = Aspect::end;
    std::size_t line = 0;           // for a stream: the first differing line, from 1
    std::string expected;           // what the reference run had there: its end, or the line (empty past its last line)
    std::string actual;             // what the other run had
    bool expected_missing = false;  // a stream: the reference run had no such line (it ended before)
    bool actual_missing = false;    // a stream: the other run had no such line
    bool operator==(const RunDifference&) const = default;
};

// How `actual` first differs from `reference`, or nothing when they ended the same way (the
// same ProcessEnd and status) and wrote the same bytes on stdout and on stderr. The end is
// compared first, then stdout, then stderr; streams are compared line by line ('\n' ends a
// line; a last line without one is a line), so that the difference names a line. Two streams
// that differ only in a missing final newline differ at their last line.
std::optional<RunDifference> compare_runs(const ProcessOutcome& reference, const ProcessOutcome& actual);

// One line for a person, such as
//   exit status: exit status 0 without the profile, exit status 1 under it
//   stdout line 2: "1:1" without the profile, "chown: /tmp/x: Operation not permitted" under it
//   stderr line 1: (none) without the profile, "..." under it
// where `reference_name` and `actual_name` say which run is which. Lines are quoted with
// printable_value (at most 200 characters).
std::string describe_difference(const RunDifference& difference, const std::string& reference_name,
                                const std::string& actual_name);

// A run for scripts: {"end": "exited"|"signaled"|"timed_out", "status": N, "stdout_lines": N,
// "stderr_lines": N, "truncated": bool}.
nlohmann::json run_summary_json(const ProcessOutcome& outcome);

// A difference for scripts: {"aspect": "end"|"stdout"|"stderr", "line": N (streams only),
// "expected": text|null, "actual": text|null}.
nlohmann::json difference_json(const RunDifference& difference);

}  // namespace cradle
