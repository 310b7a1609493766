// Recordings named by path, as a user names them: tracefiles and directories of them, read and
// merged, and the seccomp profile that goes with them. (The collector's own output directory
// goes through profilegen/profile_store.h.)
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "profilegen/recording.h"
#include "profilegen/seccomp_profile.h"

namespace cradle {

// The tracefiles `inputs` name, in order: a path that is not a directory names itself; a
// directory names every `*.tracefile` directly in it but hidden ones (".web.tracefile" is an
// unfinished atomic write), sorted. Fails with the errno of a path that cannot be read, or
// ENOENT for a directory without tracefiles; messages read `input "<path>": <reason>`.
Result<std::vector<std::string>> expand_tracefile_inputs(const std::vector<std::string>& inputs);

// Reads the tracefile at `path` as it is (parse_tracefile; nothing implied is added). Fails when
// it cannot be read (its errno) or does not parse (EINVAL); messages read `"<path>": <reason>`.
Result<Recording> read_tracefile(const std::string& path);

// Reads the tracefiles at `paths` and merges them in order (merge_into), then adds the implied
// syscalls (add_implied_syscalls), which tracefiles of other tools, or older ones, lack. Fails
// on the first that cannot be read (its errno) or does not parse (EINVAL, parse_tracefile's
// message); messages read `"<path>": <reason>`.
Result<Recording> read_merged_recording(const std::vector<std::string>& paths);

// The seccomp profile the collector wrote beside the one tracefile in `tracefiles`:
// `<name>.seccomp.json` for `<name>.tracefile`, in the same directory. Fails with EINVAL when
// `tracefiles` holds more or less than one path ("2 recordings merged have ..."), or its name does
// not end in ".tracefile"; with ENOENT (or stat's errno) when the profile is not there. The
// messages say which file is missing, for the caller to add what the user can do about it.
Result<std::string> seccomp_profile_beside(const std::vector<std::string>& tracefiles);

// Writes `content` at `path`, atomically, mode 0644, creating the missing directories above it
// (open_output_directory). Errors come from those functions, with their messages.
Result<void> write_output_file(const std::string& path, const std::string& content);

// Writes the seccomp profile of `recording` (render_seccomp_profile, answering `refusal`) at `path`, atomically,
// mode 0644, creating the missing directories above it (open_output_directory). Nothing is
// written when the profile does not compile. Errors come from those functions, with their
// messages.
Result<void> write_seccomp_profile(const std::string& path, const Recording& recording,
                                   RefusalErrno refusal = RefusalErrno::eperm);

// Writes `recording` as a tracefile (render_tracefile with `header_comment`) at `path`,
// atomically, mode 0644, creating the missing directories above it (open_output_directory).
// Errors come from those functions, with their messages.
Result<void> write_tracefile(const std::string& path, const Recording& recording, const std::string& header_comment);

}  // namespace cradle
