#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/capability_table.h"
#include "profilegen/recording_diff.h"
#include "profilegen/syscall_table.h"

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
    CHECK(risky_additions(diff_recordings(a, b)).empty());

    // Risky drift: a dangerous syscall and capability, next to harmless ones.
    Recording c = recording({"chown", "net_admin", "kill"}, {"read", "ptrace", "bpf", "close"});
    const auto risky = risky_additions(diff_recordings(a, c));
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
    const auto risky = risky_additions(diffs);

    const auto plain = nlohmann::json::parse(render_diff_json(diffs, risky, false));
    CHECK(plain == nlohmann::json::parse(R"({
        "ARCH": {"added": [], "removed": []},
        "CAPABILITIES": {"added": [], "removed": []},
        "SYSCALLS": {"added": ["unshare", "write"], "removed": []},
        "COMPAT_SYSCALLS": {"added": [], "removed": []},
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
    auto risky = risky_additions(diffs);
    REQUIRE(risky.size() == 1);
    CHECK(risky[0].name == "ptrace");
    b.syscalls.insert("ptrace");
    risky = risky_additions(diff_recordings(a, b));
    REQUIRE(risky.size() == 1);
    CHECK(risky[0].name == "ptrace");
    // The native set alone changing leaves the compat section out.
    Recording c = b;
    c.syscalls.insert("close");
    CHECK(diff_recordings(b, c) == std::vector<SectionDiff>{{"SYSCALLS", {"close"}, {}}});
}
