#include <doctest/doctest.h>

#include <string>

#include "common/child_process.h"

using namespace cradle;

TEST_CASE("child_process: captures stdout, stderr and the exit status apart") {
    const auto outcome =
        run_process({{"/bin/sh", "-c", "echo out; echo err >&2; printf 'last'; exit 3"}, std::chrono::seconds(30)});
    REQUIRE(outcome.ok());
    CHECK(outcome->end == ProcessEnd::exited);
    CHECK(outcome->status == 3);
    CHECK(outcome->stdout_text == "out\nlast");
    CHECK(outcome->stderr_text == "err\n");
    CHECK_FALSE(outcome->truncated);
}

TEST_CASE("child_process: stdin is /dev/null") {
    const auto outcome = run_process({{"/bin/sh", "-c", "cat; echo done"}, std::chrono::seconds(30)});
    REQUIRE(outcome.ok());
    CHECK(outcome->stdout_text == "done\n");
}

TEST_CASE("child_process: a signal that kills the program is reported as such") {
    const auto outcome = run_process({{"/bin/sh", "-c", "kill -TERM $$"}, std::chrono::seconds(30)});
    REQUIRE(outcome.ok());
    CHECK(outcome->end == ProcessEnd::signaled);
    CHECK(outcome->status == 15);
    CHECK(describe_process_end(outcome->end, outcome->status).starts_with("killed by signal 15"));
}

TEST_CASE("child_process: a program that outlives its time is killed and said to have timed out") {
    const auto outcome =
        run_process({{"/bin/sh", "-c", "echo started; exec sleep 60"}, std::chrono::milliseconds(200)});
    REQUIRE(outcome.ok());
    CHECK(outcome->end == ProcessEnd::timed_out);
    CHECK(outcome->stdout_text == "started\n");
    CHECK(describe_process_end(outcome->end, outcome->status) == "timed out");
}

TEST_CASE("child_process: output beyond the limit is dropped and said so") {
    ProcessRequest request{{"/bin/sh", "-c", "printf 0123456789"}, std::chrono::seconds(30), 4};
    const auto outcome = run_process(request);
    REQUIRE(outcome.ok());
    CHECK(outcome->stdout_text == "0123");
    CHECK(outcome->truncated);
    CHECK(outcome->status == 0);
}

TEST_CASE("child_process: a program that cannot be executed exits 127 and says why") {
    const auto outcome = run_process({{"/nonexistent/program"}, std::chrono::seconds(30)});
    REQUIRE(outcome.ok());
    CHECK(outcome->end == ProcessEnd::exited);
    CHECK(outcome->status == 127);
    CHECK(outcome->stderr_text.find("cannot execute /nonexistent/program") != std::string::npos);
    CHECK_FALSE(run_process({{}, std::chrono::seconds(1)}).ok());
}
