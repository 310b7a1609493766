// Which runtime created a container and what drove it, as cradle-hook reads them at createRuntime:
// the hook's parent process is the runtime (runc runs its hooks from the `runc create` process,
// crun from its own), and the runtime's parent is what drove it: conmon for podman and CRI-O, a
// containerd shim for Docker, Kubernetes through containerd's CRI plugin and ctr.
//
// Everything is read from /proc without running anything, a few small files (a command line only
// for a containerd shim), and nothing read is trusted: lengths are bounded, and
// common/container_runtime.h's rules drop what breaks them. What cannot be read is unknown; it never stops a
// registration.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/container_runtime.h"

namespace cradle {

// Bytes of a process's command line read (containerd's shims keep their namespace near the start).
inline constexpr std::size_t k_max_command_line_size = 4096;

// What /proc tells of one process.
struct ProcessView {
    std::string exe;                     // the target of PID/exe, " (deleted)" removed; "" when unreadable
    std::string comm;                    // PID/comm without its newline; "" when unreadable
    std::vector<std::string> arguments;  // PID/cmdline split at NULs, the first k_max_command_line_size
                                         // bytes: only read_process_arguments fills it
    pid_t parent = 0;                    // the PPid field of PID/stat; 0 when unknown
};

// Reads process `pid` in the proc filesystem open at `proc_fd` (any directory laid out as /proc,
// for tests). Never fails: nullopt when PID/stat cannot be read or parsed (no such process),
// otherwise each member that cannot be read is left empty. It reads stat, exe and comm, never
// cmdline (`arguments` stays empty): reading a process's cmdline takes that process's mmap lock
// and can block for as long as the process holds it.
std::optional<ProcessView> read_process_view(int proc_fd, pid_t pid);

// PID/cmdline of process `pid` beneath `proc_fd` split at NULs, of its first
// k_max_command_line_size bytes; empty when it cannot be read. May block while the process holds
// its mmap lock: call it only for a process whose arguments are needed.
std::vector<std::string> read_process_arguments(int proc_fd, pid_t pid);

// Whether `process` is named as a containerd shim (containerd-shim*, by its executable or comm).
bool is_containerd_shim(const ProcessView& process);

// The runtime that `runtime` (the hook's parent) is and the manager that `driver` (its parent;
// nullopt when unreadable) is, from the annotations of the container's state as well:
//   name     the basename of runtime.exe, else runtime.comm
//   path     runtime.exe
//   manager  driver conmon: "cri-o" when io.container.manager is "cri-o", else "podman";
//            conmonrs or crio: "cri-o";
//            a containerd shim (containerd-shim*): by its -namespace argument, "docker" for moby,
//            "containerd-cri" for k8s.io, "containerd" for any other or none;
//            another driver: "" (the runtime was run by hand, or by a tool Cradle does not know);
//            no driver: from the annotations alone, "podman" for io.container.manager=libpod,
//            "cri-o" for cri-o, "containerd-cri" when an io.kubernetes.cri.* key is present, else "".
// The process tree goes first, as a container's annotations are its author's to choose.
// Members breaking common/container_runtime.h's rules are dropped (checked_runtime).
ContainerRuntime identify_runtime(const ProcessView& runtime, const std::optional<ProcessView>& driver,
                                  const std::map<std::string, std::string>& annotations);

// identify_runtime of process `runtime_pid` and its parent, read in the proc filesystem at
// `proc_root` ("/proc"). Only the parent's cmdline is read, and only when the parent is a
// containerd shim (is_containerd_shim). Unknown (all empty but what the annotations tell) when
// the runtime cannot be read.
ContainerRuntime read_container_runtime(const std::string& proc_root, pid_t runtime_pid,
                                        const std::map<std::string, std::string>& annotations);

}  // namespace cradle
