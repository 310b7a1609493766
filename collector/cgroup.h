// Finding a process's cgroup2 directory, the id the kernel reports for it, and what is in it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace cradle {

// The mount point of cgroup2 in `mountinfo` (the /proc/self/mountinfo format): the
// `/sys/fs/cgroup` of a pure v2 host, `/sys/fs/cgroup/unified` of a hybrid one. ENOENT
// when cgroup2 is not mounted.
Result<std::string> find_cgroup2_mount(std::string_view mountinfo);

// The cgroup2 path ("/...") of the "0::<path>" line of `proc_cgroup` (the /proc/<pid>/cgroup
// format). ENOENT when there is none (a pure cgroup v1 host).
Result<std::string> cgroup2_path(std::string_view proc_cgroup);

// The id bpf_get_current_cgroup_id() reports for the cgroup2 directory at `directory`:
// its inode number.
Result<std::uint64_t> cgroup_id(const std::string& directory);

// The cgroup2 directory whose id (cgroup_id) is `id`, under `cgroup2_mount`: opened by its file
// handle (cgroup2 hands out its kernfs ids as handles; CAP_DAC_READ_SEARCH), and named as this
// process's mount namespace sees it. ESTALE (or ENOENT) when no cgroup has that id any more.
Result<std::string> cgroup_directory_by_id(const std::string& cgroup2_mount, std::uint64_t id);

// The cgroup2 mount point of this process's mount namespace, from /proc/self/mountinfo.
Result<std::string> read_cgroup2_mount();

// The absolute cgroup2 directory of process `pid`: `cgroup2_mount` joined with its path in
// /proc/<pid>/cgroup. A process in the root cgroup is refused (EINVAL): tracing it would
// trace the whole host.
Result<std::string> cgroup_directory_of(pid_t pid, const std::string& cgroup2_mount);

struct CgroupDirectory {
    std::string path;
    std::uint64_t id = 0;  // cgroup_id(path)
};

// Finds processes' cgroup2 directories, reading mountinfo once rather than at every
// registration (it lists every mount: thousands of lines on a busy node), and again only
// when a directory is not where the mount point it knows says: cgroup2 mounted elsewhere
// since, or (harmlessly) the process's cgroup removed meanwhile.
class CgroupLocator {
public:
    // The cgroup2 directory of `pid` and its id; errors as cgroup_directory_of and cgroup_id.
    Result<CgroupDirectory> locate(pid_t pid);

private:
    std::string m_cgroup2_mount;  // empty until read
};

// Calls `visit` with every cgroup beneath the cgroup2 directory `directory` (path and id), at
// any depth, not counting itself, top-down: each before its own children are listed. What
// visit publishes of a cgroup (for the kernel side to add the children made from then on) thus
// leaves no child made meanwhile to neither side. An ordinary directory tree is enough, so
// tests need no cgroup2. A cgroup removed while it is walked (`directory` included) is left
// out; any other failure to list one, or visit's failure, ends the walk with that error.
Result<void> walk_descendant_cgroups(const std::string& directory,
                                     const std::function<Result<void>(const CgroupDirectory&)>& visit);

// The pids of a cgroup.procs file: one decimal pid a line. EINVAL, quoting the line, for
// anything else.
Result<std::vector<pid_t>> parse_cgroup_procs(std::string_view text);

// The processes in the cgroup2 directory `directory` when they hold every task in it: it has
// no child cgroup (whose tasks cgroup.procs leaves out), and cgroup.procs can be read (it
// cannot in a threaded cgroup, whose threads may belong to processes elsewhere). ENOTEMPTY
// when it has a child cgroup; the reading's error otherwise.
Result<std::vector<pid_t>> processes_of_leaf_cgroup(const std::string& directory);

// How many threads process `pid` has: the entries of /proc/<pid>/task.
Result<std::size_t> count_threads(pid_t pid);

}  // namespace cradle
