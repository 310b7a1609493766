#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cli/event_schema.h"
#include "cli/event_stream.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

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

// The same with a 32-bit ABI of its own numbers (i386's, where x86 has them).
SyscallNames test_names_with_compat() {
    std::vector<std::string> names(EVENTS_SYSCALL_SLOTS);
    names[2] = "openat";
    names[3] = "execve";
    names[7] = "stat";
    names[8] = "clone3";
    names[9] = "mmap";
    std::vector<std::string> compat(EVENTS_SYSCALL_SLOTS);
    compat[11] = "execve";
    compat[37] = "kill";
    compat[90] = "mmap";
    compat[102] = "socketcall";
    compat[106] = "stat";
    compat[120] = "clone";
    compat[192] = "mmap2";
    compat[195] = "stat64";
    compat[295] = "openat";
    compat[435] = "clone3";
    return SyscallNames(names, compat);
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

TEST_CASE("event stream: clone3's flags and exit signal, read from its clone_args") {
    std::uint64_t fields[2] = {0x4000 | 0x100, 17};  // CLONE_VFORK|CLONE_VM, SIGCHLD
    const std::string_view both(reinterpret_cast<const char*>(fields), sizeof fields);
    auto event =
        event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 8).arg(0, 0x7ffd0000).arg(1, 88).item(0, both).bytes(),
                          test_names_with_compat());
    REQUIRE(event);
    CHECK(event->name == "clone3");
    const EventArgument* args = find_argument(*event, "cl_args");
    REQUIRE(args);
    CHECK(args->type == ArgumentType::clone_args);
    CHECK(args->bytes == std::vector<std::uint8_t>(both.begin(), both.end()));
    CHECK(find_argument(*event, "size")->raw == 88u);
    auto short_size = event_from_record(
        RecordBuilder(EVENTS_KIND_SYSCALL, 8).arg(0, 0x7ffd0000).arg(1, 4).item(0, "", EVENTS_ITEM_TRUNCATED).bytes(),
        test_names_with_compat());
    REQUIRE(short_size);
    CHECK(find_argument(*short_size, "cl_args")->truncated);
    CHECK(find_argument(*short_size, "cl_args")->bytes.empty());
    auto unreadable = event_from_record(
        RecordBuilder(EVENTS_KIND_SYSCALL, 8).arg(0, 0x10).arg(1, 88).item(0, "", EVENTS_ITEM_UNREADABLE).bytes(),
        test_names_with_compat());
    REQUIRE(unreadable);
    CHECK(find_argument(*unreadable, "cl_args")->unreadable);
}

TEST_CASE("event stream: a 32-bit syscall is decoded by the schema of its name") {
    const SyscallNames names = test_names_with_compat();
    auto open = event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 295)
                                      .flags(EVENTS_RECORD_COMPAT)
                                      .arg(0, 0xffffff9c)  // AT_FDCWD in a 32-bit register
                                      .arg(1, 0xffd01000)
                                      .arg(2, 0x8000)
                                      .item(1, "/etc/passwd")
                                      .bytes(),
                                  names);
    REQUIRE(open);
    CHECK(open->compat);
    CHECK(open->name == "openat");
    CHECK(open->syscall_number == 295);
    REQUIRE(open->arguments.size() == 4);
    CHECK(open->arguments[0].type == ArgumentType::fd);
    const EventArgument* path = find_argument(*open, "pathname");
    REQUIRE(path);
    CHECK(path->raw == 0xffd01000u);
    CHECK(path->strings == std::vector<std::string>{"/etc/passwd"});

    auto exec = event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 11)
                                      .flags(EVENTS_RECORD_COMPAT)
                                      .item(0, "/bin/ls")
                                      .item(1, "/bin/ls", EVENTS_ITEM_ARRAY)
                                      .item(1, "/", EVENTS_ITEM_ARRAY)
                                      .bytes(),
                                  names);
    REQUIRE(exec);
    CHECK(find_argument(*exec, "argv")->strings == std::vector<std::string>{"/bin/ls", "/"});

    // Named as i386 names it, decoded as the native syscall it takes the arguments of.
    auto stat64 = event_from_record(
        RecordBuilder(EVENTS_KIND_SYSCALL, 195).flags(EVENTS_RECORD_COMPAT).item(0, "/etc").bytes(), names);
    REQUIRE(stat64);
    CHECK(stat64->name == "stat64");
    CHECK(find_argument(*stat64, "pathname")->strings == std::vector<std::string>{"/etc"});
    auto mmap2 =
        event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 192).flags(EVENTS_RECORD_COMPAT).arg(2, 5).bytes(), names);
    REQUIRE(mmap2);
    CHECK(find_argument(*mmap2, "prot")->type == ArgumentType::mmap_prot);
    // i386's own mmap takes one pointer to its arguments: raw.
    auto old_mmap =
        event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 90).flags(EVENTS_RECORD_COMPAT).bytes(), names);
    REQUIRE(old_mmap);
    CHECK(old_mmap->name == "mmap");
    CHECK(old_mmap->arguments[0].name == "arg0");

    // An int in a 32-bit register is signed; i386's clone swaps tls and child_tid.
    auto kill = event_from_record(
        RecordBuilder(EVENTS_KIND_SYSCALL, 37).flags(EVENTS_RECORD_COMPAT).arg(0, 0xffffffff).arg(1, 9).bytes(), names);
    REQUIRE(kill);
    CHECK(static_cast<std::int64_t>(find_argument(*kill, "pid")->raw) == -1);
    auto clone = event_from_record(
        RecordBuilder(EVENTS_KIND_SYSCALL, 120).flags(EVENTS_RECORD_COMPAT).arg(3, 0x1000).arg(4, 0x2000).bytes(),
        names);
    REQUIRE(clone);
    CHECK(find_argument(*clone, "tls")->raw == 0x1000u);
    CHECK(find_argument(*clone, "child_tid")->raw == 0x2000u);
    auto socketcall =
        event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 102).flags(EVENTS_RECORD_COMPAT).arg(0, 3).bytes(), names);
    REQUIRE(socketcall);
    CHECK(find_argument(*socketcall, "call")->type == ArgumentType::socketcall_call);
    // The same number on the native ABI is another syscall.
    auto native = event_from_record(RecordBuilder(EVENTS_KIND_SYSCALL, 11).bytes(), names);
    REQUIRE(native);
    CHECK(native->name == "syscall_11");
}

TEST_CASE("event stream: event= names select syscalls on both ABIs") {
    const SyscallNames names = test_names_with_compat();
    auto selection = select_syscalls(names, {"openat", "stat", "socketcall", "mmap"}, false);
    REQUIRE(selection);
    CHECK(selection->native[2]);
    CHECK(selection->compat[295]);
    CHECK(selection->native[7]);
    CHECK(selection->compat[106]);
    CHECK(selection->compat[195]);  // stat64, decoded as stat
    CHECK(selection->compat[102]);  // i386 alone has socketcall
    CHECK(selection->native[9]);
    CHECK(selection->compat[90]);   // mmap by its name, though raw
    CHECK(selection->compat[192]);  // mmap2 by its schema
    CHECK_FALSE(selection->native[3]);
    CHECK_FALSE(selection->compat[11]);
    CHECK(std::count(selection->native.begin(), selection->native.end(), true) == 3);
    CHECK(std::count(selection->compat.begin(), selection->compat.end(), true) == 6);
    auto all = select_syscalls(names, {}, true);
    REQUIRE(all);
    CHECK(all->native[400]);  // every number: the kernel reports what it has
    CHECK(all->compat[11]);
    CHECK_FALSE(all->compat[12]);  // none there on this ABI
    auto unknown = select_syscalls(names, {"openat", "nosuchcall"}, false);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("nosuchcall") != std::string::npos);
}

TEST_CASE("event stream: cgroups beneath a container's that the filter has no room for are counted") {
    TempDir cgroup;
    for (const char* child : {"a", "a/b", "a/b/c", "d"}) {
        REQUIRE(mkdir((cgroup / child).c_str(), 0755) == 0);
    }
    // Room for two: the other two are left out (E2BIG, as a full BPF hash map answers).
    std::vector<std::uint64_t> marked;
    auto left_out = mark_cgroups_beneath(cgroup.path(), [&](std::uint64_t id) {
        if (marked.size() == 2) {
            return E2BIG;
        }
        marked.push_back(id);
        return 0;
    });
    REQUIRE_MESSAGE(left_out.ok(), left_out.error().message);
    CHECK(*left_out == 2);
    CHECK(marked.size() == 2);
    // Room for all: none.
    marked.clear();
    left_out = mark_cgroups_beneath(cgroup.path(), [&](std::uint64_t id) {
        marked.push_back(id);
        return 0;
    });
    REQUIRE(left_out.ok());
    CHECK(*left_out == 0);
    CHECK(marked.size() == 4);
    // Any other failure is an error naming the cgroup.
    left_out = mark_cgroups_beneath(cgroup.path(), [](std::uint64_t) { return EPERM; });
    REQUIRE_FALSE(left_out.ok());
    CHECK(left_out.error().code == EPERM);
    CHECK(left_out.error().message.find(cgroup.path()) != std::string::npos);
}
