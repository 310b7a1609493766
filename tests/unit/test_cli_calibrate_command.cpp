#include <doctest/doctest.h>

#include <sstream>

#include "cli/calibrate_command.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("cli: calibrate without a collector says to start it, and runs nothing") {
    TempDir dir;
    const std::string socket = dir / "cradle.sock";
    const CradleRun run = run_cradle({"calibrate", "--socket", socket, "--runtime", dir / "no-runc"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "cradle calibrate: cradled is not running at " + socket + ": start it first ("));
}

TEST_CASE("cli: calibrate with a configuration that does not load is an error that names it") {
    TempDir dir;
    write_text(dir / "cradle.json", "{\"sockets\": 1}");
    const CradleRun run = run_cradle({"calibrate", "--config", dir / "cradle.json"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, dir / "cradle.json"));
}

TEST_CASE("cli: calibrate argument parsing") {
    std::ostringstream out, err;
    int status = -1;
    SUBCASE("everything") {
        const auto options = parse_calibrate_command({"--runtime", "/usr/sbin/runc", "--no-new-privileges", "--socket",
                                                      "/run/s.sock", "--config", "c.json", "--rootfs", "/srv/rootfs"},
                                                     out, err, status);
        REQUIRE(options.has_value());
        CHECK(options->runtime == "/usr/sbin/runc");
        CHECK(options->no_new_privileges_only);
        CHECK(options->socket == "/run/s.sock");
        CHECK(options->config == "c.json");
        CHECK(options->rootfs == "/srv/rootfs");
    }
    SUBCASE("defaults") {
        const auto options = parse_calibrate_command({}, out, err, status);
        REQUIRE(options.has_value());
        CHECK_FALSE(options->no_new_privileges_only);
        CHECK_FALSE(options->runtime.has_value());
        CHECK_FALSE(options->socket.has_value());
        CHECK_FALSE(options->rootfs.has_value());
    }
    SUBCASE("an argument") {
        CHECK_FALSE(parse_calibrate_command({"runc"}, out, err, status).has_value());
        CHECK(status == 2);
        CHECK(err.str() == "cradle calibrate: unexpected argument \"runc\" (it takes none)\n");
    }
    SUBCASE("a switch after -- is an argument") {
        CHECK_FALSE(parse_calibrate_command({"--", "--no-new-privileges"}, out, err, status).has_value());
        CHECK(status == 2);
    }
    SUBCASE("an unknown flag") {
        CHECK_FALSE(parse_calibrate_command({"--runs", "5"}, out, err, status).has_value());
        CHECK(status == 2);
        CHECK(contains(err.str(), "unknown option \"--runs\""));
    }
    SUBCASE("--help") {
        CHECK_FALSE(parse_calibrate_command({"-h"}, out, err, status).has_value());
        CHECK(status == 0);
        CHECK(out.str() == k_calibrate_command_help);
    }
}

TEST_CASE("cli: calibrate --help has its synopsis and examples") {
    const CradleRun run = run_cradle({"calibrate", "--help"});
    CHECK(run.status == 0);
    CHECK(run.out.starts_with("Usage: cradle calibrate [--runtime PATH] [--no-new-privileges]"));
    CHECK(contains(run.out, "Examples:\n  cradle calibrate\n"));
}
