#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cli/event_schema.h"
#include "cli/event_stream.h"

using namespace cradle;

namespace {

// Records as the event programs write them (bpf/events_abi.h), built by hand.
class RecordBuilder {
public:
    explicit RecordBuilder(events_u32 kind, events_u32 nr = 0) {
        m_record.kind = kind;
        m_record.nr = nr;
        m_record.boot_ns = 12'345'678'901;
        m_record.cgroup_id = 77;
        m_record.host_pid = 4000;
        m_record.host_tid = 4001;
        m_record.pid = 1;
        m_record.tid = 2;
        m_record.ppid = 0;
        m_record.uid = 1000;
        m_record.mnt_ns = 4026532001;
        m_record.pid_ns = 4026532002;
        std::strcpy(m_record.comm, "cat");
        std::strcpy(m_record.uts_name, "abc123");
    }
    RecordBuilder& arg(std::size_t index, std::uint64_t value) {
        m_record.args[index] = value;
        return *this;
    }
    RecordBuilder& ret(std::int64_t value) {
        m_record.ret = value;
        return *this;
    }
    RecordBuilder& flags(events_u32 value) {
        m_record.flags = value;
        return *this;
    }
    RecordBuilder& item(std::uint8_t arg, std::string_view bytes, std::uint8_t flags = 0) {
        events_item header{static_cast<events_u16>(bytes.size()), arg, flags};
        const auto* raw = reinterpret_cast<const std::uint8_t*>(&header);
        m_data.insert(m_data.end(), raw, raw + sizeof header);
        m_data.insert(m_data.end(), bytes.begin(), bytes.end());
        m_data.resize(m_data.size() + ((4 - bytes.size() % 4) % 4));
        return *this;
    }
    std::vector<std::uint8_t> bytes() const {
        events_record record = m_record;
        record.data_size = static_cast<events_u32>(m_data.size());
        std::vector<std::uint8_t> out(sizeof record);
        std::memcpy(out.data(), &record, sizeof record);
        out.insert(out.end(), m_data.begin(), m_data.end());
        return out;
    }

private:
    events_record m_record{};
    std::vector<std::uint8_t> m_data;
};

// A table of syscall numbers for the tests, independent of the machine's architecture.
SyscallNames test_names() {
    std::vector<std::string> names(EVENTS_SYSCALL_SLOTS);
    names[2] = "openat";
    names[3] = "execve";
    names[4] = "connect";
    names[5] = "getpid";
    names[6] = "exit_group";
    return SyscallNames(names);
}

const EventArgument* find_argument(const Event& event, const std::string& name) {
    for (const EventArgument& argument : event.arguments) {
        if (argument.name == name) {
            return &argument;
        }
    }
    return nullptr;
}

}  // namespace

TEST_CASE("event stream: a syscall record reads as an event with named, typed arguments") {
    const auto bytes = RecordBuilder(EVENTS_KIND_SYSCALL, 2)
                           .arg(0, static_cast<std::uint64_t>(-100))
                           .arg(1, 0x7ffd0000)
                           .arg(2, 0x80000)
                           .ret(-2)
                           .item(1, "/etc/passwd")
                           .bytes();
    auto event = event_from_record(bytes, test_names());
    REQUIRE(event);
    CHECK(event->kind == EventKind::syscall);
    CHECK(event->name == "openat");
    CHECK(event->syscall_number == 2);
    CHECK(event->return_value == -2);
    CHECK(event->task.boot_time_ns == 12'345'678'901u);
    CHECK(event->task.uts_name == "abc123");
    CHECK(event->task.comm == "cat");
    CHECK(event->task.pid == 1);
    CHECK(event->task.tid == 2);
    CHECK(event->task.host_pid == 4000);
    CHECK(event->task.cgroup_id == 77u);
    CHECK(event->task.pid_ns == 4026532002u);
    REQUIRE(event->arguments.size() == 4);
    CHECK(event->arguments[0].name == "dirfd");
    CHECK(event->arguments[0].type == ArgumentType::fd);
    const EventArgument* path = find_argument(*event, "pathname");
    REQUIRE(path);
    CHECK(path->type == ArgumentType::user_string);
    CHECK(path->raw == 0x7ffd0000u);
    CHECK(path->strings == std::vector<std::string>{"/etc/passwd"});
    CHECK_FALSE(path->truncated);
    const EventArgument* flags = find_argument(*event, "flags");
    REQUIRE(flags);
    CHECK(flags->type == ArgumentType::open_flags);
    CHECK(flags->raw == 0x80000u);
}

TEST_CASE("event stream: argv, truncation and unreadable memory") {
    const auto bytes = RecordBuilder(EVENTS_KIND_SYSCALL, 3)
                           .item(0, "/bin/ls", EVENTS_ITEM_TRUNCATED)
                           .item(1, "ls", EVENTS_ITEM_ARRAY)
                           .item(1, "-l", EVENTS_ITEM_ARRAY)
                           .item(1, "/", EVENTS_ITEM_ARRAY)
                           .item(1, "", EVENTS_ITEM_ARRAY | EVENTS_ITEM_TRUNCATED)
                           .bytes();
    auto event = event_from_record(bytes, test_names());
    REQUIRE(event);
    CHECK(event->name == "execve");
    const EventArgument* path = find_argument(*event, "pathname");
    REQUIRE(path);
    CHECK(path->truncated);
    const EventArgument* argv = find_argument(*event, "argv");
    REQUIRE(argv);
    CHECK(argv->type == ArgumentType::user_string_array);
    CHECK(argv->strings == std::vector<std::string>{"ls", "-l", "/"});
    CHECK(argv->truncated);

    const auto unreadable = RecordBuilder(EVENTS_KIND_SYSCALL, 2).item(1, "", EVENTS_ITEM_UNREADABLE).bytes();
    auto bad = event_from_record(unreadable, test_names());
    REQUIRE(bad);
    const EventArgument* missing = find_argument(*bad, "pathname");
    REQUIRE(missing);
    CHECK(missing->unreadable);
    CHECK(missing->strings.empty());
}

TEST_CASE("event stream: a sockaddr is kept as bytes") {
    const std::string address("\x02\x00\x00\x50\x7f\x00\x00\x01", 8);
    const auto bytes = RecordBuilder(EVENTS_KIND_SYSCALL, 4).arg(2, 16).item(1, address).bytes();
    auto event = event_from_record(bytes, test_names());
    REQUIRE(event);
    const EventArgument* addr = find_argument(*event, "addr");
    REQUIRE(addr);
    CHECK(addr->type == ArgumentType::sockaddr);
    CHECK(addr->bytes == std::vector<std::uint8_t>(address.begin(), address.end()));
}

TEST_CASE("event stream: a syscall without a schema has raw arguments; compat ones are named as such") {
    auto event = event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 5).arg(5, 9).bytes(), test_names());
    REQUIRE(event);
    CHECK(event->name == "getpid");
    REQUIRE(event->arguments.size() == 6);
    CHECK(event->arguments[5].name == "arg5");
    CHECK(event->arguments[5].type == ArgumentType::hex);
    CHECK(event->arguments[5].raw == 9u);
    auto unknown = event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 400).bytes(), test_names());
    REQUIRE(unknown);
    CHECK(unknown->name == "syscall_400");
    auto compat =
        event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 2).flags(EVENTS_RECORD_COMPAT).bytes(), test_names());
    REQUIRE(compat);
    CHECK(compat->compat);
    CHECK(compat->name == "syscall_2");
    CHECK(compat->arguments.size() == 6);
}

TEST_CASE("event stream: capability checks, execs and exits") {
    auto check = event_from_record(
        RecordBuilder(EVENTS_KIND_CAPABILITY).arg(0, 21).arg(1, EVENTS_CHECK_PROBE).ret(-1).bytes(), test_names());
    REQUIRE(check);
    CHECK(check->kind == EventKind::capability);
    CHECK(check->name == "cap_capable");
    REQUIRE(find_argument(*check, "cap"));
    CHECK(find_argument(*check, "cap")->type == ArgumentType::capability);
    CHECK(find_argument(*check, "cap")->raw == 21u);
    CHECK(find_argument(*check, "granted")->raw == 0u);
    CHECK(find_argument(*check, "no_audit")->raw == 1u);
    CHECK_FALSE(find_argument(*check, "caller_unknown"));
    auto unclassified = event_from_record(
        RecordBuilder(EVENTS_KIND_CAPABILITY).arg(0, 0).arg(1, EVENTS_CHECK_UNCLASSIFIED).bytes(), test_names());
    REQUIRE(unclassified);
    CHECK(find_argument(*unclassified, "granted")->raw == 1u);
    CHECK(find_argument(*unclassified, "no_audit")->raw == 0u);
    REQUIRE(find_argument(*unclassified, "caller_unknown"));

    auto exec = event_from_record(RecordBuilder(EVENTS_KIND_EXEC).item(0, "/usr/bin/cat").bytes(), test_names());
    REQUIRE(exec);
    CHECK(exec->kind == EventKind::process_exec);
    CHECK(exec->name == "sched_process_exec");
    REQUIRE(find_argument(*exec, "pathname"));
    CHECK(find_argument(*exec, "pathname")->type == ArgumentType::kernel_string);
    CHECK(find_argument(*exec, "pathname")->strings == std::vector<std::string>{"/usr/bin/cat"});

    auto exited = event_from_record(RecordBuilder(EVENTS_KIND_EXIT).arg(0, 3 << 8).bytes(), test_names());
    REQUIRE(exited);
    CHECK(exited->name == "sched_process_exit");
    CHECK(find_argument(*exited, "exit_code")->raw == 3u);
    CHECK(find_argument(*exited, "signal")->raw == 0u);
    auto killed = event_from_record(RecordBuilder(EVENTS_KIND_EXIT).arg(0, 9).bytes(), test_names());
    REQUIRE(killed);
    CHECK(find_argument(*killed, "signal")->raw == 9u);
}

// Everything the writers read of an event.
void check_same(const Event& reused, const Event& fresh) {
    CHECK(reused.kind == fresh.kind);
    CHECK(reused.name == fresh.name);
    CHECK(reused.syscall_number == fresh.syscall_number);
    CHECK(reused.compat == fresh.compat);
    CHECK(reused.return_value == fresh.return_value);
    CHECK(reused.task.comm == fresh.task.comm);
    CHECK(reused.task.uts_name == fresh.task.uts_name);
    CHECK(reused.task.cgroup_id == fresh.task.cgroup_id);
    CHECK(reused.container_id == fresh.container_id);
    CHECK(reused.profile_name == fresh.profile_name);
    REQUIRE(reused.arguments.size() == fresh.arguments.size());
    for (std::size_t i = 0; i < fresh.arguments.size(); ++i) {
        const EventArgument& a = reused.arguments[i];
        const EventArgument& b = fresh.arguments[i];
        CHECK(a.name == b.name);
        CHECK(a.type == b.type);
        CHECK(a.raw == b.raw);
        CHECK(a.strings == b.strings);
        CHECK(a.bytes == b.bytes);
        CHECK(a.truncated == b.truncated);
        CHECK(a.unreadable == b.unreadable);
    }
}

TEST_CASE("event stream: an event read into the one before keeps nothing of it") {
    const std::vector<std::vector<std::uint8_t>> records = {
        RecordBuilder(EVENTS_KIND_SYSCALL, 3)
            .item(0, "/bin/ls")
            .item(1, "ls", EVENTS_ITEM_ARRAY)
            .item(1, "-l", EVENTS_ITEM_ARRAY)
            .item(1, "/", EVENTS_ITEM_ARRAY)
            .item(1, "", EVENTS_ITEM_ARRAY | EVENTS_ITEM_TRUNCATED)
            .bytes(),
        RecordBuilder(EVENTS_KIND_SYSCALL, 3)
            .item(0, "", EVENTS_ITEM_UNREADABLE)
            .item(1, "sh", EVENTS_ITEM_ARRAY)
            .bytes(),
        RecordBuilder(EVENTS_KIND_SYSCALL, 2).arg(2, 0x80000).ret(3).item(1, "/etc/passwd").bytes(),
        RecordBuilder(EVENTS_KIND_SYSCALL, 4).item(1, std::string("\x02\x00\x00\x50", 4)).bytes(),
        RecordBuilder(EVENTS_KIND_SYSCALL, 400).arg(5, 6).bytes(),
        RecordBuilder(EVENTS_KIND_CAPABILITY).arg(1, EVENTS_CHECK_UNCLASSIFIED).bytes(),
        RecordBuilder(EVENTS_KIND_CAPABILITY).arg(0, 21).arg(1, EVENTS_CHECK_PROBE).ret(-1).bytes(),
        RecordBuilder(EVENTS_KIND_EXEC).item(0, "/usr/bin/cat").bytes(),
        RecordBuilder(EVENTS_KIND_EXIT).arg(0, 9).bytes(),
        RecordBuilder(EVENTS_KIND_SYSCALL, 2).item(1, "/x").bytes(),
    };
    Event reused;
    for (const auto& record : records) {
        reused.container_id = "set by the sink";
        reused.profile_name = "web";
        REQUIRE(read_record(record, test_names(), reused));
        auto fresh = event_from_record(record, test_names());
        REQUIRE(fresh);
        check_same(reused, *fresh);
    }
}

TEST_CASE("event stream: malformed records are refused") {
    auto whole = RecordBuilder(EVENTS_KIND_SYSCALL, 2).item(1, "/etc/passwd").bytes();
    CHECK_FALSE(event_from_record(std::span(whole).first(100), test_names()));
    CHECK_FALSE(event_from_record(std::span(whole).first(whole.size() - 4), test_names()));
    CHECK_FALSE(event_from_record(RecordBuilder(9).bytes(), test_names()));
    CHECK_FALSE(event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 2).item(6, "x").bytes(), test_names()));
    auto lying = RecordBuilder(EVENTS_KIND_SYSCALL, 2).item(1, "abcd").bytes();
    lying[sizeof(events_record)] = 200;  // the item's size, past the record's end
    CHECK_FALSE(event_from_record(lying, test_names()));
}

TEST_CASE("event schema: sorted, named as the man pages, captures packed for the kernel side") {
    const auto& schemas = syscall_schemas();
    CHECK(std::is_sorted(schemas.begin(), schemas.end(),
                         [](const SyscallSchema& a, const SyscallSchema& b) { return a.name < b.name; }));
    for (const SyscallSchema& schema : schemas) {
        CHECK(schema.arguments.size() <= EVENTS_ARGS);
    }
    for (const char* set : {"fs", "net", "proc", "default"}) {
        const auto events = event_set(set);
        REQUIRE(events);
        CHECK(std::is_sorted(events->begin(), events->end()));
        for (const std::string& name : *events) {
            const bool other = name == "cap_capable" || name == "sched_process_exec" || name == "sched_process_exit";
            CHECK_MESSAGE((other || find_syscall_schema(name)), name);
            CHECK(name != "read");
            CHECK(name != "write");
        }
    }
    CHECK_FALSE(event_set("all"));
    CHECK(capture_bits(nullptr) == 0u);
    CHECK(capture_bits(find_syscall_schema("openat")) == EVENTS_CAPTURE_STRING << 4);
    CHECK(capture_bits(find_syscall_schema("execve")) ==
          (EVENTS_CAPTURE_STRING | EVENTS_CAPTURE_ARGV << 4 | EVENTS_CAPTURE_URGENT));
    CHECK((capture_bits(find_syscall_schema("openat")) & EVENTS_CAPTURE_URGENT) == 0);
    CHECK(capture_bits(find_syscall_schema("accept")) == EVENTS_CAPTURE_SOCKADDR_EXIT << 4);
    CHECK((capture_bits(find_syscall_schema("exit_group")) & EVENTS_CAPTURE_NORETURN) != 0);
    CHECK(capture_bits(find_syscall_schema("close")) == 0u);
    const SyscallNames native = SyscallNames::native();
    const auto openat = native.number("openat");
    REQUIRE(openat);
    CHECK(native.name(*openat) == "openat");
    CHECK_FALSE(native.number("nosuchcall"));
}
