#include "profilegen/recording_files.h"

#include <sys/stat.h>

#include <algorithm>

#include "common/directory.h"
#include "common/safe_file.h"
#include "common/text_file.h"
#include "profilegen/profile_store.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/tracefile.h"

namespace cradle {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<std::vector<std::string>> expand_input(const std::string& input) {
    struct stat status {};
    if (::stat(input.c_str(), &status) != 0) {
        return system_error("input \"" + input + "\"");
    }
    if (!S_ISDIR(status.st_mode)) {
        return std::vector<std::string>{input};
    }
    auto entries = list_directory(input);
    if (!entries) {
        return with_context(entries.error(), "input \"" + input + "\"");
    }
    std::vector<std::string> files;
    for (const DirectoryEntry& entry : *entries) {
        if (entry.name[0] != '.' && ends_with(entry.name, k_tracefile_suffix)) {
            files.push_back(input + "/" + entry.name);
        }
    }
    if (files.empty()) {
        return Error{ENOENT, "input \"" + input + "\": no *.tracefile in the directory"};
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

Result<std::vector<std::string>> expand_tracefile_inputs(const std::vector<std::string>& inputs) {
    std::vector<std::string> tracefiles;
    for (const std::string& input : inputs) {
        auto expanded = expand_input(input);
        if (!expanded) {
            return expanded.error();
        }
        tracefiles.insert(tracefiles.end(), expanded->begin(), expanded->end());
    }
    return tracefiles;
}

Result<Recording> read_tracefile(const std::string& path) {
    // read_text_file rather than a bounded read of a regular file: `cradle options <(...)`
    // hands over a pipe.
    auto text = read_text_file(path);
    auto recording = text ? parse_tracefile(*text) : Result<Recording>(text.error());
    if (!recording) {
        return with_context(recording.error(), "\"" + path + "\"");
    }
    return recording;
}

Result<Recording> read_merged_recording(const std::vector<std::string>& paths) {
    Recording merged;
    for (const std::string& path : paths) {
        auto recording = read_tracefile(path);
        if (!recording) {
            return recording.error();
        }
        merge_into(merged, *recording);
    }
    add_implied_syscalls(merged);
    return merged;
}

Result<std::string> seccomp_profile_beside(const std::vector<std::string>& tracefiles) {
    if (tracefiles.size() != 1) {
        return Error{EINVAL,
                     std::to_string(tracefiles.size()) + " recordings merged have no seccomp profile of their own"};
    }
    const std::string& only = tracefiles.front();
    if (!ends_with(only, k_tracefile_suffix)) {
        return Error{EINVAL, "\"" + only + "\" is not named <name>" + k_tracefile_suffix +
                                 ", so it has no seccomp profile beside it"};
    }
    const std::string profile = only.substr(0, only.size() - std::string(k_tracefile_suffix).size()) + k_seccomp_suffix;
    struct stat status {};
    if (::stat(profile.c_str(), &status) != 0) {
        const int code = errno;
        return Error{code, "no seccomp profile \"" + profile + "\" beside the tracefile"};
    }
    return profile;
}

Result<void> write_output_file(const std::string& path, const std::string& content) {
    const std::size_t slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    auto directory_fd = open_output_directory(directory);
    if (!directory_fd) {
        return directory_fd.error();
    }
    return write_file_atomically(directory_fd->get(), path.substr(slash + 1), content, 0644);
}

Result<void> write_seccomp_profile(const std::string& path, const Recording& recording, RefusalErrno refusal) {
    auto profile = render_seccomp_profile(recording, refusal);
    if (!profile) {
        return profile.error();
    }
    return write_output_file(path, *profile);
}

Result<void> write_tracefile(const std::string& path, const Recording& recording, const std::string& header_comment) {
    return write_output_file(path, render_tracefile(recording, header_comment));
}

}  // namespace cradle
