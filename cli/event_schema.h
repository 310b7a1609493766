// The events `cradle events` knows: per syscall, its arguments' names (as the man pages name
// them), how each reads (ArgumentType) and what the kernel side captures of it; the event sets
// of `--trace event=`.
//
// The kernel side is driven by this table: the reader turns each syscall's captures into the
// event programs' syscall_capture setting (bpf/events_abi.h), so what a record holds and how it
// is named come from one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/event.h"
#include "common/result.h"
#include "events_abi.h"

namespace cradle {

struct ArgumentSchema {
    std::string_view name;
    ArgumentType type = ArgumentType::hex;
    events_capture capture = EVENTS_CAPTURE_VALUE;
};

struct SyscallSchema {
    std::string_view name;  // libseccomp's name
    std::vector<ArgumentSchema> arguments;
    bool returns = true;  // false: exit and exit_group, reported at entry
};

// Every syscall with a schema, sorted by name.
const std::vector<SyscallSchema>& syscall_schemas();

// The schema of syscall `name`, or nullptr when it has none: its arguments are then reported
// raw, as arg0..arg5 in hex.
const SyscallSchema* find_syscall_schema(std::string_view name);

// The schema a syscall of the 32-bit ABI a 64-bit kernel also runs (x86's i386) is decoded by,
// by its name on that ABI: the native syscall of the same name, or of the one it takes the
// arguments of (stat64 is stat, fstatat64 newfstatat, mmap2 mmap: its offset counts pages).
// nullptr when there is none, or when the syscall shares a name but not the arguments (i386's
// mmap takes a pointer to them): its arguments are then reported raw.
const SyscallSchema* find_compat_syscall_schema(std::string_view compat_name);

// What the kernel side captures of each argument, packed as syscall_capture wants it
// (EVENTS_CAPTURE_BITS per argument, EVENTS_CAPTURE_NORETURN, EVENTS_CAPTURE_URGENT for execve
// and execveat). 0 for nullptr.
std::uint32_t capture_bits(const SyscallSchema* schema);

// The names of the other events.
inline constexpr std::string_view k_capability_event = "cap_capable";
inline constexpr std::string_view k_exec_event = "sched_process_exec";
inline constexpr std::string_view k_exit_event = "sched_process_exit";

// The events of a set: "fs", "net", "proc" (syscall names and, for proc, sched_process_exec
// and sched_process_exit), and "default": the three and cap_capable, what `cradle events`
// reports without event=. nullopt for any other name. ("all" is every syscall and event, which
// no list holds.)
std::optional<std::vector<std::string>> event_set(std::string_view set);

// The syscalls of one architecture by number, with their schemas.
class SyscallNames {
public:
    // The native architecture's syscalls, from libseccomp (numbers 0..EVENTS_SYSCALL_SLOTS-1).
    static SyscallNames native();
    // A table of given names (tests): names[n] is syscall n's, "" for none; the same for the
    // 32-bit ABI in compat_names.
    explicit SyscallNames(std::vector<std::string> names, std::vector<std::string> compat_names = {});

    // Syscall `number`'s name; "syscall_<number>" for a number without one.
    std::string name(std::uint32_t number) const;
    // The same on the 32-bit ABI a 64-bit architecture also runs (x86 on x86_64);
    // "syscall_<number>" where there is none.
    std::string compat_name(std::uint32_t number) const;
    // Its number, or nullopt when this architecture has no syscall of that name.
    std::optional<std::uint32_t> number(std::string_view name) const;
    // Whether the 32-bit ABI has a syscall `number`.
    bool has_compat(std::uint32_t number) const;

private:
    std::vector<std::string> m_names;
    std::vector<std::string> m_compat_names;
};

// The syscalls event=LIST names, by number on each ABI (EVENTS_SYSCALL_SLOTS each): a name
// selects the native syscall of that name, and the 32-bit syscalls of that name or whose
// schema has it (stat selects i386's stat and stat64). `all`: every syscall of both.
struct SyscallSelection {
    std::vector<bool> native;
    std::vector<bool> compat;
};

// Fails (EINVAL) on a name that neither ABI has.
Result<SyscallSelection> select_syscalls(const SyscallNames& names, const std::vector<std::string>& wanted, bool all);

}  // namespace cradle
