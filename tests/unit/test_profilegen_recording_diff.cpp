#include <doctest/doctest.h>
#include <sched.h>
#include <sys/socket.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/capability_table.h"
#include "profilegen/recording_diff.h"
#include "profilegen/syscall_arguments.h"
#include "profilegen/syscall_table.h"
#include "profilegen/tracefile.h"

using namespace cradle;

namespace {

Recording recording(std::set<std::string> capabilities, std::set<std::string> syscalls) {
    Recording made;
    made.architectures = {"x86_64"};
    made.capabilities = std::move(capabilities);
    made.syscalls = std::move(syscalls);
    return made;
}

}  // namespace

TEST_CASE("diff_recordings: nothing for equal recordings, whatever their informational sections") {
    Recording a = recording({"chown"}, {"read", "write"});
    Recording b = a;
    CHECK(diff_recordings(a, b).empty());
    // Not compared: probed capabilities, runtime, implied and setup syscalls, counters, reasons.
    b.probed_capabilities = {"sys_admin"};
    b.setup_syscalls = {"mount"};
    b.implied_syscalls = {"restart_syscall"};
    b.runtime_syscalls = {"execve"};
    b.counters["lost_syscalls"] = 3;
    b.incomplete_reasons = {"lost events"};
    CHECK(diff_recordings(a, b).empty());
    CHECK(render_diff_text({}).empty());
}

TEST_CASE("diff_recordings: what each compared section gained and lost, in section order, sorted") {
    Recording a = recording({"chown", "kill"}, {"read", "write", "openat"});
    a.denied_capabilities = {"net_admin"};
    Recording b = recording({"setuid", "chown"}, {"read", "close", "bpf", "accept"});
    b.architectures.insert("x86");

    const std::vector<SectionDiff> diffs = diff_recordings(a, b);
    CHECK(diffs == std::vector<SectionDiff>{
                       {"ARCH", {"x86"}, {}},
                       {"CAPABILITIES", {"setuid"}, {"kill"}},
                       {"SYSCALLS", {"accept", "bpf", "close"}, {"openat", "write"}},
                       {"DENIED_CAPABILITIES", {}, {"net_admin"}},
                   });
    CHECK(render_diff_text(diffs) ==
          "ARCH\n+x86\n\n"
          "CAPABILITIES\n+setuid\n-kill\n\n"
          "SYSCALLS\n+accept\n+bpf\n+close\n-openat\n-write\n\n"
          "DENIED_CAPABILITIES\n-net_admin\n");

    // The other way round, added and removed swap.
    const std::vector<SectionDiff> back = diff_recordings(b, a);
    REQUIRE(back.size() == 4);
    CHECK(back[2] == SectionDiff{"SYSCALLS", {"openat", "write"}, {"accept", "bpf", "close"}});
}

TEST_CASE("risky_permissions: sorted by kind then name, each once, with a one-line reason") {
    const auto table = risky_permissions();
    REQUIRE(table.size() > 40);
    for (std::size_t i = 1; i < table.size(); ++i) {
        INFO(table[i - 1].name << " then " << table[i].name);
        CHECK(std::pair(table[i - 1].kind, table[i - 1].name) < std::pair(table[i].kind, table[i].name));
    }
    CHECK(risk_kind_name(RiskKind::capability) == "capability");
    CHECK(risk_kind_name(RiskKind::syscall) == "syscall");
    CHECK(risk_kind_name(RiskKind::argument) == "argument");
    for (const RiskyPermission& entry : table) {
        INFO(entry.name);
        CHECK_FALSE(entry.reason.empty());
        CHECK(entry.reason.find('\n') == std::string_view::npos);
        // Every name is one libcap or libseccomp knows, as a Recording spells it.
        if (entry.kind == RiskKind::capability) {
            CHECK(capability_number(std::string(entry.name)).ok());
            CHECK(bare_capability_name(entry.name) == entry.name);
        } else {
            CHECK(syscall_available_anywhere(std::string(entry.name), known_architectures()));
        }
        CHECK(find_risky_permission(entry.kind, entry.name) == &entry);
    }
    CHECK(find_risky_permission(RiskKind::syscall, "read") == nullptr);
    // A name is risky as the kind it is listed as: bpf is both, sys_admin a capability only.
    CHECK(find_risky_permission(RiskKind::syscall, "bpf") != nullptr);
    CHECK(find_risky_permission(RiskKind::capability, "bpf") != nullptr);
    CHECK(find_risky_permission(RiskKind::syscall, "sys_admin") == nullptr);
    for (const char* name : {"mount", "ptrace", "unshare", "setns", "init_module", "kexec_load", "open_by_handle_at"}) {
        INFO(name);
        CHECK(find_risky_permission(RiskKind::syscall, name) != nullptr);
    }
    for (const char* name : {"sys_admin", "net_admin", "sys_module", "sys_ptrace", "dac_read_search"}) {
        INFO(name);
        CHECK(find_risky_permission(RiskKind::capability, name) != nullptr);
    }
}

TEST_CASE("risky_additions: only the risky names B gained, never removals or other sections") {
    // Harmless drift: new ordinary syscalls and capabilities, risky ones dropped.
    Recording a = recording({"chown", "sys_admin"}, {"read", "mount"});
    a.denied_capabilities = {"kill"};
    Recording b = recording({"chown", "setuid"}, {"read", "write", "accept4"});
    b.denied_capabilities = {"kill", "sys_module"};  // refused, so not allowed
    CHECK(risky_additions(a, b).empty());

    // Risky drift: a dangerous syscall and capability, next to harmless ones.
    Recording c = recording({"chown", "net_admin", "kill"}, {"read", "ptrace", "bpf", "close"});
    const auto risky = risky_additions(a, c);
    REQUIRE(risky.size() == 3);
    CHECK(risky[0].kind == RiskKind::capability);
    CHECK(risky[0].name == "net_admin");
    CHECK(risky[1].kind == RiskKind::syscall);
    CHECK(risky[1].name == "bpf");
    CHECK(risky[2].name == "ptrace");
    const std::string text = render_risky_text(risky);
    CHECK(text.starts_with("RISKY_ADDITIONS\n+capability net_admin: "));
    CHECK(text.find("\n+syscall bpf: " + std::string(risky[1].reason) + "\n") != std::string::npos);
    CHECK(text.find("\n+syscall ptrace: ") != std::string::npos);
    CHECK(render_risky_text({}).empty());
}

TEST_CASE("render_diff_json: every compared section, with the risky additions when asked") {
    const Recording a = recording({"chown"}, {"read"});
    const Recording b = recording({"chown"}, {"read", "unshare", "write"});
    const auto diffs = diff_recordings(a, b);
    const auto risky = risky_additions(a, b);

    const auto plain = nlohmann::json::parse(render_diff_json(diffs, risky, false));
    CHECK(plain == nlohmann::json::parse(R"({
        "ARCH": {"added": [], "removed": []},
        "CAPABILITIES": {"added": [], "removed": []},
        "SYSCALLS": {"added": ["unshare", "write"], "removed": []},
        "COMPAT_SYSCALLS": {"added": [], "removed": []},
        "ARGUMENTS": {"added": [], "removed": []},
        "DENIED_CAPABILITIES": {"added": [], "removed": []}})"));

    const auto with_risky = nlohmann::json::parse(render_diff_json(diffs, risky, true));
    REQUIRE(with_risky["risky"].size() == 1);
    CHECK(with_risky["risky"][0]["kind"] == "syscall");
    CHECK(with_risky["risky"][0]["name"] == "unshare");
    CHECK(with_risky["risky"][0]["reason"] == std::string(risky[0].reason));
    CHECK(with_risky["SYSCALLS"] == plain["SYSCALLS"]);
}

TEST_CASE("diff_recordings: the compat ABI's syscalls are a section of their own, risky there too") {
    Recording a = recording({}, {"read", "write"});
    Recording b = a;
    b.architectures.insert("x86");
    b.compat_syscalls = {"_llseek", "ptrace", "read"};
    const std::vector<SectionDiff> diffs = diff_recordings(a, b);
    CHECK(diffs == std::vector<SectionDiff>{
                       {"ARCH", {"x86"}, {}},
                       {"COMPAT_SYSCALLS", {"_llseek", "ptrace", "read"}, {}},
                   });
    CHECK(render_diff_text(diffs) == "ARCH\n+x86\n\nCOMPAT_SYSCALLS\n+_llseek\n+ptrace\n+read\n");
    // A 32-bit ptrace is a ptrace; gained by both ABIs, it is named once.
    auto risky = risky_additions(a, b);
    REQUIRE(risky.size() == 1);
    CHECK(risky[0].name == "ptrace");
    b.syscalls.insert("ptrace");
    risky = risky_additions(a, b);
    REQUIRE(risky.size() == 1);
    CHECK(risky[0].name == "ptrace");
    // The native set alone changing leaves the compat section out.
    Recording c = b;
    c.syscalls.insert("close");
    CHECK(diff_recordings(b, c) == std::vector<SectionDiff>{{"SYSCALLS", {"close"}, {}}});
}

namespace {

// Socket and unshare made, with these ARGUMENTS.
Recording with_arguments(std::map<std::string, ArgumentValues> arguments) {
    Recording made = recording({}, {"clone", "execve", "personality", "socket", "unshare"});
    made.arguments = std::move(arguments);
    return made;
}

}  // namespace

TEST_CASE("diff_recordings: ARGUMENTS lines are entries, as the tracefile writes them") {
    const Recording a = with_arguments({{"socket", {{AF_INET}, false}}, {"unshare", {{CLONE_NEWUTS}, false}}});
    Recording b = with_arguments({{"socket", {{AF_INET, AF_PACKET}, false}},
                                  {"unshare", {{CLONE_NEWUTS, CLONE_NEWNET}, false}},
                                  {"clone", {{}, false}}});
    CHECK(diff_recordings(a, a).empty());
    const std::vector<SectionDiff> diffs = diff_recordings(a, b);
    CHECK(diffs == std::vector<SectionDiff>{
                       {"ARGUMENTS", {"clone none", "socket AF_PACKET", "unshare CLONE_NEWNET"}, {}},
                   });
    CHECK(render_diff_text(diffs) == "ARGUMENTS\n+clone none\n+socket AF_PACKET\n+unshare CLONE_NEWNET\n");
    // Each entry is a line of B's tracefile, and of A's for a removal.
    const std::string tracefile = render_tracefile(b, "");
    for (const std::string& line : diffs[0].added) {
        CHECK(tracefile.find("\n" + line + "\n") != std::string::npos);
    }
    const std::vector<SectionDiff> back = diff_recordings(b, a);
    REQUIRE(back.size() == 1);
    CHECK(back[0] == SectionDiff{"ARGUMENTS", {}, {"clone none", "socket AF_PACKET", "unshare CLONE_NEWNET"}});

    // A value no longer kept: the line "any" comes, the values stay as they were.
    b = a;
    b.arguments["unshare"].any = true;
    CHECK(diff_recordings(a, b) == std::vector<SectionDiff>{{"ARGUMENTS", {"unshare any"}, {}}});
    // ARGUMENTS comes after COMPAT_SYSCALLS and before DENIED_CAPABILITIES.
    b.syscalls.insert("bpf");
    b.denied_capabilities = {"kill"};
    const auto ordered = diff_recordings(a, b);
    REQUIRE(ordered.size() == 3);
    CHECK(ordered[0].section == "SYSCALLS");
    CHECK(ordered[1].section == "ARGUMENTS");
    CHECK(ordered[2].section == "DENIED_CAPABILITIES");
}

TEST_CASE("risky_argument_values: sorted, every namespace flag, a short list of families, one-line reasons") {
    const auto table = risky_argument_values();
    for (std::size_t i = 1; i < table.size(); ++i) {
        INFO(table[i - 1].value << " then " << table[i].value);
        CHECK(std::pair(table[i - 1].kind, table[i - 1].value) < std::pair(table[i].kind, table[i].value));
    }
    std::set<std::string_view> families;
    for (const RiskyArgumentValue& entry : table) {
        INFO(entry.value);
        CHECK_FALSE(entry.reason.empty());
        CHECK(entry.reason.find('\n') == std::string_view::npos);
        CHECK(entry.kind != ArgumentKind::persona);
        CHECK(find_risky_argument_value(entry.kind, entry.value) == &entry);
        if (entry.value == k_argument_any) {
            continue;
        }
        // Every value is one argument_value_text writes, so a tracefile's line matches it.
        const ArgumentSyscall& syscall =
            *find_argument_syscall(entry.kind == ArgumentKind::family ? "socket" : "unshare");
        const auto value = parse_argument_value(syscall, entry.value);
        REQUIRE(value.ok());
        CHECK(argument_value_text(syscall, *value) == entry.value);
        if (entry.kind == ArgumentKind::family) {
            families.insert(entry.value);
        }
    }
    for (const NamedValue& flag : namespace_flag_names()) {
        INFO(flag.name);
        CHECK(find_risky_argument_value(ArgumentKind::namespaces, flag.name) != nullptr);
    }
    CHECK(families == std::set<std::string_view>{"AF_PACKET", "AF_VSOCK"});
    CHECK(find_risky_argument_value(ArgumentKind::namespaces, k_argument_any) != nullptr);
    CHECK(find_risky_argument_value(ArgumentKind::family, k_argument_any) != nullptr);
    CHECK(find_risky_argument_value(ArgumentKind::namespaces, k_argument_none) == nullptr);
    CHECK(find_risky_argument_value(ArgumentKind::persona, k_argument_any) == nullptr);
    CHECK(find_risky_argument_value(ArgumentKind::family, "AF_NETLINK") == nullptr);
    CHECK(find_risky_argument_value(ArgumentKind::family, "CLONE_NEWNET") == nullptr);
}

TEST_CASE("risky_additions: a namespace flag or a risky family B newly uses, named by its line") {
    const Recording a = with_arguments({{"clone", {{}, false}},
                                        {"personality", {{0}, false}},
                                        {"socket", {{AF_INET}, false}},
                                        {"unshare", {{CLONE_NEWUTS}, false}}});
    // Harmless drift: ordinary families, another persona, removals.
    Recording harmless = with_arguments({{"clone", {{}, false}},
                                         {"personality", {{0, 0x8}, false}},
                                         {"socket", {{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX}, false}},
                                         {"unshare", {{}, false}}});
    CHECK_FALSE(diff_recordings(a, harmless).empty());
    CHECK(risky_additions(a, harmless).empty());

    Recording risky_drift = with_arguments({{"clone", {{CLONE_NEWUSER}, false}},
                                            {"personality", {{0}, false}},
                                            {"socket", {{AF_INET, AF_PACKET}, false}},
                                            {"unshare", {{CLONE_NEWUTS, CLONE_NEWNET}, false}}});
    const auto risky = risky_additions(a, risky_drift);
    REQUIRE(risky.size() == 3);
    CHECK(risky[0] == RiskyAddition{RiskKind::argument, "clone CLONE_NEWUSER",
                                    find_risky_argument_value(ArgumentKind::namespaces, "CLONE_NEWUSER")->reason});
    CHECK(risky[1] == RiskyAddition{RiskKind::argument, "socket AF_PACKET",
                                    find_risky_argument_value(ArgumentKind::family, "AF_PACKET")->reason});
    CHECK(risky[2] == RiskyAddition{RiskKind::argument, "unshare CLONE_NEWNET",
                                    find_risky_argument_value(ArgumentKind::namespaces, "CLONE_NEWNET")->reason});
    const std::string text = render_risky_text(risky);
    CHECK(text.starts_with("RISKY_ADDITIONS\n+argument clone CLONE_NEWUSER: creates a user namespace"));
    CHECK(text.find("\n+argument unshare CLONE_NEWNET: " + std::string(risky[2].reason) + "\n") != std::string::npos);
    // The other way round it is all removals: nothing risky.
    CHECK(risky_additions(risky_drift, a).empty());

    // A value not kept: any namespace, any family; any persona is harmless.
    Recording any = a;
    any.arguments["unshare"].any = true;
    any.arguments["socket"].any = true;
    any.arguments["personality"].any = true;
    const auto anything = risky_additions(a, any);
    REQUIRE(anything.size() == 2);
    CHECK(anything[0].name == "socket any");
    CHECK(anything[1].name == "unshare any");
    CHECK(anything[1].reason == find_risky_argument_value(ArgumentKind::namespaces, k_argument_any)->reason);
}

TEST_CASE("risky_additions: an argument value is not new where A allowed any, nor reported twice") {
    const Recording b = with_arguments({{"socket", {{AF_PACKET}, false}}, {"unshare", {{CLONE_NEWNET}, false}}});

    // A made socket and unshare with no value recorded (a tracefile from before ARGUMENTS), or
    // with a value not kept: its profile allowed any argument.
    Recording before_arguments = with_arguments({});
    CHECK(risky_additions(before_arguments, b).empty());
    Recording not_kept = with_arguments({{"socket", {{}, true}}, {"unshare", {{CLONE_NEWUTS}, true}}});
    CHECK(risky_additions(not_kept, b).empty());
    // Through the compat ABI too.
    Recording compat = recording({}, {"execve"});
    compat.compat_syscalls = {"socket", "unshare"};
    Recording compat_b = compat;
    compat_b.arguments = b.arguments;
    CHECK(diff_recordings(compat, compat_b) ==
          std::vector<SectionDiff>{{"ARGUMENTS", {"socket AF_PACKET", "unshare CLONE_NEWNET"}, {}}});
    CHECK(risky_additions(compat, compat_b).empty());
    // A syscall not made at all allowed nothing: B's socket family is new (socket itself is not
    // on the list), and so is B's clone with no value recorded (any); B's unshare is named
    // once, as the syscall.
    Recording neither = recording({}, {"execve"});
    const auto risky = risky_additions(neither, b);
    REQUIRE(risky.size() == 3);
    CHECK(risky[0].kind == RiskKind::syscall);
    CHECK(risky[0].name == "unshare");
    CHECK(risky[1].name == "clone any");
    CHECK(risky[2] == RiskyAddition{RiskKind::argument, "socket AF_PACKET",
                                    find_risky_argument_value(ArgumentKind::family, "AF_PACKET")->reason});
}

TEST_CASE("risky_additions: B allowing any argument where A did not is risky, with or without a line") {
    const Recording a = with_arguments(
        {{"personality", {{0}, false}}, {"socket", {{AF_INET}, false}}, {"unshare", {{CLONE_NEWUTS}, false}}});
    // B made them with no value recorded: its profile allows any, though no line says so.
    const Recording unrecorded = with_arguments({});
    CHECK(diff_recordings(a, unrecorded) ==
          std::vector<SectionDiff>{{"ARGUMENTS", {}, {"personality 0x0", "socket AF_INET", "unshare CLONE_NEWUTS"}}});
    auto risky = risky_additions(a, unrecorded);
    REQUIRE(risky.size() == 2);
    CHECK(risky[0] == RiskyAddition{RiskKind::argument, "socket any",
                                    find_risky_argument_value(ArgumentKind::family, k_argument_any)->reason});
    CHECK(risky[1] == RiskyAddition{RiskKind::argument, "unshare any",
                                    find_risky_argument_value(ArgumentKind::namespaces, k_argument_any)->reason});
    // A line "unshare any" and the profile it gives are named once.
    Recording not_kept = a;
    not_kept.arguments["unshare"].values.insert(CLONE_NEWNET);
    not_kept.arguments["unshare"].any = true;
    risky = risky_additions(a, not_kept);
    REQUIRE(risky.size() == 2);
    CHECK(risky[0].name == "unshare CLONE_NEWNET");
    CHECK(risky[1].name == "unshare any");
    // B not making them at all allows nothing.
    CHECK(risky_additions(a, recording({}, {"execve"})).empty());
}

TEST_CASE("render_diff_json: ARGUMENTS lines and the risky argument values") {
    const Recording a = with_arguments({{"unshare", {{CLONE_NEWUTS}, false}}});
    const Recording b = with_arguments({{"unshare", {{CLONE_NEWNET}, false}}});
    const auto diffs = diff_recordings(a, b);
    const auto document = nlohmann::json::parse(render_diff_json(diffs, risky_additions(a, b), true));
    CHECK(document["ARGUMENTS"] ==
          nlohmann::json::parse(R"({"added": ["unshare CLONE_NEWNET"], "removed": ["unshare CLONE_NEWUTS"]})"));
    REQUIRE(document["risky"].size() == 1);
    CHECK(document["risky"][0]["kind"] == "argument");
    CHECK(document["risky"][0]["name"] == "unshare CLONE_NEWNET");
    CHECK(document["risky"][0]["reason"] ==
          std::string(find_risky_argument_value(ArgumentKind::namespaces, "CLONE_NEWNET")->reason));
}
