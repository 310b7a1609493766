// The text of an event's arguments and return value, as `cradle events` prints them.
//
// Pure functions of the values they are given: unknown values print as numbers (decimal, or hex
// for flag bits no name covers), nothing throws, and nothing is left out.
//
// Bytes from a task (strings from its memory, its command name, its hostname) are escaped so that
// the text is valid UTF-8 with no control characters, safe in a terminal and in a JSON string,
// and the original bytes can be read back from it:
//   - printable ASCII and valid UTF-8 characters stay as they are, except:
//   - `\` becomes `\\`; tab, newline and carriage return become `\t`, `\n`, `\r`;
//   - every other byte below 0x20, 0x7f, each byte of a C1 control (U+0080..U+009F), of a line or
//     paragraph separator (U+2028, U+2029) or of a bidirectional override (U+202A..U+202E,
//     U+2066..U+2069), and each byte that is not part of a valid UTF-8 character becomes `\xNN`.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "cli/event.h"

namespace cradle {

// Where escaped text goes. For `json_string` the result is also ready to stand between the
// quotes of a JSON string: each `\` of the text above is written `\\` and `"` is written `\"`.
enum class EscapeFor { text, json_string };

// Appends `bytes` to `out`, escaped as described above.
void append_escaped(std::string& out, std::string_view bytes, EscapeFor target = EscapeFor::text);

// Appends `value` to `out` in `base` (8, 10 or 16), without a prefix: 4096, -1, 7f12a000. The
// writers' numbers too, so that every number of a line is made the same way.
template <typename Integer>
void append_number(std::string& out, Integer value, int base = 10) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, base);
    out.append(buffer, end);
}

// Appends the text of `argument` to `out`, by its type:
//   signed_integer, unsigned_integer  decimal: -1, 4096
//   hex                               0x7f12a000 (0x0 for zero)
//   fd                                AT_FDCWD for -100, else decimal
//   octal_mode                        0644 (0 for zero)
//   user_string, kernel_string        the escaped string; "..." after it when truncated; NULL for
//                                     a null pointer, 0x7ffd... (unreadable) when it could not be read
//   user_string_array                 [ls -l /], elements escaped and separated by a space; "..."
//                                     as the last element when truncated
//   open_flags                        O_RDONLY|O_CLOEXEC: the access mode always comes first
//                                     (O_ACCMODE when both bits are set)
//   access_mode                       F_OK, or R_OK|W_OK|X_OK
//   at_flags, mmap_prot               AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW, PROT_READ|PROT_EXEC; 0
//                                     and PROT_NONE for zero
//   mmap_flags                        MAP_PRIVATE|MAP_ANONYMOUS, MAP_HUGE_2MB for the page size of
//                                     MAP_HUGETLB
//   clone_flags                       CLONE_VM|CLONE_FS|SIGCHLD: the low byte is the exit signal
//   address_family                    AF_INET
//   socket_type                       SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK
//   sockaddr (from `bytes`)           AF_INET 10.0.0.1:80, AF_INET6 [::1]:443 (%scope when set),
//                                     AF_UNIX /run/x.sock, AF_UNIX @abstract, AF_UNIX (unnamed),
//                                     AF_NETLINK pid 0 groups 0x1, else the family and the
//                                     remaining bytes in hex (AF_PACKET 0x0003...); "..." when
//                                     truncated; as for strings when unreadable
//   clone_args (from `bytes`)         its flags and exit signal as clone_flags writes them
//                                     (CLONE_VM|CLONE_VFORK|SIGCHLD); an exit signal that does
//                                     not fit their low byte (set already, or above 255) follows
//                                     by number (CLONE_VM|SIGCHLD|exit_signal=9); "..." after
//                                     the flags when the size stopped before exit_signal;
//                                     0x7ffd... (too short) when it stopped before the flags'
//                                     end; as for strings when unreadable
//   socketcall_call                   SYS_CONNECT, else decimal
//   signal                            SIGKILL, SIGRTMIN+2, else decimal (kill's 0 stays 0)
//   prctl_option, ptrace_request      PR_SET_NO_NEW_PRIVS, PTRACE_ATTACH, else decimal
//   capability                        CAP_SYS_ADMIN, else decimal
//   boolean                           true or false (any non-zero raw value is true)
// In flag sets, bits without a name follow the names as one hex number: O_RDONLY|0x40000000.
// Arguments the C ABI passes as int (flags, modes, fds, signals, ...) use the low 32 bits of `raw`.
void append_argument(std::string& out, const EventArgument& argument);

// append_argument into a new string.
std::string argument_text(const EventArgument& argument);

// Appends a syscall's return value: -ENOENT for -1..-4095 where the errno has a name, else decimal.
void append_return_value(std::string& out, std::int64_t value);

// The errno name of a syscall's return value ("ENOENT" for -2), or nullptr when the value is not
// an error (-4095..-1) with a name.
const char* return_value_error_name(std::int64_t value);

}  // namespace cradle
