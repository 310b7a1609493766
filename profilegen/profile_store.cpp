#include "profilegen/profile_store.h"

#include "common/safe_file.h"
#include "profilegen/capability_profile.h"
#include "profilegen/real_run.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/tracefile.h"

namespace cradle {

Result<StoredProfile> store_recording(int directory_fd, const std::string& name, const Recording& recording,
                                      const std::string& header_comment, const TraceEnvironment& environment,
                                      DirectorySync sync) {
    StoredProfile stored;
    stored.tracefile = name + k_tracefile_suffix;
    stored.seccomp_profile = name + k_seccomp_suffix;
    stored.capability_profile = name + k_capabilities_suffix;
    stored.trace_json = name + k_trace_json_suffix;
    stored.merged = recording;

    auto existing_text = read_file_beneath(directory_fd, stored.tracefile, k_max_tracefile_size);
    if (existing_text) {
        auto existing = parse_tracefile(*existing_text);
        if (!existing) {
            return with_context(existing.error(), "merging with \"" + stored.tracefile + "\"");
        }
        merge_into(stored.merged, *existing);
    } else if (existing_text.error().code == ELOOP) {
        stored.replaced_symlink = true;
    } else if (existing_text.error().code != ENOENT) {
        return with_context(existing_text.error(), "merging with \"" + stored.tracefile + "\"");
    }

    if (auto real = check_real_run(stored.merged); !real) {
        return with_context(real.error(), "building \"" + stored.seccomp_profile + "\"");
    }
    auto seccomp = render_seccomp_profile(stored.merged);
    if (!seccomp) {
        return with_context(seccomp.error(), "building \"" + stored.seccomp_profile + "\"");
    }
    auto capabilities = render_capability_profile(stored.merged);
    if (!capabilities) {
        return with_context(capabilities.error(), "building \"" + stored.capability_profile + "\"");
    }
    auto trace_json = render_trace_json(stored.merged, environment);
    if (!trace_json) {
        return with_context(trace_json.error(), "building \"" + stored.trace_json + "\"");
    }
    const std::string tracefile = render_tracefile(stored.merged, header_comment);
    // The profiles first: a tracefile is never newer than the profiles made from it.
    const FileContent files[] = {{stored.seccomp_profile, *seccomp, 0644},
                                 {stored.capability_profile, *capabilities, 0644},
                                 {stored.trace_json, *trace_json, 0644},
                                 {stored.tracefile, tracefile, 0644}};
    if (auto written = write_files_atomically(directory_fd, files, sync); !written) {
        return written.error();
    }
    return stored;
}

}  // namespace cradle
