#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/options_command.h"
#include "golden.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

constexpr const char* k_web_tracefile =
    "# Cradle tracefile\n"
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nexit_group\nread\nwrite\n\n"
    "RUNTIME_SYSCALLS\nexecve\n";

constexpr const char* k_db_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nkill\nsetuid\n\n"
    "SYSCALLS\nexecve\nexit_group\nopenat\n";

// A recording as the collector leaves it: `<name>.tracefile` holding `tracefile`, with a
// placeholder `<name>.seccomp.json` beside it.
void put_recording(const TempDir& dir, const std::string& name, const std::string& tracefile) {
    write_text(dir / (name + ".tracefile"), tracefile);
    write_text(dir / (name + ".seccomp.json"), "{}\n");
}

}  // namespace

TEST_CASE("cli: options prints the docker flags for one tracefile and its own seccomp profile") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);

    const CradleRun run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + (dir / "web.seccomp.json") + "\n");
    CHECK(run.err.empty());
    // It only reads.
    CHECK(read_text(dir / "web.seccomp.json") == "{}\n");
}

TEST_CASE("cli: options without a seccomp profile beside the tracefile asks for --output") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    const CradleRun run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "--output"));
    CHECK(contains(run.err, dir / "web.seccomp.json"));
}

TEST_CASE("cli: options --output merges several tracefiles into one profile") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    const std::string output = dir / "out/merged.json";

    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"options", "--output", output, dir / "web.tracefile", dir / "db.tracefile"},
          std::vector<std::string>{"options", dir / "web.tracefile", "--output=" + output, dir / "db.tracefile"}}) {
        std::filesystem::remove_all(dir / "out");
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.out ==
              "--cap-drop=ALL --cap-add=CHOWN --cap-add=KILL --cap-add=SETUID --security-opt seccomp=" + output + "\n");
        // The union, and restart_syscall, which the kernel may make any process call.
        CHECK(seccomp_names(output) ==
              std::vector<std::string>{"execve", "exit_group", "openat", "read", "restart_syscall", "write"});
    }
}

TEST_CASE("cli: options with several inputs and no --output is an error") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    put_recording(dir, "db", k_db_tracefile);
    const CradleRun run = run_cradle({"options", dir / "web.tracefile", dir / "db.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "2 recordings"));
    CHECK(contains(run.err, "--output"));
}

TEST_CASE("cli: options reads every *.tracefile of a directory") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    // Neither a hidden file (an unfinished atomic write) nor other files are inputs.
    write_text(dir / ".old.tracefile", "garbage that does not parse\n");
    write_text(dir / "notes.txt", "garbage that does not parse\n");

    SUBCASE("one tracefile uses its own profile") {
        const CradleRun run = run_cradle({"options", dir.path()});
        CHECK(run.status == 0);
        CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + (dir / "web.seccomp.json") + "\n");
    }
    SUBCASE("two tracefiles need --output") {
        write_text(dir / "db.tracefile", k_db_tracefile);
        const CradleRun without = run_cradle({"options", dir.path()});
        CHECK(without.status == 2);
        CHECK(contains(without.err, "--output"));

        const CradleRun with = run_cradle({"options", "--output", dir / "all.json", dir.path()});
        CHECK(with.status == 0);
        CHECK(seccomp_names(dir / "all.json") ==
              std::vector<std::string>{"execve", "exit_group", "openat", "read", "restart_syscall", "write"});
    }
    SUBCASE("a directory without tracefiles is an error") {
        TempDir empty;
        const CradleRun run = run_cradle({"options", empty.path()});
        CHECK(run.status == 2);
        CHECK(contains(run.err, empty.path()));
    }
}

TEST_CASE("cli: options --format picks docker's or podman's spelling") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    const std::string profile = dir / "web.seccomp.json";
    const std::string docker = "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + profile + "\n";
    const std::string podman = "--cap-drop=all --cap-add=CHOWN --security-opt seccomp=" + profile + "\n";
    for (const auto& [args, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"options", dir / "web.tracefile"}, docker},
             {{"options", "--format", "docker", dir / "web.tracefile"}, docker},
             {{"options", "--format=text", dir / "web.tracefile"}, docker},
             {{"options", "--format", "podman", dir / "web.tracefile"}, podman},
             {{"options", dir / "web.tracefile", "--format=podman"}, podman}}) {
        CAPTURE(args[1]);
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.out == expected);
        CHECK(run.err.empty());
    }
}

TEST_CASE("cli: options --format json") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    const CradleRun run = run_cradle({"options", "--format", "json", dir / "web.tracefile"});
    CHECK(run.status == 0);
    const nlohmann::json document = nlohmann::json::parse(run.out);
    CHECK(document.at("docker_run_options") ==
          "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + (dir / "web.seccomp.json"));
    CHECK(document.at("podman_run_options") ==
          "--cap-drop=all --cap-add=CHOWN --security-opt seccomp=" + (dir / "web.seccomp.json"));
    CHECK(document.at("capabilities") == nlohmann::json::array({"CAP_CHOWN"}));
    CHECK(document.at("seccomp_profile") == dir / "web.seccomp.json");
    CHECK(document.at("syscalls") == 5);  // with the implied restart_syscall
    CHECK(document.at("incomplete").empty());
}

TEST_CASE("cli: options --format kubernetes names the profile beneath the seccomp root, or says where to copy it") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    const CradleRun outside = run_cradle({"options", "--format", "kubernetes", dir / "web.tracefile"});
    CHECK(outside.status == 0);
    CHECK(outside.err.empty());
    CHECK(outside.out ==
          "securityContext:\n"
          "  allowPrivilegeEscalation: false\n"
          "  capabilities:\n"
          "    drop:\n"
          "    - ALL\n"
          "    add:\n"
          "    - CHOWN\n"
          "  seccompProfile:\n"
          "    type: Localhost\n"
          "    # copy \"" +
              (dir / "web.seccomp.json") +
              "\" to \"/var/lib/kubelet/seccomp/cradle/web.seccomp.json\" on every node\n"
              "    localhostProfile: \"cradle/web.seccomp.json\"\n");

    const CradleRun beneath = run_cradle({"options", "--format=kubernetes", "--seccomp-root", dir.path(), "--output",
                                          dir / "cradle/web.json", dir / "web.tracefile"});
    CHECK(beneath.status == 0);
    CHECK(contains(beneath.out, "    type: Localhost\n    localhostProfile: \"cradle/web.json\"\n"));
    CHECK_FALSE(contains(beneath.out, "# copy"));
    CHECK(seccomp_names(dir / "cradle/web.json") ==
          std::vector<std::string>{"execve", "exit_group", "read", "restart_syscall", "write"});
}

TEST_CASE("cli: options --format oci embeds the merged profile and needs no profile file") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    write_text(dir / "db.tracefile", k_db_tracefile);
    for (const auto& [refusal, number] : std::vector<std::pair<std::string, int>>{{"EPERM", 1}, {"ENOSYS", 38}}) {
        CAPTURE(refusal);
        const CradleRun run =
            run_cradle({"options", "--format", "oci", "--errno", refusal, dir / "web.tracefile", dir / "db.tracefile"});
        CHECK(run.status == 0);
        CHECK(run.err.empty());
        const nlohmann::json document = nlohmann::json::parse(run.out);
        const nlohmann::json& seccomp = document.at("linux").at("seccomp");
        CHECK(seccomp.at("defaultErrnoRet") == number);
        CHECK(seccomp.at("syscalls").at(0).at("names") ==
              nlohmann::json::array({"execve", "exit_group", "openat", "read", "restart_syscall", "write"}));
        const nlohmann::json capabilities = nlohmann::json::array({"CAP_CHOWN", "CAP_KILL", "CAP_SETUID"});
        const nlohmann::json& process = document.at("process").at("capabilities");
        CHECK(process.at("bounding") == capabilities);
        CHECK(process.at("effective") == capabilities);
        CHECK(process.at("permitted") == capabilities);
        CHECK(process.at("inheritable").empty());
        CHECK(process.at("ambient").empty());
    }
    CHECK(entries(dir.path()) == std::vector<std::string>{"db.tracefile", "web.tracefile"});
}

TEST_CASE("cli: options --format systemd") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    const CradleRun run = run_cradle({"options", "--format", "systemd", dir / "web.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.err.empty());
    CHECK(run.out ==
          "SystemCallFilter=execve exit_group read restart_syscall write\n"
          "SystemCallErrorNumber=EPERM\n"
          "SystemCallArchitectures=native\n"
          "CapabilityBoundingSet=CAP_CHOWN\n"
          "AmbientCapabilities=\n"
          "NoNewPrivileges=yes\n");
    const CradleRun enosys = run_cradle({"options", "--format", "systemd", "--errno=ENOSYS", dir / "web.tracefile"});
    CHECK(enosys.status == 0);
    CHECK(contains(enosys.out, "\nSystemCallErrorNumber=ENOSYS\n"));
}

TEST_CASE("cli: options --errno sets the merged profile's answer, and only where it can") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    const CradleRun enosys =
        run_cradle({"options", "--errno", "ENOSYS", "--output", dir / "enosys.json", dir / "web.tracefile"});
    CHECK(enosys.status == 0);
    CHECK(enosys.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + (dir / "enosys.json") + "\n");
    CHECK(nlohmann::json::parse(read_text(dir / "enosys.json")).at("defaultErrnoRet") == 38);
    const CradleRun eperm =
        run_cradle({"options", "--errno", "EPERM", "--output", dir / "eperm.json", dir / "web.tracefile"});
    CHECK(eperm.status == 0);
    CHECK(nlohmann::json::parse(read_text(dir / "eperm.json")).at("defaultErrnoRet") == 1);

    // The recording's own profile answers EPERM: asking for ENOSYS with it is a mistake.
    for (const std::string format : {"docker", "podman", "json", "kubernetes"}) {
        CAPTURE(format);
        const CradleRun run = run_cradle({"options", "--format", format, "--errno", "ENOSYS", dir / "web.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(run.err == "cradle options: --errno ENOSYS needs --output: the recording's own profile answers EPERM\n");
    }
    const CradleRun unknown = run_cradle({"options", "--errno", "eperm", dir / "web.tracefile"});
    CHECK(unknown.status == 2);
    CHECK(unknown.err == "cradle options: --errno must be EPERM or ENOSYS, not \"eperm\"\n");
    CHECK(read_text(dir / "web.seccomp.json") == "{}\n");
}

TEST_CASE("cli: an incomplete or refused recording is a finding") {
    TempDir dir;
    put_recording(
        dir, "web",
        std::string(k_web_tracefile) + "\nDENIED_CAPABILITIES\nsys_admin\n\nINCOMPLETE\nthe workload never started\n");
    const CradleRun run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 1);
    CHECK(contains(run.out, "--cap-add=CHOWN"));
    CHECK_FALSE(contains(run.out, "SYS_ADMIN"));
    CHECK(contains(run.err, "INCOMPLETE"));
    CHECK(contains(run.err, "the workload never started"));
    CHECK(contains(run.err, "sys_admin"));

    const CradleRun json = run_cradle({"options", "--format=json", dir / "web.tracefile"});
    CHECK(json.status == 1);
    const nlohmann::json document = nlohmann::json::parse(json.out);
    CHECK(document.at("incomplete") == nlohmann::json::array({"the workload never started"}));
    CHECK(document.at("denied_capabilities") == nlohmann::json::array({"sys_admin"}));
}

TEST_CASE("cli: unreadable inputs are errors that name them") {
    TempDir dir;
    SUBCASE("missing") {
        const CradleRun run = run_cradle({"options", dir / "missing.tracefile"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, dir / "missing.tracefile"));
    }
    SUBCASE("corrupt") {
        put_recording(dir, "bad", "SYSCALLS\nRead\n");
        const CradleRun run = run_cradle({"options", dir / "bad.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, dir / "bad.tracefile"));
        CHECK(contains(run.err, "Read"));
    }
    SUBCASE("none") {
        const CradleRun run = run_cradle({"options"});
        CHECK(run.status == 2);
        CHECK_FALSE(run.err.empty());
    }
}

TEST_CASE("cli: an input not named *.tracefile has no seccomp profile of its own") {
    TempDir dir;
    write_text(dir / "web-profile.txt", k_web_tracefile);
    write_text(dir / "web-p.seccomp.json", "{}\n");
    const CradleRun run = run_cradle({"options", dir / "web-profile.txt"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "--output"));
    CHECK_FALSE(contains(run.out, "web-p.seccomp.json"));
}

TEST_CASE("cli: options --format json refuses strings that are not UTF-8 and names them") {
    TempDir dir;
    SUBCASE("a reason read from the tracefile") {
        put_recording(dir, "web", std::string(k_web_tracefile) + "\nINCOMPLETE\nlost \xff bytes\n");
        CradleRun run;
        CHECK_NOTHROW(run = run_cradle({"options", "--format", "json", dir / "web.tracefile"}));
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "cradle options: writing the options as JSON: member \"/incomplete/0\" is not UTF-8"));
        // The text format has no such constraint.
        const CradleRun text = run_cradle({"options", dir / "web.tracefile"});
        CHECK(text.status == 1);
        CHECK(contains(text.out, "--cap-add=CHOWN"));
    }
    SUBCASE("a path") {
        put_recording(dir,
                      "w\xe9"
                      "b",
                      k_web_tracefile);
        CradleRun run;
        CHECK_NOTHROW(run = run_cradle({"options", "--format=json",
                                        dir / "w\xe9"
                                              "b.tracefile"}));
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "is not UTF-8"));
    }
}

TEST_CASE("cli: options usage errors exit 2 with a message on stderr") {
    SUBCASE("unknown option") {
        const CradleRun run = run_cradle({"options", "--frob", "x.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown option \"--frob\""));
    }
    SUBCASE("option without its value") {
        const CradleRun run = run_cradle({"options", "--output"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "--output"));
    }
    SUBCASE("unknown format") {
        const CradleRun run = run_cradle({"options", "--format=yaml", "x.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.err ==
              "cradle options: --format must be docker, podman, json, kubernetes, oci or systemd, not \"yaml\"\n");
        // Names are exact, as the engines' own are.
        const CradleRun upper = run_cradle({"options", "--format=Podman", "x.tracefile"});
        CHECK(upper.status == 2);
        CHECK(upper.err ==
              "cradle options: --format must be docker, podman, json, kubernetes, oci or systemd, not \"Podman\"\n");
    }
}

TEST_CASE("cli: options refuses the flags of other subcommands, naming the flag and itself") {
    TempDir dir;
    put_recording(dir, "web", k_web_tracefile);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"options", "--socket", dir / "c.sock", dir / "web.tracefile"},
          std::vector<std::string>{"options", dir / "web.tracefile", "--socket=" + (dir / "c.sock")},
          std::vector<std::string>{"options", "--config", dir / "cradle.json", dir / "web.tracefile"}}) {
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        const std::string flag = args[1] == "--config" ? "--config" : "--socket";
        CHECK(run.err == "cradle options: unknown option \"" + flag + "\"\n");
    }
    // And accepts what follows "--" as an input, however it is spelled.
    const CradleRun run = run_cradle({"options", "--", dir / "web.tracefile"});
    CHECK(run.status == 0);
    CHECK(contains(run.out, "--cap-add=CHOWN"));
}

TEST_CASE("cli: options --help prints its options and examples on stdout, and does nothing else") {
    TempDir dir;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"options", "--help"}, std::vector<std::string>{"options", "-h"},
          std::vector<std::string>{"options", "--output", dir / "o.json", "--help", dir / "missing.tracefile"},
          std::vector<std::string>{"help", "options"}}) {
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.err.empty());
        CHECK(run.out == k_options_command_help);
    }
    CHECK(contains(k_options_command_help, "Usage: cradle options "));
    CHECK(contains(k_options_command_help, "--output SECCOMP_PATH"));
    CHECK(contains(k_options_command_help, "--format docker|podman|json|kubernetes|oci|systemd"));
    CHECK(contains(k_options_command_help, "--errno EPERM|ENOSYS"));
    CHECK(contains(k_options_command_help, "--seccomp-root DIR"));
    CHECK(contains(k_options_command_help, "  cradle options --format kubernetes "));
    CHECK(contains(k_options_command_help, "  cradle options --format oci "));
    CHECK(contains(k_options_command_help, "  cradle options --format systemd "));
    CHECK(contains(k_options_command_help, "  cradle options --format podman "));
    CHECK(contains(k_options_command_help, "Examples:\n  cradle options "));
    CHECK(entries(dir.path()).empty());
}

TEST_CASE("cli: options --format kubernetes --crd prints the securityContext and a SeccompProfile object") {
    TempDir dir;
    write_text(dir / "Web_API.tracefile", k_web_tracefile);
    const CradleRun run = run_cradle({"options", "--format", "kubernetes", "--crd", dir / "Web_API.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.err.empty());
    // No profile file: the operator installs the object at operator/<name>.json.
    CHECK(run.out.find("securityContext:\n"
                       "  allowPrivilegeEscalation: false\n"
                       "  capabilities:\n"
                       "    drop:\n"
                       "    - ALL\n"
                       "    add:\n"
                       "    - CHOWN\n"
                       "  seccompProfile:\n"
                       "    type: Localhost\n"
                       "    localhostProfile: \"operator/web-api.json\"\n"
                       "---\n"
                       "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
                       "kind: SeccompProfile\n"
                       "metadata:\n"
                       "  name: \"web-api\"\n"
                       "spec:\n"
                       "  defaultAction: SCMP_ACT_ERRNO\n"
                       "  architectures:\n"
                       "  - SCMP_ARCH_X86_64\n"
                       "  syscalls:\n"
                       "  - action: SCMP_ACT_ALLOW\n"
                       "    names:\n"
                       "    - execve\n"
                       "    - exit_group\n"
                       "    - read\n"
                       "    - restart_syscall\n"
                       "    - write\n") == 0);
    CHECK(entries(dir.path()) == std::vector<std::string>{"Web_API.tracefile"});

    const CradleRun namespaced =
        run_cradle({"options", "--format", "kubernetes", "--crd", "--namespace", "shop", dir / "Web_API.tracefile"});
    CHECK(namespaced.status == 0);
    CHECK(contains(namespaced.out, "    localhostProfile: \"operator/shop/web-api.json\"\n"));
    CHECK(contains(namespaced.out, "  name: \"web-api\"\n  namespace: \"shop\"\n"));

    // Several recordings take the name of --output's file.
    write_text(dir / "db.tracefile", k_db_tracefile);
    const CradleRun merged = run_cradle({"options", "--format", "kubernetes", "--crd", "--output",
                                         dir / "shop.seccomp.json", dir / "Web_API.tracefile", dir / "db.tracefile"});
    CHECK(merged.status == 0);
    CHECK(contains(merged.out, "  name: \"shop\"\n"));
    const CradleRun unnamed =
        run_cradle({"options", "--format", "kubernetes", "--crd", dir / "Web_API.tracefile", dir / "db.tracefile"});
    CHECK(unnamed.status == 2);
    CHECK(unnamed.err == "cradle options: 2 recordings merged: name the SeccompProfile with --output\n");
    CHECK(contains(k_options_command_help, "  cradle options --format kubernetes --crd "));
}

TEST_CASE("cli: options --crd and --namespace only where they mean something") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_web_tracefile);
    const auto refused = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "options");
        args.push_back(dir / "web.tracefile");
        const CradleRun run = run_cradle(args);
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        return run.err;
    };
    CHECK(refused({"--crd"}) == "cradle options: --crd goes with --format kubernetes\n");
    CHECK(refused({"--crd=yes", "--format", "kubernetes"}) == "cradle options: --crd takes no value\n");
    CHECK(refused({"--format", "kubernetes", "--crd", "--errno", "ENOSYS"}) ==
          "cradle options: --crd cannot carry --errno ENOSYS: a SeccompProfile has no defaultErrnoRet, so the runtime "
          "answers EPERM\n");
    CHECK(refused({"--format", "kubernetes", "--namespace", "shop"}) ==
          "cradle options: --namespace goes with --crd\n");
    CHECK(refused({"--format", "kubernetes", "--crd", "--namespace", "Shop"}) ==
          "cradle options: --namespace must be a DNS-1123 label ([a-z0-9-], at most 63), not \"Shop\"\n");
}

namespace {

// A deny-list base that refuses mkdir, and an allow-list one that lacks it.
constexpr const char* k_deny_mkdir =
    R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]})";
constexpr const char* k_allow_some = R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["execve", "exit_group", "read", "write"], "action": "SCMP_ACT_ALLOW"}]})";

constexpr const char* k_mkdir_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nexit_group\nmkdir\nread\nwrite\n";

}  // namespace

TEST_CASE("cli: options --base keeps what the base refuses refused, and says so (golden)") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_mkdir_tracefile);
    write_text(dir / "deny.json", k_deny_mkdir);
    write_text(dir / "allow.json", k_allow_some);

    const CradleRun deny =
        run_cradle({"options", "--base", dir / "deny.json", "--output", dir / "out/web.json", dir / "web.tracefile"});
    CHECK(deny.status == 1);
    CHECK(deny.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt seccomp=" + (dir / "out/web.json") + "\n");
    CHECK(deny.err ==
          "cradle options: finding: the workload made syscall mkdir, which the base refuses by syscalls[0] "
          "(SCMP_ACT_ERRNO): it stays refused\n");
    // --output holds the base as runc takes it.
    check_golden("options.mkdir.base-deny-mkdir.seccomp.json", read_text(dir / "out/web.json"));

    // An allow-list base refuses by its default what it does not list; restart_syscall is
    // implied by every recording.
    const CradleRun allow =
        run_cradle({"options", "--format", "oci", "--base", dir / "allow.json", dir / "web.tracefile"});
    CHECK(allow.status == 1);
    CHECK(allow.err ==
          "cradle options: finding: the workload made syscall mkdir, which the base refuses by defaultAction "
          "SCMP_ACT_ERRNO: it stays refused\n"
          "cradle options: finding: the workload made syscall restart_syscall, which the base refuses by "
          "defaultAction SCMP_ACT_ERRNO: it stays refused\n");
    const nlohmann::json fragment = nlohmann::json::parse(allow.out);
    CHECK(fragment.at("linux").at("seccomp").at("syscalls").at(0).at("names") ==
          nlohmann::json{"execve", "exit_group", "read", "write"});

    // With --crd the object holds the base too.
    const CradleRun crd =
        run_cradle({"options", "--format", "kubernetes", "--crd", "--base", dir / "deny.json", dir / "web.tracefile"});
    CHECK(crd.status == 1);
    CHECK(contains(crd.out, "spec:\n  defaultAction: SCMP_ACT_ALLOW\n"));

    // A base that allows all the workload did: no finding.
    write_text(dir / "mkdir-ok.json",
               R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve", "exit_group", "mkdir",
                   "read", "restart_syscall", "write"], "action": "SCMP_ACT_ALLOW"}]})");
    const CradleRun fits =
        run_cradle({"options", "--base", dir / "mkdir-ok.json", "--output", dir / "fits.json", dir / "web.tracefile"});
    CHECK(fits.status == 0);
    CHECK(fits.err.empty());
}

TEST_CASE("cli: options --base errors and usage errors") {
    TempDir dir;
    write_text(dir / "web.tracefile", k_mkdir_tracefile);
    write_text(dir / "deny.json", k_deny_mkdir);
    write_text(dir / "flags.json", R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": []})");
    const auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "options");
        args.push_back(dir / "web.tracefile");
        return run_cradle(args);
    };
    const CradleRun no_output = run({"--base", dir / "deny.json"});
    CHECK(no_output.status == 2);
    CHECK(no_output.err ==
          "cradle options: --base needs --output: the profile held against the base is written there\n");
    const CradleRun with_errno = run({"--base", dir / "deny.json", "--errno", "EPERM", "--output", dir / "o.json"});
    CHECK(with_errno.status == 2);
    CHECK(with_errno.err ==
          "cradle options: --base keeps the base's defaultAction and errno: --errno cannot go with it\n");
    const CradleRun systemd = run({"--format", "systemd", "--base", dir / "deny.json"});
    CHECK(systemd.status == 2);
    CHECK(contains(systemd.err, "--base does not go with --format systemd"));
    const CradleRun missing = run({"--format", "oci", "--base", dir / "none.json"});
    CHECK(missing.status == 2);
    CHECK(contains(missing.err, "cradle options: base profile: reading \"" + (dir / "none.json") + "\""));
    const CradleRun flags = run({"--format", "oci", "--base", dir / "flags.json"});
    CHECK(flags.status == 2);
    CHECK(flags.out.empty());
    CHECK(flags.err ==
          "cradle options: base profile: \"flags\": not supported by Cradle (refused rather than ignored) (in \"" +
              (dir / "flags.json") + "\")\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"deny.json", "flags.json", "web.tracefile"});
    CHECK(contains(k_options_command_help, "  cradle options --base "));
}

TEST_CASE("cli: options refuses a recording that cannot have come from a real run, in every format") {
    TempDir dir;
    put_recording(dir, "web", "ARCH\nx86_64\n\nCAPABILITIES\n\nSYSCALLS\nexecve\nread\n");
    for (const std::string format : {"docker", "oci", "systemd"}) {
        const CradleRun run =
            run_cradle({"options", "--format", format, "--output", dir / "out.json", dir / "web.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(run.err ==
              "cradle options: refusing the recording: cannot have come from a real run: no exit_group (nor exit)\n");
    }
    CHECK(entries(dir.path()) == std::vector<std::string>{"web.seccomp.json", "web.tracefile"});

    // Merged with a recording that has it, the union is whole.
    put_recording(dir, "db", k_db_tracefile);
    const CradleRun merged =
        run_cradle({"options", "--output", dir / "out.json", dir / "web.tracefile", dir / "db.tracefile"});
    CHECK(merged.status == 0);
}
