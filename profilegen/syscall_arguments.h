// The syscalls whose arguments a profile filters on (the kernel side's enum
// cradle_argument_syscall), their values as a tracefile writes them, and the argument filters
// a seccomp profile gets from a Recording's ARGUMENTS.
//
//   socket       the address family (argument 0): "AF_INET", or a number for one unnamed here
//   clone        the namespace flags (CLONE_NEWNS ... CLONE_NEWNET) of its flags (argument 0)
//   clone3       the same, and CLONE_NEWTIME, of clone_args.flags (in user memory)
//   unshare      the same as clone3, of its flags (argument 0)
//   personality  the persona (argument 0), in hexadecimal: "0x0", "0xffffffff"
//
// Rules, as Docker's default profile has them (conditions of one rule hold together, rules of
// one syscall allow on their own): socket and personality, one rule a value seen, argument 0
// equal to it; clone and unshare, one rule allowing every namespace flag seen and no other
// (argument 0 masked with the flags not seen is 0), so a call combining flags that were seen
// in separate calls is allowed too; clone3, whose flags a filter cannot read, stays allowed as
// it is when it created namespaces, and else is answered ENOSYS, on which C libraries fall
// back to clone (and clone then allows what clone3 did: no namespace flag). A syscall with no
// recorded values, or one of whose values was not kept (`any`), is allowed with any argument:
// a profile never refuses what the workload did.
#pragma once

#include <seccomp.h>

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "cradle_abi.h"
#include "profilegen/recording.h"

namespace cradle {

// What a recorded value of a syscall stands for.
enum class ArgumentKind {
    family,      // socket: an address family
    namespaces,  // clone, clone3, unshare: one namespace flag a value
    persona,     // personality: a persona
};

struct ArgumentSyscall {
    cradle_argument_syscall which;
    std::string_view name;  // libseccomp's name: "socket"
    ArgumentKind kind;
    std::uint64_t namespaces;  // ArgumentKind::namespaces: every namespace flag the syscall takes
};

// Every syscall of enum cradle_argument_syscall, in its order.
std::span<const ArgumentSyscall> argument_syscalls();

// The syscall named `name`, or nullptr when its arguments are not recorded.
const ArgumentSyscall* find_argument_syscall(std::string_view name);

// The number of `syscall` on `arch` as the kernel side sees it made (the number a recording
// names it by: x86's socket is 359, which libseccomp resolves to socketcall's pseudo number), or
// -1 when it has none below CRADLE_SYSCALL_SLOTS there. The collector gives these to the
// kernel side.
int argument_syscall_number(const std::string& arch, const ArgumentSyscall& syscall);

// The namespace flags, by name, sorted ("CLONE_NEWCGROUP" ... "CLONE_NEWUTS").
struct NamedValue {
    std::string_view name;
    std::uint64_t value;
};
std::span<const NamedValue> namespace_flag_names();
// The address families with a name here, sorted by name ("AF_ALG" ... "AF_XDP"); numbers from
// <sys/socket.h>, one name each (AF_UNIX, not AF_LOCAL or AF_FILE).
std::span<const NamedValue> address_family_names();

// `value` as an ARGUMENTS line writes it for `syscall`: "AF_INET" or "45" (family),
// "CLONE_NEWNET" (namespaces; any other value in hexadecimal), "0x20008" (persona).
std::string argument_value_text(const ArgumentSyscall& syscall, std::uint64_t value);

// The words of an ARGUMENTS line that are not a value: a syscall of `namespaces` kind made
// without a namespace flag ("clone none"), and a syscall one of whose values was not kept
// ("unshare any": made with any value).
inline constexpr std::string_view k_argument_none = "none";
inline constexpr std::string_view k_argument_any = "any";

// `arguments` (a Recording's ARGUMENTS) as "syscall value" lines, without their newlines, in the
// order a tracefile writes them: by syscall name; for each, its values by number
// (argument_value_text; in decimal for a syscall not in argument_syscalls()), k_argument_none
// when it has no value and not `any`, and k_argument_any last when a value was not kept. The
// tracefile writer and `cradle diff` both use it, so a diff names what the file says.
std::vector<std::string> argument_lines(const std::map<std::string, ArgumentValues>& arguments);

// The reverse: a name of the syscall's kind, or a number (decimal, or hexadecimal after "0x").
// Fails (code EINVAL) on anything else, on a family above 63 or a persona above 0xffffffff
// (the kernel side keeps neither), and for namespaces on anything but one flag the syscall
// takes.
Result<std::uint64_t> parse_argument_value(const ArgumentSyscall& syscall, std::string_view text);

// One condition on an argument, as libseccomp's struct scmp_arg_cmp and an OCI profile's
// "args" entry: for SCMP_CMP_MASKED_EQ, `value` is the mask and `value_two` what the masked
// argument must equal.
struct ArgumentCondition {
    unsigned index = 0;
    scmp_compare op = SCMP_CMP_EQ;
    std::uint64_t value = 0;
    std::uint64_t value_two = 0;

    bool operator==(const ArgumentCondition&) const = default;
    auto operator<=>(const ArgumentCondition&) const = default;
};

// A rule allowing `syscall` when every condition holds.
struct ConditionalAllow {
    std::string syscall;
    std::vector<ArgumentCondition> conditions;

    bool operator==(const ConditionalAllow&) const = default;
};

// How a profile of `recording` treats the syscalls whose arguments it filters.
struct ArgumentFilters {
    std::set<std::string> conditional;    // allowed by `allow` only, not by the plain allow-list
    std::vector<ConditionalAllow> allow;  // sorted by syscall, then by conditions
    std::set<std::string> enosys;         // made, but answered ENOSYS so the caller falls back
};

// The argument filters of `recording` (rules in the header comment). Only syscalls of
// `recording.syscalls` get any, except clone, which gets its rule when clone3 is answered
// ENOSYS (its fallback).
ArgumentFilters argument_filters(const Recording& recording);

}  // namespace cradle
