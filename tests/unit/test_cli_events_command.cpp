#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "cli/events_command.h"
#include "profilegen/syscall_table.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

struct Parsed {
    std::optional<EventsCommandOptions> options;
    int status = -1;
    std::string out;
    std::string err;
};

Parsed parse(const std::vector<std::string>& args) {
    Parsed parsed;
    std::ostringstream out;
    std::ostringstream err;
    parsed.options = parse_events_command(args, out, err, parsed.status);
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("cli: events without filters streams new containers' decoded syscalls, checks, execs and exits") {
    const Parsed parsed = parse({});
    REQUIRE(parsed.options);
    CHECK(parsed.status == 0);
    const EventsCommandOptions& options = *parsed.options;
    CHECK(options.filter.container_new);
    CHECK_FALSE(options.filter.pid_new);
    CHECK(options.filter.capability);
    CHECK(options.filter.exec);
    CHECK(options.filter.exit);
    CHECK_FALSE(options.filter.all_syscalls);
    for (const char* name : {"execve", "openat", "connect", "clone", "mmap", "ptrace", "finit_module", "getdents64"}) {
        CHECK_MESSAGE(has(options.filter.syscalls, name), name);
    }
    CHECK_FALSE(has(options.filter.syscalls, "read"));
    CHECK_FALSE(has(options.filter.syscalls, "write"));
    CHECK(std::is_sorted(options.filter.syscalls.begin(), options.filter.syscalls.end()));
    CHECK(options.output == EventsOutput::table);
    CHECK(options.buffer_pages == k_default_buffer_pages);
    CHECK_FALSE(options.count);
    CHECK_FALSE(options.duration);
}

TEST_CASE("cli: events filters in Tracee's spelling") {
    SUBCASE("pid=new alone drops the default container=new") {
        const Parsed parsed = parse({"--trace", "pid=new"});
        REQUIRE(parsed.options);
        CHECK(parsed.options->filter.pid_new);
        CHECK_FALSE(parsed.options->filter.container_new);
    }
    SUBCASE("pids, comms, uid and containers accumulate") {
        const Parsed parsed = parse({"--trace", "pid=12,34", "--trace=comm=cat", "-t", "comm=ls", "--trace", "uid=1000",
                                     "--trace", "container=3f2a", "--trace", "container"});
        REQUIRE(parsed.options);
        const EventFilter& filter = parsed.options->filter;
        CHECK(filter.pids == std::vector<std::uint32_t>{12, 34});
        CHECK(filter.comms == std::vector<std::string>{"cat", "ls"});
        CHECK(filter.uid == 1000u);
        CHECK(parsed.options->container_ids == std::vector<std::string>{"3f2a"});
        CHECK(filter.container_new);
    }
    SUBCASE("event= names syscalls and events; read only when named") {
        const Parsed parsed = parse({"--trace", "event=read,openat,cap_capable", "--trace", "event=openat"});
        REQUIRE(parsed.options);
        const EventFilter& filter = parsed.options->filter;
        CHECK(filter.syscalls == std::vector<std::string>{"openat", "read"});
        CHECK(filter.capability);
        CHECK_FALSE(filter.exec);
        CHECK_FALSE(filter.exit);
        CHECK(filter.container_new);
    }
    SUBCASE("the sets") {
        const Parsed net = parse({"--trace", "event=net"});
        REQUIRE(net.options);
        std::vector<std::string> expected{"accept", "accept4", "bind", "connect", "getsockname", "listen", "socket"};
        if (compat_arch(native_arch())) {
            expected.emplace_back("socketcall");  // on the 32-bit ABI alone
        }
        CHECK(net.options->filter.syscalls == expected);
        CHECK_FALSE(net.options->filter.exec);
        const Parsed proc = parse({"--trace", "event=proc"});
        REQUIRE(proc.options);
        CHECK(proc.options->filter.exec);
        CHECK(proc.options->filter.exit);
        CHECK(has(proc.options->filter.syscalls, "execve"));
        CHECK_FALSE(has(proc.options->filter.syscalls, "openat"));
        const Parsed all = parse({"--trace", "event=all"});
        REQUIRE(all.options);
        CHECK(all.options->filter.all_syscalls);
        CHECK(all.options->filter.capability);
    }
}

TEST_CASE("cli: events options") {
    const Parsed parsed = parse({"--output", "json", "--output-file", "/tmp/x.json", "--buffer-pages", "8", "--count",
                                 "10", "--duration=2.5", "--socket", "/run/c.sock"});
    REQUIRE(parsed.options);
    CHECK(parsed.options->output == EventsOutput::json);
    CHECK(parsed.options->output_file == "/tmp/x.json");
    CHECK(parsed.options->buffer_pages == 8);
    CHECK(parsed.options->count == 10u);
    CHECK(parsed.options->duration == doctest::Approx(2.5));
    CHECK(parsed.options->socket == "/run/c.sock");
}

TEST_CASE("cli: events refuses what does not read") {
    const std::vector<std::vector<std::string>> refused = {
        {"--trace", "event=nosuchcall"},
        {"--trace", "event="},
        {"--trace", "pid=abc"},
        {"--trace", "pid=0"},
        {"--trace", "uid=-1"},
        {"--trace", "comm=a-name-longer-than-15"},
        {"--trace", "color=red"},
        {"--trace", "pid"},
        {"--trace"},
        {"--buffer-pages", "3"},
        {"--buffer-pages", "0"},
        {"--buffer-pages", "1048576"},  // 4 GiB: the size in bytes is a 32-bit number
        {"--count", "0"},
        {"--duration", "soon"},
        {"--output", "yaml"},
        {"--colour"},
        {"extra"},
    };
    for (const auto& args : refused) {
        const Parsed parsed = parse(args);
        CHECK_MESSAGE(!parsed.options, args.back());
        CHECK(parsed.status == 2);
        CHECK(contains(parsed.err, "cradle events"));
    }
}

TEST_CASE("cli: events --help has examples, and cradle's usage names the command") {
    const Parsed parsed = parse({"--help"});
    CHECK_FALSE(parsed.options);
    CHECK(parsed.status == 0);
    CHECK(contains(parsed.out, "Examples:"));
    CHECK(contains(parsed.out, "cradle events --trace"));
    const CradleRun run = run_cradle({"--help"});
    CHECK(contains(run.out, "events [--trace FILTER]"));
    const CradleRun help = run_cradle({"help", "events"});
    CHECK(help.status == 0);
    CHECK(contains(help.out, "--buffer-pages"));
}
