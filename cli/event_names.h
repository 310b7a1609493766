// Names of the numbers in syscall arguments and return values, for `cradle events`.
//
// Each function gives the name of one value or nullptr when it has none, so a caller prints an
// unknown value as a number instead of failing. errno and signal names come from the C library
// (strerrorname_np, sigabbrev_np), capability names from libcap; the rest are tables built from
// the C library's own macros, sorted at compile time. Flag sets (open flags, PROT_*, ...) are
// ordered lists of bits, see FlagName.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace cradle {

// "ENOENT" for 2; nullptr for 0, negative numbers and numbers the C library has no name for.
const char* errno_name(int number);

// "SIGKILL" for 9; "SIGRTMIN", "SIGRTMIN+3" for the kernel's real-time signals 32..64 (numbered
// from the kernel's SIGRTMIN, 32, not the C library's, which reserves two); nullptr otherwise.
// `out` must hold at least 16 characters; the returned pointer is `out` or a static string.
const char* signal_name(int number, char (&out)[16]);

// "CAP_SYS_ADMIN" for 21, as libcap names it, in upper case; nullptr for numbers libcap does not
// know. The names are read from libcap once, on the first call (thread-safe).
const char* capability_constant(int number);

// "AF_INET" for 2 (AF_UNIX, not its aliases AF_LOCAL and AF_FILE); nullptr when unknown.
const char* address_family_name(std::uint64_t family);

// "SOCK_STREAM" for 1: the type part of a socket type (without SOCK_NONBLOCK/SOCK_CLOEXEC).
const char* socket_type_name(std::uint64_t type);

// "PR_SET_NO_NEW_PRIVS" for 38; nullptr when unknown.
const char* prctl_option_name(std::uint64_t option);

// "PTRACE_ATTACH" for 16; nullptr when unknown (requests of other architectures included).
const char* ptrace_request_name(std::uint64_t request);

// "SYS_CONNECT" for 3: i386 socketcall's call (linux/net.h); nullptr when unknown.
const char* socketcall_name(std::uint64_t call);

// One named flag: the value is printed as `name` when all of `bits` are set. Lists are in the
// order names are tried: a name whose bits hold another's comes first (O_TMPFILE before
// O_DIRECTORY), and each name takes its bits away from what the later ones see.
struct FlagName {
    std::uint64_t bits;
    const char* name;
};

std::span<const FlagName> open_flag_names();    // besides the access mode (O_ACCMODE)
std::span<const FlagName> access_mode_names();  // R_OK, W_OK, X_OK (F_OK is 0)
std::span<const FlagName> at_flag_names();
std::span<const FlagName> prot_names();         // PROT_NONE is 0
std::span<const FlagName> map_flag_names();     // besides the mapping type (MAP_TYPE)
std::span<const FlagName> clone_flag_names();   // besides the exit signal (CSIGNAL)
std::span<const FlagName> socket_flag_names();  // SOCK_NONBLOCK, SOCK_CLOEXEC

// A named value of a table sorted by value (prctl options, ptrace requests, ...), for tests.
struct ValueName {
    std::uint64_t value;
    const char* name;
};
std::span<const ValueName> address_family_table();
std::span<const ValueName> prctl_option_table();
std::span<const ValueName> ptrace_request_table();

}  // namespace cradle
