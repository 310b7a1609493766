#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "hook/runc_arguments.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

RuncArguments understood(const std::vector<std::string>& arguments) {
    auto parsed = parse_runc_arguments(arguments);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    return *parsed;
}

std::string refusal(const std::vector<std::string>& arguments) {
    auto parsed = parse_runc_arguments(arguments);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == EINVAL);
    CHECK(parsed.error().message.starts_with("runtime command line: "));
    return parsed.error().message;
}

RuncCommand command_of(const std::vector<std::string>& arguments) { return understood(arguments).command; }

}  // namespace

TEST_CASE("runc arguments: containerd's create, global flags with separate values") {
    // As containerd 1.6's runc v2 shim calls the runtime (go-runc).
    const RuncArguments arguments =
        understood({"--root", "/run/containerd/runc/default", "--log", "/run/containerd/t/log.json", "--log-format",
                    "json", "--systemd-cgroup", "create", "--bundle", "/run/containerd/t/default/web", "--pid-file",
                    "/run/containerd/t/init.pid", "--console-socket", "/tmp/pty.sock", "web"});
    CHECK(arguments.command == RuncCommand::Create);
    CHECK(arguments.bundle == "/run/containerd/t/default/web");
    CHECK(arguments.container_id == "web");
}

TEST_CASE("runc arguments: --flag=value, one dash, and booleans with a value") {
    const RuncArguments arguments =
        understood({"--root=/run/r", "-log=/tmp/l", "--log-format=json", "-debug", "--systemd-cgroup=false", "--criu",
                    "/usr/sbin/criu", "--rootless", "false", "create", "-bundle=/b", "--no-pivot",
                    "--no-new-keyring=true", "--preserve-fds=2", "id1"});
    CHECK(arguments.command == RuncCommand::Create);
    CHECK(arguments.bundle == "/b");
    CHECK(arguments.container_id == "id1");
    CHECK(understood({"create", "--b", "rel/dir", "x"}).bundle == "rel/dir");
    CHECK(understood({"create", "-b=/x", "x"}).bundle == "/x");
    CHECK(understood({"create", "--preserve-fds", "0x10", "x"}).container_id == "x");
}

TEST_CASE("runc arguments: run and its own flags; the bundle defaults to the current directory") {
    const RuncArguments arguments = understood({"run", "-d", "--keep", "--no-subreaper", "ctr"});
    CHECK(arguments.command == RuncCommand::Run);
    CHECK(arguments.bundle.empty());
    CHECK(arguments.container_id == "ctr");
    CHECK(understood({"run", "--detach=true", "--bundle", "/b", "ctr"}).bundle == "/b");
    CHECK(understood({"create", "--bundle=", "x"}).bundle.empty());
    // --keep and --detach belong to run only.
    CHECK(contains(refusal({"create", "--keep", "x"}), "flag provided but not defined: \"--keep\""));
    CHECK(contains(refusal({"create", "-d", "x"}), "\"-d\""));
}

TEST_CASE("runc arguments: flags after the container id, and \"--\"") {
    // urfave/cli moves a command's flags ahead of its other arguments.
    const RuncArguments after = understood({"create", "web", "--bundle", "/b", "--pid-file=/p"});
    CHECK(after.command == RuncCommand::Create);
    CHECK(after.bundle == "/b");
    CHECK(after.container_id == "web");
    CHECK(understood({"create", "--bundle", "/b", "--", "web"}).container_id == "web");
    CHECK(understood({"--", "run", "web"}).command == RuncCommand::Run);
    // ... taking the argument after a boolean flag along as if it were its value, which then ends
    // the flags: runc sees three arguments here and refuses the line, and so does the parser.
    CHECK(contains(refusal({"run", "-d", "web", "--bundle", "/b"}), "exactly one container id, not 3"));
    // A value after "=" takes nothing along.
    CHECK(understood({"run", "--detach=true", "web", "--bundle", "/b"}).bundle == "/b");
}

TEST_CASE("runc arguments: every other command, help and version pass") {
    CHECK(command_of({}) == RuncCommand::Other);
    CHECK(command_of({"--version"}) == RuncCommand::Other);
    CHECK(command_of({"-v"}) == RuncCommand::Other);
    CHECK(command_of({"--help"}) == RuncCommand::Other);
    CHECK(command_of({"--version", "create", "--bundle", "/b", "x"}) == RuncCommand::Other);
    CHECK(command_of({"create", "--help"}) == RuncCommand::Other);
    CHECK(command_of({"run", "-h", "x"}) == RuncCommand::Other);
    CHECK(command_of({"help", "create"}) == RuncCommand::Other);
    for (const char* command : {"state", "start", "kill", "delete", "exec", "ps", "features", "spec", "list", "pause",
                                "resume", "events", "update", "checkpoint", "restore"}) {
        CHECK(command_of({"--root", "/r", command, "--bundle", "/b", "x"}) == RuncCommand::Other);
    }
    // A boolean global flag takes no separate value: "false" is the command here.
    CHECK(command_of({"--debug", "false", "create", "x"}) == RuncCommand::Other);
    // Commands are case-sensitive, and "-" alone ends the flags.
    CHECK(command_of({"Create", "x"}) == RuncCommand::Other);
    CHECK(command_of({"-", "create", "x"}) == RuncCommand::Other);
}

TEST_CASE("runc arguments: lines runc refuses are refused") {
    CHECK(contains(refusal({"--unknown", "create", "x"}), "flag provided but not defined: \"--unknown\""));
    CHECK(contains(refusal({"--root"}), "flag needs an argument: \"--root\""));
    CHECK(contains(refusal({"create", "--bundle"}), "flag needs an argument: \"--bundle\""));
    // Moved ahead of the id, a last --bundle takes the id as its value, as in runc.
    CHECK(contains(refusal({"create", "x", "--bundle"}), "needs exactly one container id, not 0"));
    CHECK(contains(refusal({"--debug=maybe", "create", "x"}), "invalid boolean value \"maybe\""));
    CHECK(contains(refusal({"run", "--keep=yes", "x"}), "invalid boolean value \"yes\""));
    CHECK(contains(refusal({"create", "--preserve-fds", "two", "x"}), "invalid integer value \"two\""));
    CHECK(contains(refusal({"create", "--preserve-fds=09", "x"}), "invalid integer value \"09\""));
    CHECK(contains(refusal({"create", "--bundle", "/a", "-b", "/b", "x"}), "two forms of the same flag"));
    CHECK(contains(refusal({"create"}), "\"create\" needs exactly one container id, not 0"));
    CHECK(contains(refusal({"run", "a", "b"}), "not 2"));
    CHECK(contains(refusal({"create", ""}), "the container id is empty"));
    CHECK(contains(refusal({"---root", "/r", "create", "x"}), "bad flag syntax: \"---root\""));
    CHECK(contains(refusal({"create", "-=x", "x"}), "bad flag syntax"));
    // A value that is not printable is quoted safely.
    CHECK(contains(refusal({"--bad\nflag", "create", "x"}), "\\x0a"));
}

TEST_CASE("runc arguments: the last of a repeated flag wins") {
    CHECK(understood({"create", "--bundle", "/a", "--bundle", "/b", "x"}).bundle == "/b");
    CHECK(understood({"create", "-b", "/a", "-b=/c", "x"}).bundle == "/c");
}
