// Safe files: reading and writing only beneath a directory the administrator chose.
//
// File names handed to these functions may come from attacker input (profile names from
// annotations), so every function takes a directory fd plus a plain name, never a path, and
// refuses to follow symbolic links: a link planted in the directory cannot redirect a write
// (or a read) to a file elsewhere.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace cradle {

// Opens the directory at `path` (creating it and its missing parents with mode 0755, less the
// umask, when absent) with O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC. The last component of `path` must
// not be a symbolic link (ELOOP); earlier components may be, as they are chosen by the
// administrator. The caller owns the returned fd. On failure the Error carries errno and the
// message `output directory "<path>": ...`.
Result<UniqueFd> open_output_directory(const std::string& path);

// Reads the regular file `file_name` directly in `directory_fd` (opened with openat2
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS, or openat O_NOFOLLOW on kernels
// without openat2). `file_name` must be a plain name: not empty, not "." or "..", without '/'
// or NUL. Error codes: EINVAL for a bad name or a file that is not regular (a FIFO is opened
// non-blocking, so it cannot hang the caller), ENOENT when absent, ELOOP for a symbolic link,
// EFBIG when larger than `max_size` bytes; others from the system.
Result<std::string> read_file_beneath(int directory_fd, const std::string& file_name, std::size_t max_size);

// Replaces `file_name` in `directory_fd` with `content`, atomically: a reader sees the old file
// or the new one, never a part. Writes a temporary ".<file_name>.XXXXXX" (random suffix, created
// O_EXCL|O_NOFOLLOW) in the same directory, sets `mode` with fchmod (so the umask does not
// apply), fsyncs it, renames it over `file_name` and fsyncs the directory. A symbolic link at
// `file_name` is replaced, never followed. `file_name` must be a plain name as above (EINVAL).
// On failure the temporary file is removed and the old file (if any) is untouched; the one
// exception is a failing fsync of the directory, after the rename, which is still reported.
// Messages: `writing "<file_name>": ...`. `directory_fd` must be readable (not O_PATH), for the
// directory fsync.
Result<void> write_file_atomically(int directory_fd, const std::string& file_name, std::string_view content,
                                   mode_t mode);

struct FileContent {
    std::string name;  // a plain name, as above
    std::string_view content;
    mode_t mode;
};

// Who makes the renames durable.
enum class DirectorySync {
    now,        // write_files_atomically fsyncs the directory before it returns
    by_caller,  // it returns once the new files are in place (a reader sees them; a crash
                // may still bring back the old ones) and the caller calls sync_directory
};

// write_file_atomically for several files, with one directory fsync for them all: every
// temporary is written and fsynced first (a failure there leaves every old file untouched),
// then each is renamed over its name in order, then the directory is fsynced (`sync`). A
// failing rename leaves the files before it replaced and the rest untouched.
Result<void> write_files_atomically(int directory_fd, std::span<const FileContent> files,
                                    DirectorySync sync = DirectorySync::now);

// fsync(directory_fd): makes the renames done in it durable. Message: "fsync of the directory".
Result<void> sync_directory(int directory_fd);

// Reads the already open file `fd`, which must be a regular file of at most `max_size` bytes
// (EINVAL when not regular, EFBIG when larger, also when it grows while being read). Does not
// take ownership of `fd`. Messages are bare reasons ("is not a regular file"), for the caller to
// put in context.
Result<std::string> read_open_file(int fd, std::size_t max_size);

}  // namespace cradle
