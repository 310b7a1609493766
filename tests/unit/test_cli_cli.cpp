#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/options_command.h"
#include "cli/status_command.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("cli: usage errors exit 2 with a message on stderr") {
    SUBCASE("no command") {
        const CradleRun run = run_cradle({});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "Usage:"));
    }
    SUBCASE("unknown command") {
        const CradleRun run = run_cradle({"frobnicate"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown command \"frobnicate\""));
    }
    SUBCASE("help for an unknown command") {
        const CradleRun run = run_cradle({"help", "frobnicate"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown command \"frobnicate\""));
    }
    SUBCASE("help for two commands") {
        const CradleRun run = run_cradle({"help", "options", "status"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK_FALSE(run.err.empty());
    }
    SUBCASE("a flag before the command") {
        const CradleRun run = run_cradle({"--format", "json", "status"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown command \"--format\""));
    }
    SUBCASE("help goes to stdout") {
        const CradleRun run = run_cradle({"--help"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "Usage:"));
        CHECK(run.err.empty());
    }
}

TEST_CASE("cli: the top-level help lists every command, with examples") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--help"}, std::vector<std::string>{"-h"}, std::vector<std::string>{"help"}}) {
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.err.empty());
        CHECK(contains(run.out, "Usage: cradle COMMAND"));
        CHECK(contains(run.out,
                       "\n  options [--output SECCOMP_PATH] [--format FORMAT] [--errno EPERM|ENOSYS] [--seccomp-root "
                       "DIR]\n          [--crd [--namespace NS]] [--base POLICY.json] TRACEFILE|DIR...\n"));
        CHECK(contains(run.out, "\n  status [--socket PATH] [--config FILE] [--format text|json]\n"));
        CHECK(contains(run.out, "\n  merge -o OUT TRACEFILE|DIR...\n"));
        CHECK(contains(run.out, "\n  diff [--format text|json] [--fail-on any|risky] A B\n"));
        CHECK(contains(run.out, "\n  syscall [--format text|json] [QUERY]\n"));
        CHECK(contains(run.out, "\n  capability [--format text|json] [QUERY]\n"));
        CHECK(contains(
            run.out, "\n  verify --bundle DIR --profile NAME|TRACEFILE [--minimize-capabilities] [--runtime PATH]\n"));
        CHECK(contains(run.out, "\n  calibrate [--runtime PATH] [--no-new-privileges]\n"));
        CHECK(contains(run.out, "Exit status: 0 ok; 1 a finding"));
        CHECK(contains(run.out, "Examples:\n"));
    }
    // Each command's synopsis is the one its own help gives.
    CHECK(contains(k_options_command_help,
                   "Usage: cradle options [--output SECCOMP_PATH] [--format FORMAT] [--errno EPERM|ENOSYS] "
                   "[--seccomp-root DIR]\n                      [--crd [--namespace NS]] [--base POLICY.json] "
                   "TRACEFILE|DIR...\n"));
    CHECK(
        contains(k_status_command_help, "Usage: cradle status [--socket PATH] [--config FILE] [--format text|json]\n"));
}
