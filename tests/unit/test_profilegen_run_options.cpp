#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "golden.h"
#include "profilegen/run_options.h"
#include "profilegen/syscall_table.h"
#include "test_support.h"

using namespace cradle;
using cradle::test::check_golden_render;
using cradle::test::contains;

TEST_CASE("render_run_options adds each capability, upper case and sorted, in each dialect") {
    Recording recording;
    recording.capabilities = {"setuid", "chown", "syslog", "sys_admin"};
    recording.denied_capabilities = {"net_admin"};
    recording.probed_capabilities = {"sys_resource"};
    CHECK(render_run_options(recording, "/etc/cradle/web.seccomp.json", RunOptionsDialect::docker) ==
          "--cap-drop=ALL --cap-add=CHOWN --cap-add=SETUID --cap-add=SYSLOG "
          "--cap-add=SYS_ADMIN --security-opt seccomp=/etc/cradle/web.seccomp.json");
    CHECK(render_run_options(recording, "/etc/cradle/web.seccomp.json", RunOptionsDialect::podman) ==
          "--cap-drop=all --cap-add=CHOWN --cap-add=SETUID --cap-add=SYSLOG "
          "--cap-add=SYS_ADMIN --security-opt seccomp=/etc/cradle/web.seccomp.json");
}

TEST_CASE("render_run_options without capabilities only drops") {
    CHECK(render_run_options(Recording{}, "web.json", RunOptionsDialect::docker) ==
          "--cap-drop=ALL --security-opt seccomp=web.json");
    CHECK(render_run_options(Recording{}, "web.json", RunOptionsDialect::podman) ==
          "--cap-drop=all --security-opt seccomp=web.json");
}

TEST_CASE("render_run_options quotes paths a shell would split or expand") {
    for (const RunOptionsDialect dialect : {RunOptionsDialect::docker, RunOptionsDialect::podman}) {
        const std::string drop = dialect == RunOptionsDialect::docker ? "--cap-drop=ALL" : "--cap-drop=all";
        CHECK(render_run_options(Recording{}, "/tmp/my dir/p.json", dialect) ==
              drop + " --security-opt seccomp='/tmp/my dir/p.json'");
        CHECK(render_run_options(Recording{}, "/tmp/it's$HOME.json", dialect) ==
              drop + " --security-opt seccomp='/tmp/it'\\''s$HOME.json'");
        CHECK(render_run_options(Recording{}, "", dialect) == drop + " --security-opt seccomp=''");
        CHECK(render_run_options(Recording{}, "a_b-c.d/E9", dialect) == drop + " --security-opt seccomp=a_b-c.d/E9");
    }
}

TEST_CASE("render_run_options_json (golden)") {
    Recording recording;
    recording.capabilities = {"chown"};
    recording.syscalls = {"execve", "read"};
    recording.denied_capabilities = {"sys_admin"};
    recording.incomplete_reasons = {"the workload never started"};
    check_golden_render("run_options.chown-incomplete.json",
                        [&] { return render_run_options_json(recording, "/p/web.seccomp.json"); });
}

TEST_CASE("render_run_options_json names a string that is not UTF-8 instead of throwing") {
    Recording recording;
    recording.incomplete_reasons = {"fine", "cut \xe2\x80"};
    std::optional<Result<std::string>> text;
    CHECK_NOTHROW(text.emplace(render_run_options_json(recording, "/p/web.json")));
    REQUIRE(text.has_value());
    REQUIRE_FALSE(text->ok());
    CHECK(text->error().code == EILSEQ);
    CHECK(text->error().message.find("member \"/incomplete/1\" is not UTF-8") == 0);

    CHECK_NOTHROW(text.emplace(render_run_options_json(Recording{}, "/p/\xff.json")));
    REQUIRE_FALSE(text->ok());
    // The path is in three members; the first in document order is named.
    CHECK(text->error().message.find("member \"/docker_run_options\"") == 0);
}

TEST_CASE("render_kubernetes_security_context with the profile beneath the kubelet's seccomp root (golden)") {
    Recording recording;
    recording.capabilities = {"sys_admin", "chown", "syslog"};
    recording.denied_capabilities = {"net_admin"};
    // sys_admin: the API server refuses allowPrivilegeEscalation: false beside it.
    check_golden_render("kubernetes_security_context.sys-admin-beneath-root.yaml", [&] {
        return render_kubernetes_security_context(recording, "/var/lib/kubelet/seccomp/cradle/./web.json",
                                                  k_kubelet_seccomp_root);
    });
    // A root written with a trailing slash is the same root.
    auto slash = render_kubernetes_security_context(recording, "/srv/seccomp/web.json", "/srv/seccomp/");
    REQUIRE(slash.ok());
    CHECK(contains(*slash, "    localhostProfile: \"web.json\"\n"));
}

TEST_CASE("render_kubernetes_security_context says where to copy a profile outside the root (golden)") {
    Recording recording;
    check_golden_render("kubernetes_security_context.outside-root.yaml", [&] {
        return render_kubernetes_security_context(recording, "/p/my \"web\".json", "/var/lib/kubelet/seccomp");
    });
    // A path that climbs out of the root is not beneath it, nor is the root itself.
    for (const std::string path : {"/var/lib/kubelet/seccomp/../web.json", "/var/lib/kubelet/seccomp",
                                   "/var/lib/kubelet/seccomp2/web.json", "web.json"}) {
        CAPTURE(path);
        auto outside = render_kubernetes_security_context(recording, path, "/var/lib/kubelet/seccomp");
        REQUIRE(outside.ok());
        CHECK(contains(*outside, "    # copy "));
    }
    // A line break in a path stays inside its quotes.
    auto newline = render_kubernetes_security_context(recording, "/p/a\nb.json", "/r");
    REQUIRE(newline.ok());
    CHECK(contains(*newline, "    localhostProfile: \"cradle/a\\nb.json\"\n"));
    CHECK(std::count(newline->begin(), newline->end(), '\n') == 9);
    // A path that is not UTF-8 is refused, not mangled.
    auto bytes = render_kubernetes_security_context(recording, "/p/\xff.json", "/r");
    REQUIRE_FALSE(bytes.ok());
    CHECK(bytes.error().code == EILSEQ);
}

TEST_CASE("kubernetes_allows_privilege_escalation only for setuid, setgid and sys_admin") {
    Recording recording;
    recording.capabilities = {"chown", "kill", "net_bind_service", "dac_override"};
    CHECK_FALSE(kubernetes_allows_privilege_escalation(recording));
    for (const std::string capability : {"setuid", "setgid", "sys_admin"}) {
        Recording with = recording;
        with.capabilities.insert(capability);
        CHECK(kubernetes_allows_privilege_escalation(with));
    }
    // A refused capability is a finding, not a grant.
    recording.denied_capabilities = {"setuid"};
    CHECK_FALSE(kubernetes_allows_privilege_escalation(recording));
}

TEST_CASE("render_oci_config_fragment (golden)") {
    Recording recording;
    recording.capabilities = {"kill", "chown"};
    const nlohmann::json profile = {{"defaultAction", "SCMP_ACT_ERRNO"}};
    check_golden_render("oci_config_fragment.kill-chown.json",
                        [&] { return render_oci_config_fragment(recording, profile); });
    auto bad = render_oci_config_fragment(recording, {{"comment", "\xff"}});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == EILSEQ);
    CHECK(bad.error().message.find("member \"/linux/seccomp/comment\"") == 0);
}

TEST_CASE("systemd_architecture_name knows every architecture Cradle knows") {
    for (const auto& arch : known_architectures()) {
        CAPTURE(arch);
        const auto name = systemd_architecture_name(arch);
        REQUIRE(name.has_value());
        CHECK_FALSE(name->empty());
    }
    CHECK(systemd_architecture_name("x86_64") == "x86-64");
    CHECK(systemd_architecture_name("x86") == "x86");
    CHECK(systemd_architecture_name("aarch64") == "arm64");
    CHECK(systemd_architecture_name("ppc64le") == "ppc64-le");
    CHECK_FALSE(systemd_architecture_name("x86-64").has_value());
    CHECK_FALSE(systemd_architecture_name("").has_value());
}

TEST_CASE("render_systemd_directives (golden)") {
    Recording recording;
    recording.architectures = {"x86_64", "x86"};
    recording.capabilities = {"kill", "chown"};
    recording.syscalls = {"write", "read", "execve"};
    check_golden_render("systemd_directives.two-architectures.conf",
                        [&] { return render_systemd_directives(recording, RefusalErrno::eperm, "x86_64"); });
    // Seen from the other side: the native architecture is never named twice.
    CHECK(contains(render_systemd_directives(recording, RefusalErrno::enosys, "x86"),
                   "SystemCallErrorNumber=ENOSYS\nSystemCallArchitectures=native x86-64\n"));

    recording.capabilities = {"setgid"};
    CHECK_FALSE(contains(render_systemd_directives(recording, RefusalErrno::eperm, "x86_64"), "NoNewPrivileges"));
}

TEST_CASE("render_systemd_directives without syscalls or capabilities allows and keeps nothing (golden)") {
    Recording recording;
    recording.architectures = {"x86_64"};
    // An empty SystemCallFilter= would lift the filter: exit_group, which systemd always allows,
    // stands for the empty list.
    check_golden_render("systemd_directives.nothing.conf",
                        [&] { return render_systemd_directives(recording, RefusalErrno::eperm, "x86_64"); });
}

TEST_CASE("render_systemd_directives wraps a long allow-list by repeating the key") {
    Recording recording;
    recording.architectures = {"x86_64"};
    for (const auto& name :
         {"accept4",   "bind",       "brk",    "clock_gettime", "close", "connect",  "epoll_create1",
          "epoll_ctl", "epoll_wait", "execve", "exit_group",    "fcntl", "fstat",    "futex",
          "getpid",    "getrandom",  "ioctl",  "listen",        "lseek", "mmap",     "mprotect",
          "munmap",    "newfstatat", "openat", "pread64",       "read",  "recvfrom", "rt_sigaction"}) {
        recording.syscalls.insert(name);
    }
    const std::string text = render_systemd_directives(recording, RefusalErrno::eperm, "x86_64");
    std::vector<std::string> names;
    std::size_t filter_lines = 0;
    std::size_t start = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
        const std::string line = text.substr(start, end - start);
        CHECK(line.size() <= 100);
        if (line.rfind("SystemCallFilter=", 0) != 0) {
            continue;
        }
        ++filter_lines;
        std::size_t word = std::string("SystemCallFilter=").size();
        while (word <= line.size()) {
            const std::size_t space = std::min(line.find(' ', word), line.size());
            names.push_back(line.substr(word, space - word));
            word = space + 1;
        }
    }
    CHECK(filter_lines >= 3);
    CHECK(names == std::vector<std::string>(recording.syscalls.begin(), recording.syscalls.end()));
}
