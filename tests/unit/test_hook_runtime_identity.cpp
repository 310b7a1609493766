#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "hook/runtime_identity.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// A directory laid out as /proc, holding the processes a test describes.
struct FakeProc {
    TempDir dir;

    // Process `pid` named `comm`, child of `parent`, running `exe` (no link when empty) with
    // `arguments`.
    void process(pid_t pid, const std::string& comm, pid_t parent, const std::string& exe,
                 const std::vector<std::string>& arguments = {}) {
        const std::string base = dir / std::to_string(pid);
        REQUIRE(::mkdir(base.c_str(), 0755) == 0);
        write_text(base + "/stat", std::to_string(pid) + " (" + comm + ") S " + std::to_string(parent) +
                                       " 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0\n");
        write_text(base + "/comm", comm + "\n");
        std::string command_line;
        for (const auto& argument : arguments) {
            command_line += argument;
            command_line += '\0';
        }
        write_text(base + "/cmdline", command_line);
        if (!exe.empty()) {
            REQUIRE(::symlink(exe.c_str(), (base + "/exe").c_str()) == 0);
        }
    }

    std::optional<ProcessView> view(pid_t pid) const {
        UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd.valid());
        return read_process_view(fd.get(), pid);
    }

    std::vector<std::string> arguments(pid_t pid) const {
        UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd.valid());
        return read_process_arguments(fd.get(), pid);
    }
};

// The names of the files opened in the directories a test watches, "PID/name", as inotify saw
// them: the kernel queues an IN_OPEN event at each open, before the open returns.
class OpenWatch {
public:
    explicit OpenWatch(const FakeProc& proc) : m_proc(proc), m_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        REQUIRE(m_fd.valid());
    }

    void watch(pid_t pid) {
        const std::string directory = m_proc.dir / std::to_string(pid);
        const int descriptor = ::inotify_add_watch(m_fd.get(), directory.c_str(), IN_OPEN);
        REQUIRE(descriptor >= 0);
        m_names[descriptor] = std::to_string(pid) + "/";
    }

    std::vector<std::string> opened() {
        std::vector<std::string> names;
        alignas(inotify_event) char buffer[4096];
        for (;;) {
            const ssize_t length = ::read(m_fd.get(), buffer, sizeof(buffer));
            if (length <= 0) {
                break;
            }
            for (ssize_t at = 0; at < length;) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
                if (event->len > 0) {
                    names.push_back(m_names[event->wd] + event->name);
                }
                at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            }
        }
        return names;
    }

private:
    const FakeProc& m_proc;
    UniqueFd m_fd;
    std::map<int, std::string> m_names;
};

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

const std::vector<std::string> k_docker_shim = {
    "/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", std::string(64, 'a'), "-address",
    "/run/containerd/containerd.sock"};

ProcessView process(const std::string& exe, const std::string& comm, std::vector<std::string> arguments = {}) {
    return ProcessView{exe, comm, std::move(arguments), 1};
}

}  // namespace

TEST_CASE("runtime identity: a process is read from its stat, exe and comm, its arguments from cmdline") {
    FakeProc proc;
    proc.process(300, "containerd-shim", 1, "/usr/bin/containerd-shim-runc-v2", k_docker_shim);
    // A comm may hold spaces and parentheses: the parent is counted after the last ')'.
    proc.process(400, "run c) S 9 (x", 300, "/usr/sbin/runc (deleted)", {"runc", "create", "x"});
    const auto runtime = proc.view(400);
    REQUIRE(runtime);
    CHECK(runtime->parent == 300);
    CHECK(runtime->exe == "/usr/sbin/runc");
    CHECK(runtime->comm == "run c) S 9 (x");
    CHECK(runtime->arguments.empty());  // cmdline is read by read_process_arguments alone
    const auto shim = proc.view(300);
    REQUIRE(shim);
    CHECK(shim->arguments.empty());
    CHECK(shim->parent == 1);
    CHECK(is_containerd_shim(*shim));
    CHECK_FALSE(is_containerd_shim(*runtime));
    CHECK(proc.arguments(300) == k_docker_shim);
    CHECK(proc.arguments(400) == std::vector<std::string>{"runc", "create", "x"});
    CHECK(proc.arguments(999).empty());

    CHECK_FALSE(proc.view(999));  // no such process
    CHECK_FALSE(proc.view(0));
    proc.process(500, "broken", 1, "");
    write_text(proc.dir / "500/stat", "500 (broken");
    CHECK_FALSE(proc.view(500));
    proc.process(600, "noexe", 1, "");
    const auto without_exe = proc.view(600);
    REQUIRE(without_exe);
    CHECK(without_exe->exe.empty());
    CHECK(without_exe->comm == "noexe");
}

TEST_CASE("runtime identity: the command line read is bounded") {
    FakeProc proc;
    proc.process(700, "containerd-shim", 1, "/usr/bin/containerd-shim-runc-v2",
                 {std::string(2 * k_max_command_line_size, 'x'), "-namespace", "moby"});
    auto shim = proc.view(700);
    REQUIRE(shim);
    shim->arguments = proc.arguments(700);
    REQUIRE(shim->arguments.size() == 1);
    CHECK(shim->arguments[0].size() == k_max_command_line_size);
    CHECK(identify_runtime(process("/usr/sbin/runc", "runc"), shim, {}).manager == "containerd");
}

TEST_CASE("runtime identity: the manager comes from the runtime's parent") {
    const ProcessView runc = process("/usr/sbin/runc", "runc");
    const std::map<std::string, std::string> libpod = {{"io.container.manager", "libpod"}};
    const std::map<std::string, std::string> crio = {{"io.container.manager", "cri-o"}};

    CHECK(identify_runtime(runc, process("/usr/bin/conmon", "conmon"), libpod) ==
          ContainerRuntime{"runc", "/usr/sbin/runc", "podman"});
    CHECK(identify_runtime(runc, process("/usr/bin/conmon", "conmon"), crio).manager == "cri-o");
    CHECK(identify_runtime(runc, process("/usr/bin/conmon", "conmon"), {}).manager == "podman");
    CHECK(identify_runtime(runc, process("/usr/bin/conmonrs", "conmonrs"), {}).manager == "cri-o");

    const ProcessView shim = process("/usr/bin/containerd-shim-runc-v2", "containerd-shim", k_docker_shim);
    CHECK(identify_runtime(runc, shim, {}).manager == "docker");
    auto with_namespace = [&](std::vector<std::string> arguments) {
        return identify_runtime(runc, process(shim.exe, shim.comm, std::move(arguments)), {}).manager;
    };
    CHECK(with_namespace({"shim", "-namespace", "k8s.io", "-id", "x"}) == "containerd-cri");
    CHECK(with_namespace({"shim", "--namespace=moby"}) == "docker");
    CHECK(with_namespace({"shim", "-namespace=default"}) == "containerd");
    CHECK(with_namespace({"shim", "-id", "x"}) == "containerd");
    CHECK(with_namespace({"shim", "-namespace"}) == "containerd");
    // The process tree wins over what a container's author wrote in its annotations.
    CHECK(identify_runtime(runc, shim, libpod).manager == "docker");
    // A runtime run by hand: no manager, whatever the annotations say.
    CHECK(identify_runtime(runc, process("/usr/bin/bash", "bash"), libpod) ==
          ContainerRuntime{"runc", "/usr/sbin/runc", ""});
}

TEST_CASE("runtime identity: without the runtime's parent, the annotations tell the manager") {
    const ProcessView crun = process("/usr/bin/crun", "crun");
    CHECK(identify_runtime(crun, std::nullopt, {{"io.container.manager", "libpod"}}).manager == "podman");
    CHECK(identify_runtime(crun, std::nullopt, {{"io.container.manager", "cri-o"}}).manager == "cri-o");
    CHECK(identify_runtime(crun, std::nullopt, {{"io.kubernetes.cri.container-type", "container"}}).manager ==
          "containerd-cri");
    CHECK(identify_runtime(crun, std::nullopt, {{"io.kubernetes.crix", "1"}, {"other", "x"}}).manager.empty());
    CHECK(identify_runtime(crun, std::nullopt, {}) == ContainerRuntime{"crun", "/usr/bin/crun", ""});
}

TEST_CASE("runtime identity: names and paths that break the rules are unknown, not refused") {
    // The comm stands in when the executable cannot be read or has a name that breaks the rules.
    CHECK(identify_runtime(process("", "crun"), std::nullopt, {}) == ContainerRuntime{"crun", "", ""});
    CHECK(identify_runtime(process("/opt/bad name/run c", "runc"), std::nullopt, {}) ==
          ContainerRuntime{"runc", "", ""});
    CHECK(identify_runtime(process("/" + std::string(300, 'a'), "\x1b[2J"), std::nullopt, {}) == ContainerRuntime{});
    const ProcessView hostile_shim =
        process("/usr/bin/containerd-shim-runc-v2", "containerd-shim", {"shim", "-namespace", "moby\n"});
    CHECK(identify_runtime(process("/usr/sbin/runc", "runc"), hostile_shim, {}).manager == "containerd");
}

TEST_CASE("runtime identity: read_container_runtime reads the runtime and its parent") {
    FakeProc proc;
    proc.process(300, "containerd-shim", 1, "/usr/bin/containerd-shim-runc-v2", k_docker_shim);
    proc.process(400, "runc", 300, "/usr/sbin/runc");
    CHECK(read_container_runtime(proc.dir.path(), 400, {}) == ContainerRuntime{"runc", "/usr/sbin/runc", "docker"});
    // The parent is gone: the annotations tell.
    proc.process(410, "runc", 999, "/usr/sbin/runc");
    CHECK(read_container_runtime(proc.dir.path(), 410, {{"io.container.manager", "libpod"}}) ==
          ContainerRuntime{"runc", "/usr/sbin/runc", "podman"});
    // Nothing readable: unknown but for the annotations.
    CHECK(read_container_runtime(proc.dir.path(), 999, {}) == ContainerRuntime{});
    CHECK(read_container_runtime(proc.dir / "missing", 400, {{"io.container.manager", "cri-o"}}) ==
          ContainerRuntime{"", "", "cri-o"});
}

TEST_CASE("runtime identity: read_container_runtime reads a command line only of a containerd shim") {
    FakeProc proc;
    proc.process(300, "containerd-shim", 1, "/usr/bin/containerd-shim-runc-v2", k_docker_shim);
    proc.process(400, "runc", 300, "/usr/sbin/runc", {"runc", "create", "--bundle", "/b", "x"});
    proc.process(500, "conmon", 1, "/usr/bin/conmon", {"/usr/bin/conmon", "--api-version", "1"});
    proc.process(600, "crun", 500, "/usr/bin/crun", {"crun", "create", "y"});

    OpenWatch shim_watch(proc);
    for (const pid_t pid : {300, 400}) {
        shim_watch.watch(pid);
    }
    CHECK(read_container_runtime(proc.dir.path(), 400, {}) == ContainerRuntime{"runc", "/usr/sbin/runc", "docker"});
    const auto under_shim = shim_watch.opened();
    CHECK(has(under_shim, "400/stat"));  // the watch sees what is read
    CHECK(has(under_shim, "300/stat"));
    CHECK(has(under_shim, "300/cmdline"));
    CHECK_FALSE(has(under_shim, "400/cmdline"));

    OpenWatch conmon_watch(proc);
    for (const pid_t pid : {500, 600}) {
        conmon_watch.watch(pid);
    }
    CHECK(read_container_runtime(proc.dir.path(), 600, {{"io.container.manager", "libpod"}}) ==
          ContainerRuntime{"crun", "/usr/bin/crun", "podman"});
    const auto under_conmon = conmon_watch.opened();
    CHECK(has(under_conmon, "600/comm"));
    CHECK(has(under_conmon, "500/comm"));
    CHECK_FALSE(has(under_conmon, "500/cmdline"));
    CHECK_FALSE(has(under_conmon, "600/cmdline"));
}
