#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/event_format.h"
#include "test_support.h"

using namespace cradle;
using cradle::test::event_argument;

namespace {

Event openat_event() {
    Event event;
    event.kind = EventKind::syscall;
    event.name = "openat";
    event.syscall_number = 257;
    event.return_value = -2;
    event.task.boot_time_ns = 12345'678901'234ULL;
    event.task.uts_name = "web-1";
    event.task.mnt_ns = 4026532451;
    event.task.pid_ns = 4026532454;
    event.task.uid = 0;
    event.task.comm = "cat";
    event.task.pid = 7;
    event.task.tid = 7;
    event.task.ppid = 1;
    event.arguments = {
        event_argument("dirfd", ArgumentType::fd, static_cast<std::uint32_t>(-100)),
        event_argument("pathname", ArgumentType::user_string, 0x7ffd1000, {"/etc/passwd"}),
        event_argument("flags", ArgumentType::open_flags, O_RDONLY | O_CLOEXEC),
        event_argument("mode", ArgumentType::octal_mode, 0),
    };
    return event;
}

Event capability_event() {
    Event event;
    event.kind = EventKind::capability;
    event.name = "cap_capable";
    event.task.boot_time_ns = 5'000000'999ULL;
    event.task.uts_name = "0123456789abcdef0123456789abcdef";
    event.task.mnt_ns = 1;
    event.task.pid_ns = 2;
    event.task.uid = 100000;
    event.task.comm = "mount";
    event.task.pid = 12;
    event.task.tid = 13;
    event.task.ppid = 1;
    event.arguments = {
        event_argument("cap", ArgumentType::capability, 21),
        event_argument("granted", ArgumentType::boolean, 0),
        event_argument("noaudit", ArgumentType::boolean, 1),
    };
    return event;
}

std::string table_row(const Event& event) {
    std::string out;
    append_table_row(out, event);
    return out;
}

std::string json_line(const Event& event) {
    std::string out;
    append_json_line(out, event);
    return out;
}

// The column where each of the header's titles starts.
std::vector<std::size_t> header_columns() {
    std::string header;
    append_table_header(header);
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] != ' ' && header[i] != '\n' && (i == 0 || header[i - 1] == ' ')) {
            starts.push_back(i);
        }
    }
    return starts;
}

}  // namespace

TEST_CASE("the table header has Tracee's columns in order") {
    std::string header;
    append_table_header(header);
    std::istringstream words(header);
    std::vector<std::string> titles;
    for (std::string word; words >> word;) {
        titles.push_back(word);
    }
    CHECK(titles == std::vector<std::string>{"TIME(s)", "UTS_NAME", "MNT_NS", "PID_NS", "UID", "EVENT", "COMM", "PID",
                                             "TID", "PPID", "RET", "ARGS"});
    CHECK(header.back() == '\n');
}

TEST_CASE("a table row: golden text") {
    CHECK(table_row(openat_event()) ==
          "12345.678901     web-1            4026532451 4026532454 0      openat                   cat              "
          "7       7       1       -ENOENT          "
          "dirfd: AT_FDCWD, pathname: /etc/passwd, flags: O_RDONLY|O_CLOEXEC, mode: 0\n");
}

TEST_CASE("table rows line up with the header, UTS_NAME cut to its width") {
    const std::vector<std::size_t> starts = header_columns();
    REQUIRE(starts.size() == 12);
    Event success = openat_event();
    success.return_value = 3;
    Event wide_utf8 = openat_event();
    wide_utf8.task.comm = "caf\xc3\xa9";  // 4 columns, 5 bytes
    wide_utf8.task.uts_name = "h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9h\xc3\xa9";
    for (const Event& event : {openat_event(), success, capability_event(), wide_utf8}) {
        const std::string row = table_row(event);
        INFO(row);
        // Count columns in characters, as a terminal does.
        std::vector<std::size_t> cell_starts;
        std::size_t column = 0;
        bool previous_space = true;
        for (std::size_t i = 0; i < row.size() && cell_starts.size() < 12; ++i) {
            const auto byte = static_cast<unsigned char>(row[i]);
            if ((byte & 0xc0) == 0x80) {
                continue;
            }
            const bool space = row[i] == ' ';
            if (!space && previous_space) {
                cell_starts.push_back(column);
            }
            previous_space = space;
            ++column;
        }
        // RET is empty for cap_capable, so its ARGS start where RET would.
        if (event.kind == EventKind::capability) {
            cell_starts.insert(cell_starts.begin() + 10, starts[10]);
            cell_starts.resize(12);
            CHECK(cell_starts[11] == starts[11]);
        }
        CHECK(cell_starts == starts);
    }
}

TEST_CASE("cap_capable rows leave RET empty and show the verdict in ARGS") {
    const std::string row = table_row(capability_event());
    CHECK(row.find("0123456789abcdef ") != std::string::npos);
    CHECK(row.find("0123456789abcdef0") == std::string::npos);
    CHECK(
        row.ends_with("1       "
                      "                 "
                      "cap: CAP_SYS_ADMIN, granted: false, noaudit: true\n"));
}

TEST_CASE("table rows escape what the task controls") {
    Event event = openat_event();
    event.task.comm = "x\x1b]0;pwn\x07";
    event.task.uts_name = "a\nb";
    event.arguments[1].strings = {"/tmp/\xff\r"};
    const std::string row = table_row(event);
    CHECK(row.find('\x1b') == std::string::npos);
    CHECK(row.find('\x07') == std::string::npos);
    CHECK(row.find('\r') == std::string::npos);
    CHECK(row.find('\n') == row.size() - 1);
    CHECK(row.find("x\\x1b]0;pwn\\x07") != std::string::npos);
    CHECK(row.find("a\\nb") != std::string::npos);
    CHECK(row.find("pathname: /tmp/\\xff\\r,") != std::string::npos);
}

TEST_CASE("a JSON line: golden text") {
    CHECK(json_line(openat_event()) ==
          "{\"time\":12345.678901,\"uts_name\":\"web-1\",\"mnt_ns\":4026532451,\"pid_ns\":4026532454,\"uid\":0,"
          "\"event\":\"openat\",\"comm\":\"cat\",\"pid\":7,\"tid\":7,\"ppid\":1,\"ret\":-2,\"ret_name\":\"ENOENT\","
          "\"args\":{\"dirfd\":\"AT_FDCWD\",\"pathname\":\"/etc/passwd\",\"flags\":\"O_RDONLY|O_CLOEXEC\","
          "\"mode\":\"0\"},\"user_memory\":[\"pathname\"]}\n");
}

TEST_CASE("JSON lines parse, with typed arguments and the optional members") {
    Event event = openat_event();
    event.return_value = 3;
    event.compat = true;
    event.container_id = "abc123";
    event.profile_name = "web";
    event.arguments.push_back(event_argument("argv", ArgumentType::user_string_array, 0x7ffd2000, {"ls", "-l"}));
    event.arguments.back().truncated = true;
    event.arguments.push_back(event_argument("count", ArgumentType::signed_integer, static_cast<std::uint64_t>(-5)));
    event.arguments.push_back(event_argument("size", ArgumentType::unsigned_integer, 4096));
    event.arguments.push_back(event_argument("fd", ArgumentType::fd, 4));
    event.arguments.push_back(event_argument("ok", ArgumentType::boolean, 1));
    event.arguments.push_back(event_argument("addr", ArgumentType::hex, 0x7f0000));
    event.arguments.push_back(event_argument("exe", ArgumentType::kernel_string, 0, {"/bin/ls"}));
    EventArgument unreadable = event_argument("name", ArgumentType::user_string, 0x10);
    unreadable.unreadable = true;
    event.arguments.push_back(unreadable);
    EventArgument address = event_argument("addr_in", ArgumentType::sockaddr, 0x7ffd3000);
    address.bytes = {AF_INET, 0, 0, 80, 127, 0, 0, 1};
    event.arguments.push_back(address);

    const std::string line = json_line(event);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    const auto json = nlohmann::json::parse(line);
    CHECK(json["time"].get<double>() == doctest::Approx(12345.678901));
    CHECK(json["ret"] == 3);
    CHECK_FALSE(json.contains("ret_name"));
    CHECK(json["compat"] == true);
    CHECK(json["container_id"] == "abc123");
    CHECK(json["profile"] == "web");
    const auto& args = json["args"];
    CHECK(args["argv"] == nlohmann::json::array({"ls", "-l"}));
    CHECK(args["count"] == -5);
    CHECK(args["size"] == 4096);
    CHECK(args["fd"] == 4);
    CHECK(args["ok"] == true);
    CHECK(args["addr"] == "0x7f0000");
    CHECK(args["exe"] == "/bin/ls");
    CHECK(args["name"].is_null());
    CHECK(args["addr_in"] == "AF_INET 127.0.0.1:80");
    CHECK(json["user_memory"] == nlohmann::json::array({"pathname", "argv", "name", "addr_in"}));
    CHECK(json["truncated"] == nlohmann::json::array({"argv"}));
    // Members in the documented order (nlohmann::json sorts them: look at the text).
    std::size_t previous = 0;
    for (const char* key : {"\"time\"", "\"uts_name\"", "\"mnt_ns\"", "\"pid_ns\"", "\"uid\"", "\"event\"", "\"comm\"",
                            "\"pid\"", "\"tid\"", "\"ppid\"", "\"ret\"", "\"args\"", "\"user_memory\"", "\"truncated\"",
                            "\"container_id\"", "\"profile\"", "\"compat\""}) {
        INFO(key);
        const std::size_t at = line.find(key);
        REQUIRE(at != std::string::npos);
        CHECK(at >= previous);
        previous = at;
    }
}

TEST_CASE("JSON lines of non-syscall events have no ret") {
    const auto json = nlohmann::json::parse(json_line(capability_event()));
    CHECK_FALSE(json.contains("ret"));
    CHECK(json["args"]["cap"] == "CAP_SYS_ADMIN");
    CHECK(json["args"]["granted"] == false);
    CHECK(json["user_memory"] == nlohmann::json::array());
    CHECK_FALSE(json.contains("truncated"));
    CHECK_FALSE(json.contains("compat"));
}

TEST_CASE("JSON escaping: quotes, backslashes, control bytes and invalid UTF-8 stay valid and lossless") {
    Event event = openat_event();
    event.task.comm = "q\"\\\x01";
    event.task.uts_name = std::string("n\0ul", 4);
    event.arguments[1].strings = {"/tmp/a\"b\\c\n\xff\xc3\xa9\x7f"};
    event.arguments.push_back(event_argument("argv", ArgumentType::user_string_array, 1, {"\x1b[2J", "\"\""}));
    event.arguments.push_back(event_argument("we\"ird", ArgumentType::signed_integer, 1));
    const std::string line = json_line(event);
    for (const char c : line.substr(0, line.size() - 1)) {
        CHECK(static_cast<unsigned char>(c) >= 0x20);
        CHECK(c != 0x7f);
    }
    const auto json = nlohmann::json::parse(line);  // throws on invalid UTF-8 or a bad escape
    CHECK(json["comm"] == "q\"\\\\\\x01");
    CHECK(json["uts_name"] == "n\\x00ul");
    CHECK(json["args"]["pathname"] == "/tmp/a\"b\\\\c\\n\\xff\xc3\xa9\\x7f");
    CHECK(json["args"]["argv"] == nlohmann::json::array({"\\x1b[2J", "\"\""}));
    CHECK(json["args"]["we\"ird"] == 1);
}

TEST_CASE("decoded text with backslashes is quoted right in JSON") {
    Event event = openat_event();
    EventArgument address = event_argument("addr", ArgumentType::sockaddr, 1);
    address.bytes = {AF_UNIX, 0, '/', 'a', '\\', '"', '\n'};
    event.arguments = {address};
    const auto json = nlohmann::json::parse(json_line(event));
    CHECK(json["args"]["addr"] == "AF_UNIX /a\\\\\"\\n");
}

TEST_CASE("time keeps microseconds, never rounds up") {
    Event event = openat_event();
    event.task.boot_time_ns = 999'999999'999ULL;
    CHECK(json_line(event).starts_with("{\"time\":999.999999,"));
    event.task.boot_time_ns = 42'000001'000ULL;
    CHECK(table_row(event).starts_with("42.000001 "));
    event.task.boot_time_ns = 0;
    CHECK(table_row(event).starts_with("0.000000 "));
}

TEST_CASE("the writers append, so one buffer serves many events") {
    std::string buffer;
    append_json_line(buffer, openat_event());
    const std::size_t one = buffer.size();
    append_json_line(buffer, openat_event());
    CHECK(buffer.size() == 2 * one);
    CHECK(buffer.substr(0, one) == buffer.substr(one));
}

TEST_CASE("loss records") {
    std::string out;
    append_json_loss(out, EventLoss{.total = 34, .added = 12});
    CHECK(out == "{\"lost\":34,\"new\":12}\n");
    CHECK(nlohmann::json::parse(out)["lost"] == 34);
    out.clear();
    append_table_loss(out, EventLoss{.total = 34, .added = 12});
    CHECK(out == "LOST 12 events (34 in all)\n");
    out.clear();
    append_table_loss(out, EventLoss{.total = 1, .added = 1});
    CHECK(out == "LOST 1 event (1 in all)\n");
}

TEST_CASE("the summary counts events by name, most frequent first") {
    EventTally tally;
    for (int i = 0; i < 1200; ++i) {
        tally.add("openat");
    }
    for (int i = 0; i < 3; ++i) {
        tally.add("execve");
        tally.add("close");
    }
    tally.add("cap_capable");
    CHECK(tally.shown() == 1207);
    CHECK(format_summary(tally, StreamLosses{.events = 5}) ==
          "events shown: 1207\n"
          "events lost: 5\n"
          "  openat       1200\n"
          "  close           3\n"
          "  execve          3\n"
          "  cap_capable     1\n");
    CHECK(format_summary(EventTally{}, StreamLosses{}) == "events shown: 0\nevents lost: 0\n");
}

TEST_CASE("cgroups left out of the filter: a warning as they go, a line of the summary at the end") {
    std::string out;
    append_cgroup_warning(out, EventLoss{.total = 3, .added = 2});
    CHECK(out ==
          "cradle events: warning: 2 cgroups beneath the container= cgroups did not fit in the filter "
          "(1024 cgroups at most): their tasks are not reported (3 in all)\n");
    out.clear();
    append_cgroup_warning(out, EventLoss{.total = 1, .added = 1});
    CHECK(out.starts_with("cradle events: warning: 1 cgroup beneath"));
    CHECK(out.ends_with("(1 in all)\n"));
    EventTally tally;
    tally.add("openat");
    // Not events: the count of events lost stays what it is.
    CHECK(format_summary(tally, StreamLosses{.events = 0, .cgroups = 4}) ==
          "events shown: 1\n"
          "events lost: 0\n"
          "cgroups left out: 4\n"
          "  openat  1\n");
}
