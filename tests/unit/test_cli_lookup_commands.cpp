#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/syscall_table.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("cli: syscall looks up a name or a number on this machine's architecture") {
    const std::string arch = native_arch();
    if (arch != "x86_64") {
        MESSAGE("the numbers checked are x86_64's; this machine is " << arch);
        return;
    }
    CradleRun run = run_cradle({"syscall", "execve"});
    CHECK(run.status == 0);
    CHECK(run.out == "59 execve\n");
    CHECK(run.err.empty());

    run = run_cradle({"syscall", "1"});
    CHECK(run.status == 0);
    CHECK(run.out == "1 write\n");

    run = run_cradle({"syscall", "--format", "json", "0"});
    CHECK(run.status == 0);
    CHECK(nlohmann::json::parse(run.out) ==
          nlohmann::json::parse(R"([{"arch": "x86_64", "name": "read", "number": 0}])"));

    run = run_cradle({"syscall"});
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("0 read\n1 write\n2 open\n"));
    CHECK(contains(run.out, "\n59 execve\n"));
}

TEST_CASE("cli: syscall and capability exit 1 for a query that names nothing, 2 on a usage error") {
    CradleRun run = run_cradle({"syscall", "no_such_syscall"});
    CHECK(run.status == 1);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "cradle syscall: no syscall named or numbered \"no_such_syscall\""));

    run = run_cradle({"capability", "no_such_cap"});
    CHECK(run.status == 1);
    CHECK(run.out.empty());
    CHECK(run.err == "cradle capability: no capability named or numbered \"no_such_cap\"\n");

    for (const std::string command : {"syscall", "capability"}) {
        INFO(command);
        run = run_cradle({command, "read", "write"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "it takes one QUERY"));
        run = run_cradle({command, "--format", "yaml"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "--format must be text or json"));
        run = run_cradle({command, "--output", "x"});
        CHECK(run.status == 2);
        run = run_cradle({command, "--help"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "Usage: cradle " + command + " [--format text|json] [QUERY]\n"));
        CHECK(contains(run.out, "Examples:\n"));
    }
}

TEST_CASE("cli: capability looks up a name in any spelling, or a number, and lists them all") {
    CradleRun run = run_cradle({"capability", "CAP_SYS_ADMIN"});
    CHECK(run.status == 0);
    CHECK(run.out == "21 sys_admin CAP_SYS_ADMIN\n");
    CHECK(run.err.empty());

    run = run_cradle({"capability", "0"});
    CHECK(run.status == 0);
    CHECK(run.out == "0 chown CAP_CHOWN\n");

    run = run_cradle({"capability", "--format=json", "sys_admin"});
    CHECK(run.status == 0);
    CHECK(nlohmann::json::parse(run.out) ==
          nlohmann::json::parse(R"([{"constant": "CAP_SYS_ADMIN", "name": "sys_admin", "number": 21}])"));

    run = run_cradle({"capability"});
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("0 chown CAP_CHOWN\n1 dac_override CAP_DAC_OVERRIDE\n"));
    CHECK(contains(run.out, "\n21 sys_admin CAP_SYS_ADMIN\n"));
}
