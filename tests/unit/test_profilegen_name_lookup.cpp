#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profilegen/name_lookup.h"
#include "profilegen/syscall_table.h"

using namespace cradle;

TEST_CASE("look_up_syscall finds x86_64 syscalls by name and by number") {
    CHECK(look_up_syscall("x86_64", "read").value() == SyscallEntry{"x86_64", "read", 0});
    CHECK(look_up_syscall("x86_64", "write").value() == SyscallEntry{"x86_64", "write", 1});
    CHECK(look_up_syscall("x86_64", "execve").value() == SyscallEntry{"x86_64", "execve", 59});
    CHECK(look_up_syscall("x86_64", "0").value() == SyscallEntry{"x86_64", "read", 0});
    CHECK(look_up_syscall("x86_64", "59").value() == SyscallEntry{"x86_64", "execve", 59});
    // The same name has another number on another architecture.
    CHECK(look_up_syscall("x86", "execve").value().number == 11);
}

TEST_CASE("look_up_syscall refuses what names no syscall on the architecture") {
    for (const char* query : {"no_such_syscall", "READ", "", "-1", "+1", "99999", "59x", "_llseek"}) {
        INFO(query);
        auto entry = look_up_syscall("x86_64", query);
        REQUIRE_FALSE(entry.ok());
        CHECK(entry.error().code == ENOENT);
        CHECK(entry.error().message == std::string("no syscall named or numbered \"") + query + "\" on x86_64");
    }
    auto unknown_arch = look_up_syscall("vax", "read");
    REQUIRE_FALSE(unknown_arch.ok());
    CHECK(unknown_arch.error().code == EINVAL);
}

TEST_CASE("list_syscalls gives every numbered syscall once, sorted by number") {
    const auto entries = list_syscalls("x86_64").value();
    REQUIRE(entries.size() > 300);
    CHECK(entries[0] == SyscallEntry{"x86_64", "read", 0});
    CHECK(entries[1] == SyscallEntry{"x86_64", "write", 1});
    CHECK(std::is_sorted(entries.begin(), entries.end(),
                         [](const SyscallEntry& a, const SyscallEntry& b) { return a.number < b.number; }));
    CHECK(std::adjacent_find(entries.begin(), entries.end(), [](const SyscallEntry& a, const SyscallEntry& b) {
              return a.number == b.number;
          }) == entries.end());
    CHECK(std::count_if(entries.begin(), entries.end(),
                        [](const SyscallEntry& e) { return e.name == "execve" && e.number == 59; }) == 1);
    CHECK_FALSE(list_syscalls("vax").ok());
}

TEST_CASE("look_up_capability finds capabilities by number and by any spelling of the name") {
    CHECK(look_up_capability("chown").value() == CapabilityEntry{"chown", 0});
    CHECK(look_up_capability("0").value() == CapabilityEntry{"chown", 0});
    for (const char* query : {"sys_admin", "SYS_ADMIN", "CAP_SYS_ADMIN", "cap_sys_admin", "21"}) {
        INFO(query);
        CHECK(look_up_capability(query).value() == CapabilityEntry{"sys_admin", 21});
    }
    CHECK(CapabilityEntry{"sys_admin", 21}.constant() == "CAP_SYS_ADMIN");
    CHECK(CapabilityEntry{"net_bind_service", 10}.constant() == "CAP_NET_BIND_SERVICE");
}

TEST_CASE("look_up_capability refuses what names no capability") {
    for (const char* query : {"no_such_cap", "", "-1", "1000", "cap_21", "CAP_"}) {
        INFO(query);
        auto entry = look_up_capability(query);
        REQUIRE_FALSE(entry.ok());
        CHECK(entry.error().code == ENOENT);
        CHECK(entry.error().message == std::string("no capability named or numbered \"") + query + "\"");
    }
}

TEST_CASE("list_capabilities gives libcap's capabilities from 0, in order") {
    const auto entries = list_capabilities();
    REQUIRE(entries.size() >= 38);  // CAP_CHECKPOINT_RESTORE (40) is in every libcap Cradle builds with
    for (std::size_t i = 0; i < entries.size(); ++i) {
        CHECK(entries[i].number == static_cast<int>(i));
    }
    CHECK(entries[0].name == "chown");
    CHECK(entries[21].name == "sys_admin");
}

TEST_CASE("lookups render as lines and as JSON") {
    const std::vector<SyscallEntry> syscalls = {{"x86_64", "read", 0}, {"x86_64", "execve", 59}};
    CHECK(render_syscalls_text(syscalls) == "0 read\n59 execve\n");
    const auto syscalls_json = nlohmann::json::parse(render_syscalls_json(syscalls));
    CHECK(syscalls_json == nlohmann::json::parse(R"([{"arch": "x86_64", "name": "read", "number": 0},
                                                     {"arch": "x86_64", "name": "execve", "number": 59}])"));
    const std::vector<CapabilityEntry> capabilities = {{"chown", 0}, {"sys_admin", 21}};
    CHECK(render_capabilities_text(capabilities) == "0 chown CAP_CHOWN\n21 sys_admin CAP_SYS_ADMIN\n");
    CHECK(nlohmann::json::parse(render_capabilities_json(capabilities)) ==
          nlohmann::json::parse(R"([{"constant": "CAP_CHOWN", "name": "chown", "number": 0},
                                    {"constant": "CAP_SYS_ADMIN", "name": "sys_admin", "number": 21}])"));
    CHECK(render_syscalls_text({}).empty());
    CHECK(render_capabilities_json({}) == "[]\n");
}
