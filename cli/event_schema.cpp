#include "cli/event_schema.h"

#include <algorithm>

#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

using T = ArgumentType;

constexpr ArgumentSchema fd(std::string_view name) { return {name, T::fd, EVENTS_CAPTURE_VALUE}; }
constexpr ArgumentSchema path(std::string_view name) { return {name, T::user_string, EVENTS_CAPTURE_STRING}; }
constexpr ArgumentSchema value(std::string_view name, ArgumentType type) { return {name, type, EVENTS_CAPTURE_VALUE}; }
constexpr ArgumentSchema pointer(std::string_view name) { return {name, T::hex, EVENTS_CAPTURE_VALUE}; }
constexpr ArgumentSchema argv(std::string_view name) { return {name, T::user_string_array, EVENTS_CAPTURE_ARGV}; }
constexpr ArgumentSchema address_in(std::string_view name) { return {name, T::sockaddr, EVENTS_CAPTURE_SOCKADDR}; }
constexpr ArgumentSchema address_out(std::string_view name) {
    return {name, T::sockaddr, EVENTS_CAPTURE_SOCKADDR_EXIT};
}

// Sorted by name (a unit test keeps it so). Argument names and order as in the man pages of
// section 2, and as the x86_64 and aarch64 kernels take them (clone's order is x86_64's).
const std::vector<SyscallSchema> k_schemas = {
    {"accept", {fd("sockfd"), address_out("addr"), pointer("addrlen")}},
    {"accept4", {fd("sockfd"), address_out("addr"), pointer("addrlen"), value("flags", T::socket_type)}},
    {"access", {path("pathname"), value("mode", T::access_mode)}},
    {"bind", {fd("sockfd"), address_in("addr"), value("addrlen", T::unsigned_integer)}},
    {"clone",
     {value("flags", T::clone_flags), pointer("stack"), pointer("parent_tid"), pointer("child_tid"), pointer("tls")}},
    {"clone3", {{"cl_args", T::clone_args, EVENTS_CAPTURE_CLONE_ARGS}, value("size", T::unsigned_integer)}},
    {"close", {fd("fd")}},
    {"connect", {fd("sockfd"), address_in("addr"), value("addrlen", T::unsigned_integer)}},
    {"creat", {path("pathname"), value("mode", T::octal_mode)}},
    {"delete_module", {path("name"), value("flags", T::hex)}},
    {"dup", {fd("oldfd")}},
    {"dup2", {fd("oldfd"), fd("newfd")}},
    {"dup3", {fd("oldfd"), fd("newfd"), value("flags", T::open_flags)}},
    {"execve", {path("pathname"), argv("argv"), pointer("envp")}},
    {"execveat", {fd("dirfd"), path("pathname"), argv("argv"), pointer("envp"), value("flags", T::at_flags)}},
    {"exit", {value("status", T::signed_integer)}, false},
    {"exit_group", {value("status", T::signed_integer)}, false},
    {"faccessat", {fd("dirfd"), path("pathname"), value("mode", T::access_mode)}},
    {"faccessat2", {fd("dirfd"), path("pathname"), value("mode", T::access_mode), value("flags", T::at_flags)}},
    {"finit_module", {fd("fd"), path("param_values"), value("flags", T::hex)}},
    {"fork", {}},
    {"fstat", {fd("fd"), pointer("statbuf")}},
    {"getdents", {fd("fd"), pointer("dirp"), value("count", T::unsigned_integer)}},
    {"getdents64", {fd("fd"), pointer("dirp"), value("count", T::unsigned_integer)}},
    {"getsockname", {fd("sockfd"), address_out("addr"), pointer("addrlen")}},
    {"init_module", {pointer("module_image"), value("len", T::unsigned_integer), path("param_values")}},
    {"ioctl", {fd("fd"), value("request", T::hex), pointer("arg")}},
    {"kill", {value("pid", T::signed_integer), value("sig", T::signal)}},
    {"listen", {fd("sockfd"), value("backlog", T::signed_integer)}},
    {"lstat", {path("pathname"), pointer("statbuf")}},
    {"memfd_create", {path("name"), value("flags", T::hex)}},
    {"mknod", {path("pathname"), value("mode", T::octal_mode), value("dev", T::hex)}},
    {"mknodat", {fd("dirfd"), path("pathname"), value("mode", T::octal_mode), value("dev", T::hex)}},
    {"mmap",
     {pointer("addr"), value("length", T::unsigned_integer), value("prot", T::mmap_prot), value("flags", T::mmap_flags),
      fd("fd"), value("offset", T::hex)}},
    {"mprotect", {pointer("addr"), value("len", T::unsigned_integer), value("prot", T::mmap_prot)}},
    {"newfstatat", {fd("dirfd"), path("pathname"), pointer("statbuf"), value("flags", T::at_flags)}},
    {"open", {path("pathname"), value("flags", T::open_flags), value("mode", T::octal_mode)}},
    {"openat", {fd("dirfd"), path("pathname"), value("flags", T::open_flags), value("mode", T::octal_mode)}},
    {"prctl",
     {value("option", T::prctl_option), value("arg2", T::hex), value("arg3", T::hex), value("arg4", T::hex),
      value("arg5", T::hex)}},
    {"process_vm_readv",
     {value("pid", T::signed_integer), pointer("local_iov"), value("liovcnt", T::unsigned_integer),
      pointer("remote_iov"), value("riovcnt", T::unsigned_integer), value("flags", T::hex)}},
    {"process_vm_writev",
     {value("pid", T::signed_integer), pointer("local_iov"), value("liovcnt", T::unsigned_integer),
      pointer("remote_iov"), value("riovcnt", T::unsigned_integer), value("flags", T::hex)}},
    {"ptrace",
     {value("request", T::ptrace_request), value("pid", T::signed_integer), pointer("addr"), pointer("data")}},
    {"read", {fd("fd"), pointer("buf"), value("count", T::unsigned_integer)}},
    {"socket",
     {value("domain", T::address_family), value("type", T::socket_type), value("protocol", T::signed_integer)}},
    // i386 only (its C libraries' older way to every socket call): the arguments are in memory
    // at `args`, not read, so its socket addresses are not shown (README).
    {"socketcall", {value("call", T::socketcall_call), pointer("args")}},
    {"stat", {path("pathname"), pointer("statbuf")}},
    {"statx", {fd("dirfd"), path("pathname"), value("flags", T::at_flags), value("mask", T::hex), pointer("statxbuf")}},
    {"symlink", {path("target"), path("linkpath")}},
    {"symlinkat", {path("target"), fd("newdirfd"), path("linkpath")}},
    {"vfork", {}},
    {"write", {fd("fd"), pointer("buf"), value("count", T::unsigned_integer)}},
};

// The sets of event=, sorted (a unit test keeps them so). read and write are in none: they
// are reported only when named.
const std::vector<std::string> k_fs_set = {
    "access",     "close",    "creat",      "dup",   "dup2",  "dup3",         "faccessat", "faccessat2",
    "fstat",      "getdents", "getdents64", "ioctl", "lstat", "memfd_create", "mknod",     "mknodat",
    "newfstatat", "open",     "openat",     "stat",  "statx", "symlink",      "symlinkat",
};
const std::vector<std::string> k_net_set = {"accept",      "accept4", "bind",   "connect",
                                            "getsockname", "listen",  "socket", "socketcall"};
const std::vector<std::string> k_proc_set = {
    "clone",
    "clone3",
    "delete_module",
    "execve",
    "execveat",
    "finit_module",
    "fork",
    "init_module",
    "kill",
    "mmap",
    "mprotect",
    "prctl",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "sched_process_exec",
    "sched_process_exit",
    "vfork",
};

// The 32-bit ABI's syscalls decoded by the schema of another name (find_compat_syscall_schema),
// sorted by name; "" for none.
struct CompatSchema {
    std::string_view compat_name;
    std::string_view schema;
};
constexpr CompatSchema k_compat_schemas[] = {
    {"fstat64", "fstat"}, {"fstatat64", "newfstatat"},
    {"lstat64", "lstat"}, {"mmap", ""},  // old_mmap: one pointer to the six arguments
    {"mmap2", "mmap"},    {"stat64", "stat"},
};
static_assert(std::ranges::is_sorted(k_compat_schemas, {}, &CompatSchema::compat_name));

// The name of the schema of the 32-bit syscall `compat_name`: the syscall's own name unless
// k_compat_schemas says otherwise.
std::string_view compat_schema_name(std::string_view compat_name) {
    const auto found =
        std::lower_bound(std::begin(k_compat_schemas), std::end(k_compat_schemas), compat_name,
                         [](const CompatSchema& entry, std::string_view key) { return entry.compat_name < key; });
    return found != std::end(k_compat_schemas) && found->compat_name == compat_name ? found->schema : compat_name;
}

}  // namespace

const std::vector<SyscallSchema>& syscall_schemas() { return k_schemas; }

const SyscallSchema* find_compat_syscall_schema(std::string_view compat_name) {
    const std::string_view schema = compat_schema_name(compat_name);
    return schema.empty() ? nullptr : find_syscall_schema(schema);
}

const SyscallSchema* find_syscall_schema(std::string_view name) {
    const auto found =
        std::lower_bound(k_schemas.begin(), k_schemas.end(), name,
                         [](const SyscallSchema& schema, std::string_view key) { return schema.name < key; });
    return found != k_schemas.end() && found->name == name ? &*found : nullptr;
}

std::uint32_t capture_bits(const SyscallSchema* schema) {
    if (!schema) {
        return 0;
    }
    std::uint32_t bits = schema->returns ? 0 : EVENTS_CAPTURE_NORETURN;
    // An execve's record wakes the reader at once, as an exec does: the reader asks cradled
    // for the container while its workload runs.
    if (schema->name == "execve" || schema->name == "execveat") {
        bits |= EVENTS_CAPTURE_URGENT;
    }
    for (std::size_t i = 0; i < schema->arguments.size() && i < EVENTS_ARGS; ++i) {
        bits |= static_cast<std::uint32_t>(schema->arguments[i].capture) << (i * EVENTS_CAPTURE_BITS);
    }
    return bits;
}

std::optional<std::vector<std::string>> event_set(std::string_view set) {
    if (set == "fs") {
        return k_fs_set;
    }
    if (set == "net") {
        return k_net_set;
    }
    if (set == "proc") {
        return k_proc_set;
    }
    if (set == "default") {
        std::vector<std::string> events = k_fs_set;
        events.insert(events.end(), k_net_set.begin(), k_net_set.end());
        events.insert(events.end(), k_proc_set.begin(), k_proc_set.end());
        events.emplace_back(k_capability_event);
        std::sort(events.begin(), events.end());
        return events;
    }
    return std::nullopt;
}

SyscallNames SyscallNames::native() {
    const std::string arch = native_arch();
    const std::optional<std::string> compat = compat_arch(arch);
    std::vector<std::string> names(EVENTS_SYSCALL_SLOTS);
    std::vector<std::string> compat_names(EVENTS_SYSCALL_SLOTS);
    for (std::uint32_t number = 0; number < names.size(); ++number) {
        if (auto name = syscall_name(arch, static_cast<int>(number))) {
            names[number] = *name;
        }
        if (compat) {
            if (auto name = syscall_name(*compat, static_cast<int>(number))) {
                compat_names[number] = *name;
            }
        }
    }
    return SyscallNames(std::move(names), std::move(compat_names));
}

SyscallNames::SyscallNames(std::vector<std::string> names, std::vector<std::string> compat_names)
    : m_names(std::move(names)), m_compat_names(std::move(compat_names)) {}

bool SyscallNames::has_compat(std::uint32_t number) const {
    return number < m_compat_names.size() && !m_compat_names[number].empty();
}

std::string SyscallNames::name(std::uint32_t number) const {
    if (number < m_names.size() && !m_names[number].empty()) {
        return m_names[number];
    }
    return "syscall_" + std::to_string(number);
}

std::string SyscallNames::compat_name(std::uint32_t number) const {
    if (number < m_compat_names.size() && !m_compat_names[number].empty()) {
        return m_compat_names[number];
    }
    return "syscall_" + std::to_string(number);
}

std::optional<std::uint32_t> SyscallNames::number(std::string_view name) const {
    for (std::uint32_t number = 0; number < m_names.size(); ++number) {
        if (m_names[number] == name) {
            return number;
        }
    }
    return std::nullopt;
}

Result<SyscallSelection> select_syscalls(const SyscallNames& names, const std::vector<std::string>& wanted, bool all) {
    SyscallSelection selection{std::vector<bool>(EVENTS_SYSCALL_SLOTS, all),
                               std::vector<bool>(EVENTS_SYSCALL_SLOTS, false)};
    std::vector<bool> found(wanted.size(), false);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (const auto number = names.number(wanted[i]); number && *number < EVENTS_SYSCALL_SLOTS) {
            selection.native[*number] = true;
            found[i] = true;
        }
    }
    for (std::uint32_t number = 0; number < EVENTS_SYSCALL_SLOTS; ++number) {
        if (!names.has_compat(number)) {
            continue;
        }
        const std::string name = names.compat_name(number);
        const std::string_view schema = compat_schema_name(name);
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            if (wanted[i] == name || wanted[i] == schema) {
                selection.compat[number] = true;
                found[i] = true;
            }
        }
        selection.compat[number] = selection.compat[number] || all;
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (!found[i]) {
            return Error{EINVAL, "no syscall \"" + wanted[i] + "\" on this architecture"};
        }
    }
    return selection;
}

}  // namespace cradle
