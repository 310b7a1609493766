#include "hook/runtime_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/auto_profile.h"
#include "common/unique_fd.h"

namespace cradle {

namespace {

// /proc/PID/stat is one line; its comm may hold anything but is at most 16 bytes.
constexpr std::size_t k_max_stat_size = 1024;
constexpr std::size_t k_max_comm_size = 64;
constexpr std::size_t k_max_link_size = 4096;

// Up to `max_size` bytes of the file `name` beneath `proc_fd`; "" when it cannot be read.
std::string read_small_file(int proc_fd, const std::string& name, std::size_t max_size) {
    UniqueFd fd(::openat(proc_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd.valid()) {
        return {};
    }
    std::string text(max_size, '\0');
    std::size_t filled = 0;
    while (filled < max_size) {
        const ssize_t count = ::read(fd.get(), text.data() + filled, max_size - filled);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        filled += static_cast<std::size_t>(count);
    }
    text.resize(filled);
    return text;
}

// The PPid field of a stat line: the fourth field, counted after the comm's closing ')' (the
// comm itself may hold spaces and parentheses).
std::optional<pid_t> parent_of_stat(std::string_view stat) {
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos || stat.size() < close + 4) {
        return std::nullopt;
    }
    std::string_view rest = stat.substr(close + 2);  // "S PPID ..."
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    rest.remove_prefix(space + 1);
    pid_t parent = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), parent);
    if (error != std::errc() || parent < 0 || (end != rest.data() + rest.size() && *end != ' ')) {
        return std::nullopt;
    }
    return parent;
}

std::string basename_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The process's own name: its executable's basename where readable, else its comm (which the
// kernel cuts at 15 bytes, and the process may change).
std::string process_name(const ProcessView& process) {
    std::string name = basename_of(process.exe);
    return is_runtime_name(name) ? name : process.comm;
}

// The namespace a containerd shim serves, from its command line: "-namespace NS" (Go's flag
// package also takes "--namespace" and "-namespace=NS"); "" when absent.
std::string shim_namespace(const std::vector<std::string>& arguments) {
    for (std::size_t i = 1; i < arguments.size(); ++i) {
        for (std::string_view flag : {"-namespace", "--namespace"}) {
            const std::string_view argument = arguments[i];
            if (argument == flag && i + 1 < arguments.size()) {
                return arguments[i + 1];
            }
            if (argument.starts_with(flag) && argument.size() > flag.size() && argument[flag.size()] == '=') {
                return std::string(argument.substr(flag.size() + 1));
            }
        }
    }
    return {};
}

std::string manager_of_annotations(const std::map<std::string, std::string>& annotations) {
    const auto manager = annotations.find(k_container_manager_annotation);
    if (manager != annotations.end() && manager->second == "libpod") {
        return "podman";
    }
    if (made_by_crio(annotations)) {
        return "cri-o";
    }
    const auto cri = annotations.lower_bound("io.kubernetes.cri.");
    return cri != annotations.end() && cri->first.starts_with("io.kubernetes.cri.") ? "containerd-cri" : "";
}

std::string manager_of_driver(const ProcessView& driver, const std::map<std::string, std::string>& annotations) {
    const std::string name = process_name(driver);
    if (name == "conmon") {
        return made_by_crio(annotations) ? "cri-o" : "podman";
    }
    if (name == "conmonrs" || name == "crio") {
        return "cri-o";
    }
    if (is_containerd_shim(driver)) {
        const std::string space = shim_namespace(driver.arguments);
        return space == "moby" ? "docker" : space == "k8s.io" ? "containerd-cri" : "containerd";
    }
    return {};
}

}  // namespace

std::optional<ProcessView> read_process_view(int proc_fd, pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    const std::string directory = std::to_string(pid) + "/";
    const auto parent = parent_of_stat(read_small_file(proc_fd, directory + "stat", k_max_stat_size));
    if (!parent) {
        return std::nullopt;
    }
    ProcessView view;
    view.parent = *parent;

    char link[k_max_link_size];
    const ssize_t length = ::readlinkat(proc_fd, (directory + "exe").c_str(), link, sizeof(link));
    if (length > 0 && static_cast<std::size_t>(length) < sizeof(link)) {
        view.exe.assign(link, static_cast<std::size_t>(length));
        constexpr std::string_view k_deleted = " (deleted)";  // the runtime was replaced on disk
        if (view.exe.size() > k_deleted.size() && view.exe.ends_with(k_deleted)) {
            view.exe.resize(view.exe.size() - k_deleted.size());
        }
    }
    view.comm = read_small_file(proc_fd, directory + "comm", k_max_comm_size);
    if (!view.comm.empty() && view.comm.back() == '\n') {
        view.comm.pop_back();
    }
    return view;
}

std::vector<std::string> read_process_arguments(int proc_fd, pid_t pid) {
    std::vector<std::string> arguments;
    if (pid <= 0) {
        return arguments;
    }
    const std::string command_line =
        read_small_file(proc_fd, std::to_string(pid) + "/cmdline", k_max_command_line_size);
    for (std::size_t start = 0; start < command_line.size();) {
        const auto end = std::min(command_line.find('\0', start), command_line.size());
        arguments.push_back(command_line.substr(start, end - start));
        start = end + 1;
    }
    return arguments;
}

bool is_containerd_shim(const ProcessView& process) {
    // The comm of containerd-shim-runc-v2 is cut to "containerd-shim".
    return process_name(process).starts_with("containerd-shim");
}

ContainerRuntime identify_runtime(const ProcessView& runtime, const std::optional<ProcessView>& driver,
                                  const std::map<std::string, std::string>& annotations) {
    ContainerRuntime identity;
    identity.name = process_name(runtime);
    identity.path = runtime.exe;
    identity.manager = driver ? manager_of_driver(*driver, annotations) : manager_of_annotations(annotations);
    return checked_runtime(std::move(identity));
}

ContainerRuntime read_container_runtime(const std::string& proc_root, pid_t runtime_pid,
                                        const std::map<std::string, std::string>& annotations) {
    UniqueFd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const auto runtime = proc.valid() ? read_process_view(proc.get(), runtime_pid) : std::nullopt;
    if (!runtime) {
        return checked_runtime({"", "", manager_of_annotations(annotations)});
    }
    // Reading a process's cmdline takes its mmap lock, which a busy or stuck process can hold for
    // long while the runtime waits on the hook: only a shim's is read, for the namespace it serves.
    auto driver = read_process_view(proc.get(), runtime->parent);
    if (driver && is_containerd_shim(*driver)) {
        driver->arguments = read_process_arguments(proc.get(), runtime->parent);
    }
    return identify_runtime(*runtime, driver, annotations);
}

}  // namespace cradle
