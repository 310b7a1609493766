#include "profilegen/syscall_arguments.h"

#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>
#include <tuple>

#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

constexpr std::uint64_t k_clone3_namespaces = CRADLE_CLONE_NAMESPACES | CRADLE_CLONE_NEWTIME;

static_assert(CRADLE_CLONE_NAMESPACES == (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                          CLONE_NEWPID | CLONE_NEWNET));
static_assert(CRADLE_CLONE_NEWTIME == CLONE_NEWTIME);

constexpr ArgumentSyscall k_syscalls[] = {
    {CRADLE_ARGS_SOCKET, "socket", ArgumentKind::family, 0},
    {CRADLE_ARGS_CLONE, "clone", ArgumentKind::namespaces, CRADLE_CLONE_NAMESPACES},
    {CRADLE_ARGS_CLONE3, "clone3", ArgumentKind::namespaces, k_clone3_namespaces},
    {CRADLE_ARGS_UNSHARE, "unshare", ArgumentKind::namespaces, k_clone3_namespaces},
    {CRADLE_ARGS_PERSONALITY, "personality", ArgumentKind::persona, 0},
};
static_assert(std::size(k_syscalls) == CRADLE_ARGS_COUNT);

// Sorted by name; a unit test keeps it so.
constexpr NamedValue k_namespace_flags[] = {
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP}, {"CLONE_NEWIPC", CLONE_NEWIPC}, {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWNS", CLONE_NEWNS},         {"CLONE_NEWPID", CLONE_NEWPID}, {"CLONE_NEWTIME", CLONE_NEWTIME},
    {"CLONE_NEWUSER", CLONE_NEWUSER},     {"CLONE_NEWUTS", CLONE_NEWUTS},
};

// The families of <sys/socket.h>, each by its first name (AF_UNIX, not AF_LOCAL or AF_FILE;
// AF_NETLINK, not AF_ROUTE). Sorted by name; a unit test keeps it so and checks that every
// number is below 64, where the kernel side records it, and named once.
constexpr NamedValue k_families[] = {
    {"AF_ALG", AF_ALG},
    {"AF_APPLETALK", AF_APPLETALK},
    {"AF_ASH", AF_ASH},
    {"AF_ATMPVC", AF_ATMPVC},
    {"AF_ATMSVC", AF_ATMSVC},
    {"AF_AX25", AF_AX25},
    {"AF_BLUETOOTH", AF_BLUETOOTH},
    {"AF_BRIDGE", AF_BRIDGE},
    {"AF_CAIF", AF_CAIF},
    {"AF_CAN", AF_CAN},
    {"AF_ECONET", AF_ECONET},
    {"AF_IB", AF_IB},
    {"AF_IEEE802154", AF_IEEE802154},
    {"AF_INET", AF_INET},
    {"AF_INET6", AF_INET6},
    {"AF_IPX", AF_IPX},
    {"AF_IRDA", AF_IRDA},
    {"AF_ISDN", AF_ISDN},
    {"AF_IUCV", AF_IUCV},
    {"AF_KCM", AF_KCM},
    {"AF_KEY", AF_KEY},
    {"AF_LLC", AF_LLC},
    {"AF_MCTP", AF_MCTP},
    {"AF_MPLS", AF_MPLS},
    {"AF_NETBEUI", AF_NETBEUI},
    {"AF_NETLINK", AF_NETLINK},
    {"AF_NETROM", AF_NETROM},
    {"AF_NFC", AF_NFC},
    {"AF_PACKET", AF_PACKET},
    {"AF_PHONET", AF_PHONET},
    {"AF_PPPOX", AF_PPPOX},
    {"AF_QIPCRTR", AF_QIPCRTR},
    {"AF_RDS", AF_RDS},
    {"AF_ROSE", AF_ROSE},
    {"AF_RXRPC", AF_RXRPC},
    {"AF_SECURITY", AF_SECURITY},
    {"AF_SMC", AF_SMC},
    {"AF_SNA", AF_SNA},
    {"AF_TIPC", AF_TIPC},
    {"AF_UNIX", AF_UNIX},
    {"AF_UNSPEC", AF_UNSPEC},
    {"AF_VSOCK", AF_VSOCK},
    {"AF_WANPIPE", AF_WANPIPE},
    {"AF_X25", AF_X25},
    {"AF_XDP", AF_XDP},
};

std::span<const NamedValue> names_of(ArgumentKind kind) {
    switch (kind) {
        case ArgumentKind::family: return k_families;
        case ArgumentKind::namespaces: return k_namespace_flags;
        case ArgumentKind::persona: break;
    }
    return {};
}

std::string hexadecimal(std::uint64_t value) {
    char text[2 + 16 + 1];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

// A number in decimal, or in hexadecimal after "0x"; nullopt for anything else.
std::optional<std::uint64_t> parse_number(std::string_view text) {
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

ArgumentCondition equals(std::uint64_t value) { return {0, SCMP_CMP_EQ, value, 0}; }

// Argument 0 has none of `flags`.
ArgumentCondition has_none_of(std::uint64_t flags) { return {0, SCMP_CMP_MASKED_EQ, flags, 0}; }

std::uint64_t flags_of(const std::set<std::uint64_t>& values) {
    std::uint64_t flags = 0;
    for (const std::uint64_t value : values) {
        flags |= value;
    }
    return flags;
}

// The recorded values of `name` when a filter can use them: made, and every value kept (and
// for a family or a persona, at least one: a call has one).
const ArgumentValues* usable_values(const Recording& recording, std::string_view name) {
    const std::string key(name);
    // Made through either ABI: one rule holds on every listed architecture (seccomp_profile.h).
    if (!recording.syscalls.contains(key) && !recording.compat_syscalls.contains(key)) {
        return nullptr;
    }
    const auto values = recording.arguments.find(key);
    if (values == recording.arguments.end() || values->second.any) {
        return nullptr;
    }
    const bool takes_values = find_argument_syscall(name)->kind != ArgumentKind::namespaces;
    return takes_values && values->second.values.empty() ? nullptr : &values->second;
}

}  // namespace

std::span<const ArgumentSyscall> argument_syscalls() { return k_syscalls; }

const ArgumentSyscall* find_argument_syscall(std::string_view name) {
    for (const ArgumentSyscall& syscall : k_syscalls) {
        if (syscall.name == name) {
            return &syscall;
        }
    }
    return nullptr;
}

int argument_syscall_number(const std::string& arch, const ArgumentSyscall& syscall) {
    const std::string name(syscall.name);
    if (auto number = syscall_number(arch, name); number && *number < CRADLE_SYSCALL_SLOTS) {
        return *number;
    }
    // Reached through a multiplexer as well (socketcall): the direct number names it too.
    for (int number = 0; number < CRADLE_SYSCALL_SLOTS; ++number) {
        if (auto named = syscall_name(arch, number); named && *named == name) {
            return number;
        }
    }
    return -1;
}

std::span<const NamedValue> namespace_flag_names() { return k_namespace_flags; }
std::span<const NamedValue> address_family_names() { return k_families; }

std::string argument_value_text(const ArgumentSyscall& syscall, std::uint64_t value) {
    for (const NamedValue& named : names_of(syscall.kind)) {
        if (named.value == value) {
            return std::string(named.name);
        }
    }
    return syscall.kind == ArgumentKind::family ? std::to_string(value) : hexadecimal(value);
}

std::vector<std::string> argument_lines(const std::map<std::string, ArgumentValues>& arguments) {
    std::vector<std::string> lines;
    for (const auto& [name, values] : arguments) {
        const ArgumentSyscall* syscall = find_argument_syscall(name);
        const auto line = [&](std::string_view value) { lines.push_back(name + " " + std::string(value)); };
        if (values.values.empty() && !values.any) {
            line(k_argument_none);
        }
        for (const std::uint64_t value : values.values) {
            line(syscall ? argument_value_text(*syscall, value) : std::to_string(value));
        }
        if (values.any) {
            line(k_argument_any);
        }
    }
    return lines;
}

Result<std::uint64_t> parse_argument_value(const ArgumentSyscall& syscall, std::string_view text) {
    std::optional<std::uint64_t> value;
    for (const NamedValue& named : names_of(syscall.kind)) {
        if (named.name == text) {
            value = named.value;
        }
    }
    if (!value && syscall.kind != ArgumentKind::namespaces) {
        value = parse_number(text);
    }
    const std::string what = "invalid " + std::string(syscall.name) + " value";
    if (!value) {
        return Error{EINVAL, what};
    }
    switch (syscall.kind) {
        case ArgumentKind::family:
            if (*value >= 64) {
                return Error{EINVAL, what + " (an address family below 64)"};
            }
            break;
        case ArgumentKind::namespaces:
            if ((*value & syscall.namespaces) != *value) {
                return Error{EINVAL, what + " (a namespace flag it takes)"};
            }
            break;
        case ArgumentKind::persona:
            if (*value > 0xffffffffULL) {
                return Error{EINVAL, what + " (a persona below 2^32)"};
            }
            break;
    }
    return *value;
}

ArgumentFilters argument_filters(const Recording& recording) {
    ArgumentFilters filters;
    auto allow_each = [&](std::string_view name) {
        const ArgumentValues* values = usable_values(recording, name);
        if (!values) {
            return;
        }
        filters.conditional.emplace(name);
        for (const std::uint64_t value : values->values) {
            filters.allow.push_back({std::string(name), {equals(value)}});
        }
    };
    // Allows `name` with the namespace flags `used` and none of the others it takes.
    auto allow_namespaces = [&](std::string_view name, std::uint64_t used) {
        const std::uint64_t refused = find_argument_syscall(name)->namespaces & ~used;
        filters.conditional.emplace(name);
        filters.allow.push_back({std::string(name), {has_none_of(refused)}});
    };

    allow_each("socket");
    allow_each("personality");

    // clone3 passes its flags in memory, where a filter cannot read them: made without a
    // namespace flag, it is answered ENOSYS and the C library makes clone instead, which has
    // them in a register.
    const ArgumentValues* clone3 = usable_values(recording, "clone3");
    const bool clone3_to_clone = clone3 && clone3->values.empty();
    if (clone3_to_clone) {
        filters.enosys.insert("clone3");
    }
    const ArgumentValues* clone = usable_values(recording, "clone");
    if (clone) {
        allow_namespaces("clone", flags_of(clone->values));
    } else if (clone3_to_clone && !recording.syscalls.contains("clone") &&
               !recording.compat_syscalls.contains("clone")) {
        allow_namespaces("clone", 0);
    }
    if (const ArgumentValues* unshare = usable_values(recording, "unshare")) {
        allow_namespaces("unshare", flags_of(unshare->values));
    }

    // A rule that refuses nothing is the plain allow-list's business.
    std::erase_if(filters.allow, [&](const ConditionalAllow& rule) {
        const bool refuses_nothing =
            rule.conditions.size() == 1 && rule.conditions[0].op == SCMP_CMP_MASKED_EQ && rule.conditions[0].value == 0;
        if (refuses_nothing) {
            filters.conditional.erase(rule.syscall);
        }
        return refuses_nothing;
    });
    std::sort(filters.allow.begin(), filters.allow.end(), [](const ConditionalAllow& a, const ConditionalAllow& b) {
        return std::tie(a.syscall, a.conditions) < std::tie(b.syscall, b.conditions);
    });
    return filters;
}

}  // namespace cradle
