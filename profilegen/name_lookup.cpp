#include "profilegen/name_lookup.h"

#include <cerrno>
#include <charconv>

#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/profile_name.h"
#include "profilegen/capability_table.h"
#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

// The highest syscall number list_syscalls tries: x86_64 ends below 512, aarch64 below 500, and
// the multiplexed or x32 numbers libseccomp knows are not native numbers.
constexpr int k_max_syscall_number = 4095;

// A query of decimal digits only, within int: the number it spells.
std::optional<int> parse_number(const std::string& query) {
    int number = 0;
    const char* end = query.data() + query.size();
    const auto [stop, error] = std::from_chars(query.data(), end, number);
    if (query.empty() || error != std::errc{} || stop != end || query[0] == '-' || query[0] == '+') {
        return std::nullopt;
    }
    return number;
}

}  // namespace

Result<SyscallEntry> look_up_syscall(const std::string& arch, const std::string& query) {
    if (auto token = seccomp_arch_token(arch); !token) {
        return token.error();
    }
    const auto number = parse_number(query);
    if (number) {
        if (auto name = syscall_name(arch, *number)) {
            return SyscallEntry{arch, *name, *number};
        }
    } else if (auto found = syscall_number(arch, query)) {
        return SyscallEntry{arch, query, *found};
    }
    // printable_value: the query is the user's, and may hold a terminal escape.
    return Error{ENOENT, "no syscall named or numbered \"" + printable_value(query) + "\" on " + arch};
}

Result<std::vector<SyscallEntry>> list_syscalls(const std::string& arch) {
    if (auto token = seccomp_arch_token(arch); !token) {
        return token.error();
    }
    std::vector<SyscallEntry> entries;
    for (int number = 0; number <= k_max_syscall_number; ++number) {
        if (auto name = syscall_name(arch, number)) {
            entries.push_back({arch, *name, number});
        }
    }
    return entries;
}

std::string CapabilityEntry::constant() const { return capability_constant_name(name); }

Result<CapabilityEntry> look_up_capability(const std::string& query) {
    const auto number = parse_number(query);
    if (number) {
        if (auto name = capability_name(*number)) {
            return CapabilityEntry{*name, *number};
        }
    } else if (auto found = capability_number(query)) {
        // Spelled the way Cradle writes it, whatever the query's spelling.
        if (auto name = capability_name(*found)) {
            return CapabilityEntry{*name, *found};
        }
    }
    return Error{ENOENT, "no capability named or numbered \"" + printable_value(query) + "\""};
}

std::vector<CapabilityEntry> list_capabilities() {
    std::vector<CapabilityEntry> entries;
    for (int number = 0; number < capability_count(); ++number) {
        if (auto name = capability_name(number)) {
            entries.push_back({*name, number});
        }
    }
    return entries;
}

std::string render_syscalls_text(const std::vector<SyscallEntry>& entries) {
    std::string text;
    for (const SyscallEntry& entry : entries) {
        text += std::to_string(entry.number) + " " + entry.name + "\n";
    }
    return text;
}

std::string render_capabilities_text(const std::vector<CapabilityEntry>& entries) {
    std::string text;
    for (const CapabilityEntry& entry : entries) {
        text += std::to_string(entry.number) + " " + entry.name + " " + entry.constant() + "\n";
    }
    return text;
}

// Names come from libseccomp and libcap, never from input, so dump_json cannot replace a byte.
std::string render_syscalls_json(const std::vector<SyscallEntry>& entries) {
    nlohmann::json document = nlohmann::json::array();
    for (const SyscallEntry& entry : entries) {
        document.push_back({{"arch", entry.arch}, {"name", entry.name}, {"number", entry.number}});
    }
    return dump_json(document, 2) + "\n";
}

std::string render_capabilities_json(const std::vector<CapabilityEntry>& entries) {
    nlohmann::json document = nlohmann::json::array();
    for (const CapabilityEntry& entry : entries) {
        document.push_back({{"constant", entry.constant()}, {"name", entry.name}, {"number", entry.number}});
    }
    return dump_json(document, 2) + "\n";
}

}  // namespace cradle
