#include "collector/cgroup.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "common/directory.h"
#include "common/text_file.h"
#include "common/unique_fd.h"

namespace cradle {

namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(separator, start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        fields.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return fields;
}

}  // namespace

Result<std::string> cgroup_directory_by_id(const std::string& cgroup2_mount, std::uint64_t id) {
    const std::string context = "finding cgroup " + std::to_string(id) + " under \"" + cgroup2_mount + "\"";
    const UniqueFd mount(::open(cgroup2_mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!mount.valid()) {
        return system_error(context);
    }
    // kernfs's handle (FILEID_KERNFS, include/linux/exportfs.h): the node's 64-bit id.
    constexpr int k_fileid_kernfs = 0xfe;
    alignas(file_handle) unsigned char storage[sizeof(file_handle) + sizeof id] = {};
    auto* handle = reinterpret_cast<file_handle*>(storage);
    handle->handle_bytes = sizeof id;
    handle->handle_type = k_fileid_kernfs;
    std::memcpy(storage + sizeof(file_handle), &id, sizeof id);
    const UniqueFd directory(::open_by_handle_at(mount.get(), handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory.valid()) {
        return system_error(context);
    }
    char path[PATH_MAX];
    const std::string link = "/proc/self/fd/" + std::to_string(directory.get());
    const ssize_t length = ::readlink(link.c_str(), path, sizeof path);
    if (length < 0 || static_cast<std::size_t>(length) == sizeof path) {
        return system_error(length < 0 ? errno : ENAMETOOLONG, context);
    }
    return std::string(path, static_cast<std::size_t>(length));
}

Result<std::string> find_cgroup2_mount(std::string_view mountinfo) {
    for (std::string_view line : split(mountinfo, '\n')) {
        // "36 25 0:30 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw"
        const std::size_t separator = line.find(" - ");
        if (separator == std::string_view::npos) {
            continue;
        }
        const auto after = split(line.substr(separator + 3), ' ');
        const auto before = split(line.substr(0, separator), ' ');
        if (after.empty() || after[0] != "cgroup2" || before.size() < 5) {
            continue;
        }
        return std::string(before[4]);
    }
    return Error{ENOENT, "cgroup2 is not mounted (no cgroup2 line in mountinfo)"};
}

Result<std::string> cgroup2_path(std::string_view proc_cgroup) {
    for (std::string_view line : split(proc_cgroup, '\n')) {
        if (line.substr(0, 3) == "0::") {
            return std::string(line.substr(3));
        }
    }
    return Error{ENOENT, "the process has no cgroup2 membership (no \"0::\" line)"};
}

Result<std::uint64_t> cgroup_id(const std::string& directory) {
    struct stat status {};
    if (::stat(directory.c_str(), &status) != 0) {
        return system_error("reading cgroup \"" + directory + "\"");
    }
    if (!S_ISDIR(status.st_mode)) {
        return Error{ENOTDIR, "cgroup \"" + directory + "\" is not a directory"};
    }
    return static_cast<std::uint64_t>(status.st_ino);
}

Result<std::string> read_cgroup2_mount() {
    auto mountinfo = read_text_file("/proc/self/mountinfo");
    if (!mountinfo) {
        return mountinfo.error();
    }
    return find_cgroup2_mount(*mountinfo);
}

Result<std::string> cgroup_directory_of(pid_t pid, const std::string& cgroup2_mount) {
    const std::string proc_path = "/proc/" + std::to_string(pid) + "/cgroup";
    auto membership = read_text_file(proc_path);
    if (!membership) {
        return membership.error();
    }
    auto path = cgroup2_path(*membership);
    if (!path) {
        return with_context(path.error(), "reading \"" + proc_path + "\"");
    }
    if (*path == "/") {
        return Error{
            EINVAL, "process " + std::to_string(pid) + " is in the root cgroup: it has no container cgroup of its own"};
    }
    return cgroup2_mount + *path;
}

Result<CgroupDirectory> CgroupLocator::locate(pid_t pid) {
    // A second attempt with mountinfo read afresh, when the mount point known was stale.
    for (;;) {
        const bool known = !m_cgroup2_mount.empty();
        if (!known) {
            auto mount = read_cgroup2_mount();
            if (!mount) {
                return mount.error();
            }
            m_cgroup2_mount = std::move(*mount);
        }
        auto directory = cgroup_directory_of(pid, m_cgroup2_mount);
        if (!directory) {
            return directory.error();
        }
        auto id = cgroup_id(*directory);
        if (!id && id.error().code == ENOENT && known) {  // not known the second time
            m_cgroup2_mount.clear();
            continue;
        }
        if (!id) {
            return id.error();
        }
        return CgroupDirectory{std::move(*directory), *id};
    }
}

Result<std::vector<pid_t>> parse_cgroup_procs(std::string_view text) {
    std::vector<pid_t> pids;
    for (std::string_view line : split(text, '\n')) {
        if (line.empty()) {
            continue;
        }
        pid_t pid = 0;
        const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (error != std::errc() || end != line.data() + line.size() || pid <= 0) {
            return Error{EINVAL, "cgroup.procs: not a pid: \"" + std::string(line.substr(0, 64)) + "\""};
        }
        pids.push_back(pid);
    }
    return pids;
}

Result<void> walk_descendant_cgroups(const std::string& directory,
                                     const std::function<Result<void>(const CgroupDirectory&)>& visit) {
    std::vector<std::string> pending{directory};
    while (!pending.empty()) {
        const std::string parent = std::move(pending.back());
        pending.pop_back();
        auto entries = list_directory(parent);
        if (!entries && entries.error().code == ENOENT) {
            continue;  // removed meanwhile: nothing beneath it to trace
        }
        if (!entries) {
            return entries.error();
        }
        for (const DirectoryEntry& entry : *entries) {
            if (!entry.is_directory) {
                continue;
            }
            CgroupDirectory child{parent + "/" + entry.name};
            auto id = cgroup_id(child.path);
            if (!id) {
                continue;
            }
            child.id = *id;
            if (auto visited = visit(child); !visited) {
                return visited.error();
            }
            // Listed only now, once visit has seen it.
            pending.push_back(std::move(child.path));
        }
    }
    return {};
}

Result<std::vector<pid_t>> processes_of_leaf_cgroup(const std::string& directory) {
    auto entries = list_directory(directory);
    if (!entries) {
        return entries.error();
    }
    const bool has_child =
        std::any_of(entries->begin(), entries->end(), [](const DirectoryEntry& entry) { return entry.is_directory; });
    if (has_child) {
        return Error{ENOTEMPTY, "cgroup \"" + directory + "\" has child cgroups"};
    }
    auto procs = read_text_file(directory + "/cgroup.procs");
    if (!procs) {
        return procs.error();
    }
    return parse_cgroup_procs(*procs);
}

Result<std::size_t> count_threads(pid_t pid) {
    auto threads = list_directory("/proc/" + std::to_string(pid) + "/task");
    if (!threads) {
        return threads.error();
    }
    return threads->size();
}

}  // namespace cradle
