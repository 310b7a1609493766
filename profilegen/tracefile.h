// The tracefile: a Recording as text, one name a line, in sections.
//
//     # Cradle tracefile (comment lines start with '#', blank lines separate sections)
//     ARCH
//     x86_64
//
//     CAPABILITIES
//     chown
//
//     SYSCALLS
//     execve
//     read
//
// ARCH, CAPABILITIES and SYSCALLS are always present; COMPAT_SYSCALLS, DENIED_CAPABILITIES,
// PROBED_CAPABILITIES, RUNTIME_SYSCALLS, IMPLIED_SYSCALLS, COMPAT_IMPLIED_SYSCALLS, SETUP_SYSCALLS,
// ARGUMENTS, RUNTIMES, COUNTERS ("name value" lines) and INCOMPLETE (one free-text reason a line) follow only
// when they have entries. The format is the one ctrace writes, so its files read here too; ctrace
// skips the sections it does not know, and an ARGUMENTS line starts with a lower-case syscall name,
// which no section header there does.
//
// ARGUMENTS has a "syscall value" line for each value a syscall of
// profilegen/syscall_arguments.h was made with (through either ABI), sorted by syscall, then by
// number, "any" last:
//
//     ARGUMENTS
//     clone none                  (made, never with a namespace flag)
//     clone3 any                  (a value was not kept: made with any)
//     personality 0xffffffff
//     socket AF_INET
//     socket AF_UNIX
//     unshare CLONE_NEWUTS
//
// RUNTIMES has a line for each runtime that created a container recorded, with what drove it
// (common/container_runtime.h's runtime_to_line; a member not known is left out), sorted:
//
//     RUNTIMES
//     name=runc path=/usr/sbin/runc manager=podman
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// The tracefile text of `recording`, sections in the order above, entries sorted.
// `header_comment` becomes leading comment lines, each prefixed "# " (no header when empty);
// a newline in it cannot start a line that is not a comment.
// Reasons are written on one line each: line breaks inside a reason become spaces, surrounding
// whitespace goes, an empty reason becomes "(no reason given)", and one that would read back as
// something else (a comment, a section header) is prefixed "reason: ". Names are written as
// they are; parse_tracefile rejects names outside [a-z0-9_]+, so a Recording built from
// libseccomp and libcap names (and single-line reasons) round-trips exactly.
std::string render_tracefile(const Recording& recording, const std::string& header_comment);

// Reads a tracefile. Lines are trimmed of surrounding whitespace; blank lines and lines
// starting with '#' are skipped. A line of [A-Z_]+ not starting with "CAP_" begins a section;
// sections Cradle does not know are skipped, so newer files still read. A section given twice
// adds to the first. Names are [a-z0-9_]+; in the capability sections "CAP_CHOWN" and
// "cap_chown" are also accepted and read as "chown" (a bare "CHOWN" looks like a section header
// and reads as one). A COUNTERS line is "name value" with a decimal value that fits 64 bits,
// each name once.
// A file that lists a compat architecture without a COMPAT_SYSCALLS section (from an older
// Cradle, or ctrace) reads as split_single_allow_list makes it: its SYSCALLS held on every
// listed architecture.
// Fails (code EINVAL) on an entry before the first section, an invalid name or a bad COUNTERS
// line, with the line number and the line quoted: `line 7: invalid syscall name "Read"`.
// An ARGUMENTS line is "syscall value", the value as parse_argument_value reads it, "any", or
// (for clone, clone3 and unshare) "none"; one for a syscall this version does not filter is
// skipped, as that syscall is allowed with any argument. A RUNTIMES line is read by
// runtime_from_line (keys it does not know skipped); one it refuses is an error.
Result<Recording> parse_tracefile(std::string_view text);

}  // namespace cradle
