// Writing a recording into the output directory: <name>.tracefile, <name>.seccomp.json,
// <name>.capabilities.json and <name>.trace.json.
#pragma once

#include <string>

#include "common/result.h"
#include "common/safe_file.h"
#include "profilegen/recording.h"
#include "profilegen/trace_json.h"

namespace cradle {

inline constexpr const char* k_tracefile_suffix = ".tracefile";
inline constexpr const char* k_seccomp_suffix = ".seccomp.json";
inline constexpr const char* k_capabilities_suffix = ".capabilities.json";
inline constexpr const char* k_trace_json_suffix = ".trace.json";
inline constexpr std::size_t k_max_tracefile_size = 4 << 20;

struct StoredProfile {
    std::string tracefile;  // file names inside the directory
    std::string seccomp_profile;
    std::string capability_profile;
    std::string trace_json;
    Recording merged;               // what the files now hold
    bool replaced_symlink = false;  // a symbolic link stood where the tracefile goes
};

// Merges `recording` into what `<name>.tracefile` in `directory_fd` already holds (a union:
// containers with the same name share one profile), then writes the seccomp profile and the
// tracefile, each atomically, and beside them the capability profile (capability_profile.h)
// and the JSON tracefile (render_trace_json with `environment`), all of the merged recording.
// `name` must be a checked profile name (common/profile_name.h). Nothing is written when the
// merged recording cannot have come from a real run (check_real_run's message), the seccomp
// profile does not compile, or the existing tracefile cannot be read or parsed: the caller keeps
// its recording and may retry. A symbolic link in the directory is never followed: it is
// replaced. `sync` as for write_files_atomically.
Result<StoredProfile> store_recording(int directory_fd, const std::string& name, const Recording& recording,
                                      const std::string& header_comment, const TraceEnvironment& environment = {},
                                      DirectorySync sync = DirectorySync::now);

}  // namespace cradle
