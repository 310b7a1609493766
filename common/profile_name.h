// Profile names: turning the attacker-set annotation `io.cradle.profile=<name>` into a file name.
//
// Pod authors set annotations, so the raw value is hostile until checked. A profile name is a
// name, never a path: the collector writes `<name>.tracefile` and `<name>.seccomp.json` beneath
// the output directory the administrator chose, and nothing in the name may steer it elsewhere.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cradle {

// Longest raw value, and longest expanded name, accepted (bytes).
inline constexpr std::size_t k_max_profile_name_length = 128;

// Checks `raw` and expands its strftime tokens for the time `when` (UTC, C locale).
//
// Allowed in `raw`: ASCII letters, digits, '.', '_', '-', and these tokens, each of whose output
// is only [A-Za-z0-9]:
//   %Y %y %C %G %g  year, two-digit year, century, ISO-week year, two-digit ISO-week year
//   %m %d %j        month, day of month, day of year (zero padded)
//   %H %I %M %S     hour (24h), hour (12h), minute, second (zero padded)
//   %U %V %W        week of the year: Sunday-based, ISO 8601, Monday-based
//   %u %w           weekday number: 1..7 from Monday, 0..6 from Sunday
//   %a %A %b %B %h  weekday and month names, abbreviated or full (%h is %b)
//   %p              AM or PM
//   %s              seconds since the epoch (`when` itself)
// Every other conversion is refused: %e %k %l pad with a space, %n %t %c %D %F %T %R %r %x %X
// %Z %z %P %+ produce separators, '/' or ':', %% produces '%', and a lone trailing '%' has no
// meaning.
//
// Refused: an empty value; more than k_max_profile_name_length bytes; a leading '.' or '-';
// '/' or ".." anywhere; control, non-ASCII or any other byte. The expanded name is checked again
// against the same rules (a year before 0 would expand to a leading '-').
//
// Returns the expanded name, or an Error with code EINVAL and the message
// `profile name "<value>": <reason>`, where <value> is printable_value(raw).
Result<std::string> expand_profile_name(std::string_view raw, std::time_t when);

// A byte a profile name may hold: an ASCII letter or digit, '.', '_' or '-'.
bool is_profile_name_byte(unsigned char c);

// Makes an untrusted value safe to quote in a log line: bytes below 0x20, 0x7f and above become
// \xNN, '"' and '\' are escaped with a backslash so the quotes around the value stay the
// boundary, and the result is cut to at most `max_length` characters (never inside an escape)
// with "..." appended when anything was cut. A 4 KiB value or an embedded newline cannot flood or
// forge log lines.
std::string printable_value(std::string_view raw, std::size_t max_length = 64);

}  // namespace cradle
