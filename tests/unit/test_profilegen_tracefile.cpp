#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <set>
#include <string>

#include "golden.h"
#include "profilegen/tracefile.h"

using namespace cradle;
using cradle::test::check_golden_render;

namespace {

Recording full_recording() {
    Recording recording;
    recording.architectures = {"x86_64", "x86"};
    recording.capabilities = {"setuid", "chown"};
    recording.syscalls = {"read", "execve", "write", "restart_syscall"};
    recording.compat_syscalls = {"_llseek", "read", "restart_syscall", "sigreturn", "signal"};
    recording.denied_capabilities = {"sys_admin"};
    recording.probed_capabilities = {"net_admin", "sys_resource"};
    recording.runtime_syscalls = {"write"};
    recording.implied_syscalls = {"restart_syscall"};
    recording.compat_implied_syscalls = {"restart_syscall", "sigreturn"};
    recording.setup_syscalls = {"mount", "pivot_root"};
    recording.counters = {{"lost_syscalls", 12}, {"events", 18446744073709551615ull}};
    recording.incomplete_reasons = {"lost 12 syscall events", "ring buffer full at 12:00"};
    return recording;
}

std::string error_of(std::string_view text) {
    auto result = parse_tracefile(text);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == EINVAL);
    return result.error().message;
}

}  // namespace

TEST_CASE("render_tracefile writes the minimal sections even when empty") {
    CHECK(render_tracefile(Recording{}, "") == "ARCH\n\nCAPABILITIES\n\nSYSCALLS\n");
}

TEST_CASE("render_tracefile writes sorted sections in order") {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.capabilities = {"setuid", "chown"};
    recording.syscalls = {"read", "execve"};
    CHECK(render_tracefile(recording, "Cradle tracefile\nfor web") ==
          "# Cradle tracefile\n"
          "# for web\n"
          "\n"
          "ARCH\n"
          "x86_64\n"
          "\n"
          "CAPABILITIES\n"
          "chown\n"
          "setuid\n"
          "\n"
          "SYSCALLS\n"
          "execve\n"
          "read\n");

    const std::string text = render_tracefile(full_recording(), "");
    CHECK(text ==
          "ARCH\nx86\nx86_64\n\n"
          "CAPABILITIES\nchown\nsetuid\n\n"
          "SYSCALLS\nexecve\nread\nrestart_syscall\nwrite\n\n"
          "COMPAT_SYSCALLS\n_llseek\nread\nrestart_syscall\nsignal\nsigreturn\n\n"
          "DENIED_CAPABILITIES\nsys_admin\n\n"
          "PROBED_CAPABILITIES\nnet_admin\nsys_resource\n\n"
          "RUNTIME_SYSCALLS\nwrite\n\n"
          "IMPLIED_SYSCALLS\nrestart_syscall\n\n"
          "COMPAT_IMPLIED_SYSCALLS\nrestart_syscall\nsigreturn\n\n"
          "SETUP_SYSCALLS\nmount\npivot_root\n\n"
          "COUNTERS\nevents 18446744073709551615\nlost_syscalls 12\n\n"
          "INCOMPLETE\nlost 12 syscall events\nring buffer full at 12:00\n");
}

TEST_CASE("a header comment cannot start a non-comment line") {
    Recording recording;
    recording.syscalls = {"read"};
    const std::string text = render_tracefile(recording, "first\n\nSYSCALLS\nmount\r\nlast\n");
    CHECK(text.starts_with("# first\n#\n# SYSCALLS\n# mount \n# last\n\nARCH\n"));
    auto parsed = parse_tracefile(text);
    REQUIRE(parsed.ok());
    CHECK(*parsed == recording);
}

TEST_CASE("parse_tracefile round-trips exactly") {
    const Recording recording = full_recording();
    const std::string text = render_tracefile(recording, "Cradle tracefile\ncontainer web");
    auto parsed = parse_tracefile(text);
    REQUIRE(parsed.ok());
    CHECK(*parsed == recording);
    CHECK(render_tracefile(*parsed, "Cradle tracefile\ncontainer web") == text);

    auto empty = parse_tracefile(render_tracefile(Recording{}, ""));
    REQUIRE(empty.ok());
    CHECK(*empty == Recording{});
}

TEST_CASE("reasons that would read back differently are made safe") {
    Recording recording;
    recording.incomplete_reasons = {"two\nlines", "# not a comment", "EOF", ""};
    const std::string text = render_tracefile(recording, "");
    CHECK(text.ends_with("INCOMPLETE\ntwo lines\nreason: # not a comment\nreason: EOF\n(no reason given)\n"));
    auto parsed = parse_tracefile(text);
    REQUIRE(parsed.ok());
    CHECK(parsed->incomplete_reasons ==
          std::vector<std::string>{"two lines", "reason: # not a comment", "reason: EOF", "(no reason given)"});
}

TEST_CASE("parse_tracefile is lenient where it is safe") {
    auto parsed = parse_tracefile(
        "# comment\n"
        "\n"
        "  ARCH  \r\n"
        "x86_64\r\n"
        "\n"
        "FUTURE_SECTION\n"
        "Anything At All: 1 2 3\n"
        "\n"
        "CAPABILITIES\n"
        "CAP_CHOWN\n"
        "cap_setuid\n"
        "  # indented comment\n"
        "kill\n"
        "\n"
        "\n"
        "net_raw\n"
        "SYSCALLS\n"
        "read\n"
        "SYSCALLS\n"
        "write\n"
        "COUNTERS\n"
        "lost_syscalls\t 7\n");
    REQUIRE(parsed.ok());
    CHECK(parsed->architectures == std::set<std::string>{"x86_64"});
    CHECK(parsed->capabilities == std::set<std::string>{"chown", "kill", "net_raw", "setuid"});
    CHECK(parsed->syscalls == std::set<std::string>{"read", "write"});
    CHECK(parsed->counters == std::map<std::string, std::uint64_t>{{"lost_syscalls", 7}});
    CHECK(parsed->complete());

    auto denied = parse_tracefile("DENIED_CAPABILITIES\nCAP_SYS_ADMIN\nPROBED_CAPABILITIES\nCAP_NET_ADMIN\n");
    REQUIRE(denied.ok());
    CHECK(denied->denied_capabilities == std::set<std::string>{"sys_admin"});
    CHECK(denied->probed_capabilities == std::set<std::string>{"net_admin"});
    CHECK(parse_tracefile("").ok());
}

TEST_CASE("parse_tracefile errors name the line and quote it") {
    CHECK(error_of("# header\n\nread\n") == "line 3: entry before the first section \"read\"");
    CHECK(error_of("SYSCALLS\nread\nRead\n") == "line 3: invalid syscall name \"Read\"");
    CHECK(error_of("SYSCALLS\nCAP_CHOWN\n") == "line 2: invalid syscall name \"CAP_CHOWN\"");
    CHECK(error_of("SYSCALLS\nread write\n") == "line 2: invalid syscall name \"read write\"");
    CHECK(error_of("ARCH\nx86-64\n") == "line 2: invalid architecture name \"x86-64\"");
    CHECK(error_of("CAPABILITIES\ncap-chown\n") == "line 2: invalid capability name \"cap-chown\"");
    CHECK(error_of("CAPABILITIES\nCAP_\n") == "line 2: invalid capability name \"CAP_\"");
    CHECK(error_of("SETUP_SYSCALLS\nmount!\n") == "line 2: invalid syscall name \"mount!\"");
    // A hostile line is quoted escaped and cut short.
    CHECK(error_of("SYSCALLS\nread\x1b[2J\n") == "line 2: invalid syscall name \"read\\x1b[2J\"");
    const std::string long_error = error_of("SYSCALLS\n" + std::string(4096, 'x') + "!\n");
    CHECK(long_error.size() < 200);
    CHECK(error_of("COUNTERS\nlost_syscalls\n") == "line 2: counter without a value \"lost_syscalls\"");
    CHECK(error_of("COUNTERS\nlost_syscalls -1\n").starts_with("line 2: invalid counter value"));
    CHECK(error_of("COUNTERS\nlost_syscalls 12x\n").ends_with("\"lost_syscalls 12x\""));
    CHECK(error_of("COUNTERS\nlost_syscalls 18446744073709551616\n").starts_with("line 2: invalid counter value"));
    CHECK(error_of("COUNTERS\nLost 1\n") == "line 2: invalid counter name \"Lost 1\"");
    CHECK(error_of("COUNTERS\na 1\na 2\n") == "line 3: counter given twice \"a 2\"");
}

TEST_CASE("render_tracefile writes exactly these bytes (golden)") {
    Recording recording = full_recording();
    recording.incomplete_reasons.push_back(" EOF \r\n");
    recording.counters["zero"] = 0;
    check_golden_render("tracefile.full-recording.exact-bytes.txt",
                        [&] { return render_tracefile(recording, "Cradle tracefile\n\ncontainer web\n"); });

    // Each optional section is written alone when it is the only one with entries.
    Recording counters_only;
    counters_only.counters = {{"lost_syscalls", 0}};
    CHECK(render_tracefile(counters_only, "") == "ARCH\n\nCAPABILITIES\n\nSYSCALLS\n\nCOUNTERS\nlost_syscalls 0\n");
    Recording setup_only;
    setup_only.setup_syscalls = {"mount"};
    CHECK(render_tracefile(setup_only, "") == "ARCH\n\nCAPABILITIES\n\nSYSCALLS\n\nSETUP_SYSCALLS\nmount\n");
}

TEST_CASE("parse_tracefile reads each section into its own place") {
    auto parsed = parse_tracefile(
        "ARCH\nx86\n"
        "CAPABILITIES\nCap_Chown\n"
        "SYSCALLS\ncap_chown\n"
        "COMPAT_SYSCALLS\n_llseek\n"
        "DENIED_CAPABILITIES\nsys_admin\n"
        "PROBED_CAPABILITIES\nCAP_NET_RAW\n"
        "RUNTIME_SYSCALLS\nclose\n"
        "IMPLIED_SYSCALLS\nrestart_syscall\n"
        "COMPAT_IMPLIED_SYSCALLS\nsigreturn\n"
        "SETUP_SYSCALLS\nmount\n"
        "COUNTERS\nlost_tasks  \t 3  \n"
        "INCOMPLETE\nCAP_SYS_ADMIN was not there: 1, 2!\n  spaced   reason  \n"
        "ARCH\nx86_64");
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    Recording expected;
    expected.architectures = {"x86", "x86_64"};
    expected.capabilities = {"chown"};
    expected.syscalls = {"cap_chown"};
    expected.compat_syscalls = {"_llseek"};
    expected.denied_capabilities = {"sys_admin"};
    expected.probed_capabilities = {"net_raw"};
    expected.runtime_syscalls = {"close"};
    expected.implied_syscalls = {"restart_syscall"};
    expected.compat_implied_syscalls = {"sigreturn"};
    expected.setup_syscalls = {"mount"};
    expected.counters = {{"lost_tasks", 3}};
    expected.incomplete_reasons = {"CAP_SYS_ADMIN was not there: 1, 2!", "spaced   reason"};
    CHECK(*parsed == expected);

    // A header that is not a known section skips what follows it, in every section.
    auto skipped = parse_tracefile(
        "INCOMPLETE\nreal reason\nNOT_A_REASON\nignored reason\n"
        "COUNTERS\na 1\nX\nb not a number\n");
    REQUIRE_MESSAGE(skipped.ok(), skipped.error().message);
    CHECK(skipped->incomplete_reasons == std::vector<std::string>{"real reason"});
    CHECK(skipped->counters == std::map<std::string, std::uint64_t>{{"a", 1}});
}

TEST_CASE("parse_tracefile refuses what it always refused") {
    CHECK(error_of("CAPABILITIES\nCAP_chown!\n") == "line 2: invalid capability name \"CAP_chown!\"");
    CHECK(error_of("DENIED_CAPABILITIES\nsys admin\n") == "line 2: invalid capability name \"sys admin\"");
    CHECK(error_of("PROBED_CAPABILITIES\ncap_\n") == "line 2: invalid capability name \"cap_\"");
    CHECK(error_of("RUNTIME_SYSCALLS\nRead\n") == "line 2: invalid syscall name \"Read\"");
    CHECK(error_of("IMPLIED_SYSCALLS\n-\n") == "line 2: invalid syscall name \"-\"");
    CHECK(error_of("ARCH\nCAP_X86\n") == "line 2: invalid architecture name \"CAP_X86\"");
    CHECK(error_of("COUNTERS\na +1\n") == "line 2: invalid counter value (want a decimal count below 2^64) \"a +1\"");
    CHECK(error_of("COUNTERS\na 1 2\n") == "line 2: invalid counter value (want a decimal count below 2^64) \"a 1 2\"");
    CHECK(error_of("COUNTERS\nCAP_X 1\n") == "line 2: invalid counter name \"CAP_X 1\"");
    CHECK(error_of("\r\n  \nCAP_CHOWN\n") == "line 3: entry before the first section \"CAP_CHOWN\"");
    CHECK(error_of("SYSCALLS\nread\nCOUNTERS\na 1\nSYSCALLS\nwrite\nCOUNTERS\na 1\n") ==
          "line 8: counter given twice \"a 1\"");
}

namespace {

// A recording with argument values of every form.
Recording recording_with_arguments() {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"clone", "clone3", "execve", "personality", "socket", "unshare"};
    recording.arguments = {
        {"clone", {{}, false}},
        {"clone3", {{}, true}},
        {"personality", {{0xffffffff, 0}, false}},
        {"socket", {{2, 1, 45}, false}},
        {"unshare", {{0x40000000, 0x04000000}, true}},
    };
    return recording;
}

// The SYSCALLS of `text` as ctrace's own reader takes them: lines stripped, blank ones skipped, a
// line Python's str.isupper() holds for (a cased letter, none lower case) starts a section, and
// only ARCH, CAPABILITIES and SYSCALLS are read.
std::set<std::string> ctrace_syscalls(std::string_view text) {
    std::set<std::string> syscalls;
    std::string section;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string line(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        line.erase(0, line.find_first_not_of(" \t\r"));
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (line.empty()) {
            continue;
        }
        const bool cased = std::any_of(line.begin(), line.end(), [](char c) { return std::isalpha(c); });
        const bool lower = std::any_of(line.begin(), line.end(), [](char c) { return std::islower(c); });
        if (cased && !lower) {
            section = line;
        } else if (section == "SYSCALLS") {
            syscalls.insert(line);
        }
    }
    return syscalls;
}

}  // namespace

TEST_CASE("ARGUMENTS: written by name, sorted, after SETUP_SYSCALLS") {
    const std::string text = render_tracefile(recording_with_arguments(), "");
    CHECK(text ==
          "ARCH\nx86_64\n\nCAPABILITIES\n\nSYSCALLS\nclone\nclone3\nexecve\npersonality\nsocket\nunshare\n\n"
          "ARGUMENTS\n"
          "clone none\n"
          "clone3 any\n"
          "personality 0x0\n"
          "personality 0xffffffff\n"
          "socket AF_UNIX\n"
          "socket AF_INET\n"
          "socket AF_MCTP\n"
          "unshare CLONE_NEWUTS\n"
          "unshare CLONE_NEWNET\n"
          "unshare any\n");
    Recording with_setup = recording_with_arguments();
    with_setup.setup_syscalls = {"mount"};
    with_setup.counters = {{"lost_syscalls", 0}};
    const std::string ordered = render_tracefile(with_setup, "");
    CHECK(ordered.find("SETUP_SYSCALLS\nmount\n\nARGUMENTS\n") != std::string::npos);
    CHECK(ordered.find("unshare any\n\nCOUNTERS\n") != std::string::npos);
}

TEST_CASE("ARGUMENTS: round-trips exactly, and ctrace's reader skips it") {
    Recording recording = full_recording();
    const Recording arguments = recording_with_arguments();
    recording.syscalls.insert(arguments.syscalls.begin(), arguments.syscalls.end());
    recording.arguments = arguments.arguments;
    const std::string text = render_tracefile(recording, "Cradle tracefile");
    auto parsed = parse_tracefile(text);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    CHECK(*parsed == recording);
    CHECK(render_tracefile(*parsed, "Cradle tracefile") == text);
    CHECK(ctrace_syscalls(text) == recording.syscalls);
}

TEST_CASE("ARGUMENTS: numbers and names are read; a syscall this version does not filter is skipped") {
    auto parsed = parse_tracefile(
        "SYSCALLS\nsocket\nclone\n"
        "ARGUMENTS\n"
        "socket 2\n"
        "socket   0x10 \n"
        "socket AF_UNIX\n"
        "clone CLONE_NEWUSER\n"
        "clone CLONE_NEWUSER\n"
        "socketpair AF_UNIX\n"
        "future_syscall whatever it takes\n");
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    const std::map<std::string, ArgumentValues> expected = {
        {"clone", {{0x10000000}, false}},
        {"socket", {{1, 2, 16}, false}},
    };
    CHECK(parsed->arguments == expected);
}

TEST_CASE("ARGUMENTS: errors name the line and quote it") {
    CHECK(error_of("ARGUMENTS\nsocket\n") ==
          "line 2: argument line without a value (want \"syscall value\") \"socket\"");
    CHECK(error_of("ARGUMENTS\nsocket AF_NOPE\n") == "line 2: invalid socket value \"socket AF_NOPE\"");
    CHECK(error_of("ARGUMENTS\nsocket 64\n") ==
          "line 2: invalid socket value (an address family below 64) \"socket 64\"");
    CHECK(error_of("ARGUMENTS\nsocket none\n") == "line 2: invalid socket value \"socket none\"");
    CHECK(error_of("ARGUMENTS\nclone CLONE_NEWTIME\n") ==
          "line 2: invalid clone value (a namespace flag it takes) \"clone CLONE_NEWTIME\"");
    CHECK(error_of("ARGUMENTS\nClone none\n") == "line 2: invalid syscall name \"Clone none\"");
    CHECK(error_of("ARGUMENTS\npersonality 0x1ffffffff\n") ==
          "line 2: invalid personality value (a persona below 2^32) \"personality 0x1ffffffff\"");
}

TEST_CASE("COMPAT_SYSCALLS is written only when the compat ABI made syscalls") {
    Recording native_only;
    native_only.architectures = {"x86_64"};
    native_only.syscalls = {"read"};
    const std::string text = render_tracefile(native_only, "");
    CHECK(text == "ARCH\nx86_64\n\nCAPABILITIES\n\nSYSCALLS\nread\n");
    auto parsed = parse_tracefile(text);
    REQUIRE(parsed.ok());
    CHECK(*parsed == native_only);
    CHECK(parsed->compat_syscalls.empty());
}

TEST_CASE("a tracefile from before per-ABI sets keeps its meaning: SYSCALLS on every listed architecture") {
    // An older Cradle's (or ctrace's) file: x86 listed, one allow-list for both.
    const std::string old_text =
        "ARCH\nx86\nx86_64\n\n"
        "CAPABILITIES\n\n"
        "SYSCALLS\n_llseek\nexecve\nnewfstatat\nno_such_syscall\nread\nrestart_syscall\nsigreturn\nsocketcall\n\n"
        "IMPLIED_SYSCALLS\nrestart_syscall\nsigreturn\n";
    auto parsed = parse_tracefile(old_text);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    // Every name stays allowed wherever it was: each on the architectures that have it, a name
    // no architecture has where the profile will refuse it.
    CHECK(parsed->syscalls ==
          std::set<std::string>{"execve", "newfstatat", "no_such_syscall", "read", "restart_syscall"});
    CHECK(parsed->compat_syscalls ==
          std::set<std::string>{"_llseek", "execve", "read", "restart_syscall", "sigreturn", "socketcall"});
    CHECK(parsed->implied_syscalls == std::set<std::string>{"restart_syscall"});
    CHECK(parsed->compat_implied_syscalls == std::set<std::string>{"restart_syscall", "sigreturn"});
    // Written again, it has both sections, and reads back the same.
    const std::string text = render_tracefile(*parsed, "");
    CHECK(text.find("\nCOMPAT_SYSCALLS\n_llseek\nexecve\nread\nrestart_syscall\nsigreturn\nsocketcall\n\n") !=
          std::string::npos);
    auto again = parse_tracefile(text);
    REQUIRE(again.ok());
    CHECK(*again == *parsed);

    // Without a compat architecture, nothing moves, even a name only x86 has.
    auto native = parse_tracefile("ARCH\nx86_64\nSYSCALLS\n_llseek\nread\n");
    REQUIRE(native.ok());
    CHECK(native->syscalls == std::set<std::string>{"_llseek", "read"});
    CHECK(native->compat_syscalls.empty());
    // A 32-bit machine's own recording: x86 is its native architecture.
    auto i386 = parse_tracefile("ARCH\nx86\nSYSCALLS\n_llseek\nread\n");
    REQUIRE(i386.ok());
    CHECK(i386->syscalls == std::set<std::string>{"_llseek", "read"});
    CHECK(i386->compat_syscalls.empty());
}

TEST_CASE("RUNTIMES: one line a runtime, sorted, after ARGUMENTS; round-trips, and ctrace's reader skips it") {
    Recording recording = full_recording();
    recording.runtimes = {{"runc", "/usr/sbin/runc", "podman"}, {"crun", "", "cri-o"}, {"runc", "/usr/sbin/runc", ""}};
    const std::string text = render_tracefile(recording, "Cradle tracefile");
    CHECK(text.find("\nRUNTIMES\n"
                    "name=crun manager=cri-o\n"
                    "name=runc path=/usr/sbin/runc\n"
                    "name=runc path=/usr/sbin/runc manager=podman\n"
                    "\nCOUNTERS\n") != std::string::npos);
    auto parsed = parse_tracefile(text);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    CHECK(*parsed == recording);
    CHECK(render_tracefile(*parsed, "Cradle tracefile") == text);
    CHECK(ctrace_syscalls(text) == recording.syscalls);

    CHECK(render_tracefile(full_recording(), "").find("RUNTIMES") == std::string::npos);
}

TEST_CASE("RUNTIMES: a line that breaks the rules is refused, naming it") {
    auto parsed = parse_tracefile("ARCH\nx86_64\n\nRUNTIMES\nname=runc path=relative\n");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == EINVAL);
    CHECK(parsed.error().message.find("line 5: invalid runtime") == 0);
    parsed = parse_tracefile("ARCH\nx86_64\n\nRUNTIMES\nname=runc future=1\n");
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
    CHECK(parsed->runtimes == std::set<ContainerRuntime>{{"runc", "", ""}});
}
