// Golden files: what a writer printed, compared byte for byte with a file kept under
// tests/unit/golden/ in the source tree (CRADLE_SOURCE_DIR).
//
// A normal run only reads them. A developer who changed a writer on purpose rewrites them with
//   CRADLE_UPDATE_GOLDEN=1 ./build/bin/cradle-unit -tc='*golden*'
// and reviews `git diff tests/unit/golden/` before committing (tests/unit/golden/README.md).
// The helpers use doctest's assertions, so call them only inside a test case.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace cradle::test {

// The golden file `name` ("options.docker.txt") in the source tree.
std::string golden_path(const std::string& name);

// Compares `actual` with the golden file `name`, byte for byte. A mismatch fails the test,
// naming the file and showing the first line that differs on each side; a missing file fails
// it too, naming the file and the command that creates it. With CRADLE_UPDATE_GOLDEN=1 in the
// environment, it writes `actual` to the file instead (and the check passes).
void check_golden(const std::string& name, const std::string& actual);

// Runs `render` twice, checks that both runs give the same bytes (a writer must be
// deterministic), then check_golden(name, first run's bytes). `render` may return a plain
// string; a failed Result ends the test case with its message.
void check_golden_render(const std::string& name, const std::function<Result<std::string>()>& render);

// The first line where `expected` and `actual` differ, for a failure message:
//   line 3:
//     golden: "  \"ambient\": [],"
//     actual: "  \"ambient\": [\"CAP_KILL\"],"
// A side that has ended reads "(end of file)"; a last line without a newline is marked so.
// Empty when they are equal.
std::string first_difference(const std::string& expected, const std::string& actual);

}  // namespace cradle::test
