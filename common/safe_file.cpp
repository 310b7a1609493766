#include "common/safe_file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/profile_name.h"

namespace cradle {
namespace {

std::string in_quotes(std::string_view value) { return "\"" + printable_value(value) + "\""; }

std::string plain_name_problem(const std::string& name) {
    if (name.empty()) {
        return "is empty";
    }
    if (name == "." || name == "..") {
        return "is not a file name";
    }
    if (name.find('/') != std::string::npos) {
        return "contains '/': expected a plain file name";
    }
    if (name.find('\0') != std::string::npos) {
        return "contains a NUL byte";
    }
    return {};
}

// Letters and digits only, so the temporary name is still a plain name.
std::string random_suffix() {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[6];
    std::size_t filled = 0;
    while (filled < sizeof bytes) {
        const ssize_t got = getrandom(bytes + filled, sizeof bytes - filled, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            // No entropy source: fall back to something that differs per call and process;
            // O_EXCL and the retry loop keep this correct, only less unpredictable.
            static unsigned counter = 0;
            unsigned value = static_cast<unsigned>(getpid()) * 2654435761u + ++counter;
            for (auto& byte : bytes) {
                byte = static_cast<unsigned char>(value);
                value = value * 1103515245u + 12345u;
            }
            break;
        }
        filled += static_cast<std::size_t>(got);
    }
    std::string suffix;
    for (const unsigned char byte : bytes) {
        suffix += k_alphabet[byte % (sizeof k_alphabet - 1)];
    }
    return suffix;
}

Result<void> write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return system_error("write");
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

}  // namespace

Result<UniqueFd> open_output_directory(const std::string& path) {
    const std::string context = "output directory " + in_quotes(path);
    if (path.empty()) {
        return Error{EINVAL, context + ": is empty"};
    }
    // A trailing '/' would make the kernel follow a final symbolic link despite O_NOFOLLOW.
    std::string directory = path;
    while (directory.size() > 1 && directory.back() == '/') {
        directory.pop_back();
    }

    // mkdir -p: EEXIST on a component is fine (it may be a directory or a link to one chosen by
    // the administrator); whatever it really is, the final open below decides.
    for (std::size_t slash = directory.find('/', 1);; slash = directory.find('/', slash + 1)) {
        const std::string prefix = directory.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
            return with_context(system_error("creating " + in_quotes(prefix)), context);
        }
        if (slash == std::string::npos) {
            break;
        }
    }

    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        // With O_DIRECTORY the kernel reports a final symbolic link as ENOTDIR, not ELOOP;
        // lstat only sharpens the message and code, the open has already refused it.
        const Error error = system_error("opening");
        struct stat status {};
        if (error.code == ELOOP ||
            (error.code == ENOTDIR && ::lstat(directory.c_str(), &status) == 0 && S_ISLNK(status.st_mode))) {
            return Error{ELOOP, context + ": is a symbolic link, refusing to follow it"};
        }
        return with_context(error, context);
    }
    return UniqueFd(fd);
}

Result<std::string> read_open_file(int fd, std::size_t max_size) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        return system_error("fstat");
    }
    if (!S_ISREG(status.st_mode)) {
        return Error{EINVAL, "is not a regular file"};
    }
    const auto too_big = [&] { return Error{EFBIG, "is larger than " + std::to_string(max_size) + " bytes"}; };
    if (static_cast<unsigned long long>(status.st_size) > max_size) {
        return too_big();
    }

    // Read to end of file rather than trusting st_size, with one byte of room to notice a file
    // that grew past the limit after fstat.
    std::string content;
    char buffer[16384];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return system_error("read");
        }
        if (got == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(got));
        if (content.size() > max_size) {
            return too_big();
        }
    }
    return content;
}

Result<std::string> read_file_beneath(int directory_fd, const std::string& file_name, std::size_t max_size) {
    const std::string context = "reading " + in_quotes(file_name);
    if (const std::string problem = plain_name_problem(file_name); !problem.empty()) {
        return Error{EINVAL, context + ": " + problem};
    }

    open_how how{};
    how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, directory_fd, file_name.c_str(), &how, sizeof how));
    if (fd < 0 && errno == ENOSYS) {
        // Kernels before 5.6 (or a seccomp filter that hides openat2): for a plain name,
        // O_NOFOLLOW alone refuses the only link that could be traversed.
        fd = ::openat(directory_fd, file_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    }
    if (fd < 0) {
        if (errno == ELOOP) {
            return Error{ELOOP, context + ": is a symbolic link, refusing to follow it"};
        }
        return with_context(system_error("opening"), context);
    }
    UniqueFd file(fd);

    auto content = read_open_file(file.get(), max_size);
    if (!content) {
        return with_context(content.error(), context);
    }
    return content;
}

namespace {

struct Temporary {
    std::string name;
    UniqueFd fd;
};

// Writes `file.content` to a new temporary file beside `file.name`, with `file.mode`, and
// starts its writeback; returns it still open, for sync_temporary. On failure nothing is left
// behind.
Result<Temporary> write_temporary(int directory_fd, const FileContent& file) {
    const std::string context = "writing " + in_quotes(file.name);
    if (const std::string problem = plain_name_problem(file.name); !problem.empty()) {
        return Error{EINVAL, context + ": " + problem};
    }

    std::string temporary_name;
    UniqueFd temporary;
    constexpr int k_attempts = 100;
    for (int attempt = 0; attempt < k_attempts && !temporary.valid(); ++attempt) {
        temporary_name = "." + file.name + "." + random_suffix();
        const int fd =
            ::openat(directory_fd, temporary_name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            temporary.reset(fd);
        } else if (errno != EEXIST) {
            return with_context(system_error("creating temporary file " + in_quotes(temporary_name)), context);
        }
    }
    if (!temporary.valid()) {
        return Error{EEXIST,
                     context + ": no free temporary file name after " + std::to_string(k_attempts) + " attempts"};
    }

    const auto fail = [&](Error error) -> Result<Temporary> {
        temporary.reset();
        ::unlinkat(directory_fd, temporary_name.c_str(), 0);
        return with_context(std::move(error), context);
    };

    if (auto written = write_all(temporary.get(), file.content); !written) {
        return fail(written.error());
    }
    if (::fchmod(temporary.get(), file.mode) != 0) {
        return fail(system_error("fchmod"));
    }
    // Start the writeback now, so that the blocks of every file of a batch are allocated
    // before the first fsync: its journal commit then carries them all, and the next fsyncs
    // find little left to do. Only a hint: fsync below is what guarantees.
    ::sync_file_range(temporary.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    return Temporary{temporary_name, std::move(temporary)};
}

// Makes a written temporary durable and closes it.
Result<void> sync_temporary(Temporary& temporary) {
    if (::fsync(temporary.fd.get()) != 0) {
        return system_error("fsync");
    }
    // close() can report a deferred write error (NFS); do not rename a file that may be short.
    if (::close(temporary.fd.release()) != 0) {
        return system_error("close");
    }
    return {};
}

}  // namespace

Result<void> sync_directory(int directory_fd) {
    if (::fsync(directory_fd) != 0) {
        return system_error("fsync of the directory");
    }
    return {};
}

Result<void> write_files_atomically(int directory_fd, std::span<const FileContent> files, DirectorySync sync) {
    std::vector<Temporary> temporaries;
    const auto remove_temporaries = [&](std::size_t from) {
        for (std::size_t i = from; i < temporaries.size(); ++i) {
            temporaries[i].fd.reset();
            ::unlinkat(directory_fd, temporaries[i].name.c_str(), 0);
        }
    };
    for (const FileContent& file : files) {
        auto temporary = write_temporary(directory_fd, file);
        if (!temporary) {
            remove_temporaries(0);
            return temporary.error();
        }
        temporaries.push_back(std::move(*temporary));
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (auto synced = sync_temporary(temporaries[i]); !synced) {
            remove_temporaries(0);
            return with_context(synced.error(), "writing " + in_quotes(files[i].name));
        }
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (::renameat(directory_fd, temporaries[i].name.c_str(), directory_fd, files[i].name.c_str()) != 0) {
            const Error error = with_context(system_error("renaming " + in_quotes(temporaries[i].name) + " over it"),
                                             "writing " + in_quotes(files[i].name));
            remove_temporaries(i);
            return error;
        }
    }
    // The renames are durable only once the directory is: one fsync for them all.
    if (sync == DirectorySync::now && !files.empty()) {
        if (auto synced = sync_directory(directory_fd); !synced) {
            return with_context(synced.error(), "writing " + in_quotes(files.back().name));
        }
    }
    return {};
}

Result<void> write_file_atomically(int directory_fd, const std::string& file_name, std::string_view content,
                                   mode_t mode) {
    const FileContent file{file_name, content, mode};
    return write_files_atomically(directory_fd, std::span(&file, 1));
}

}  // namespace cradle
