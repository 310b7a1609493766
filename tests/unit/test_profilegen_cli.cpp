#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "profilegen/cli/cli.h"

using namespace cradle;
using namespace std::chrono_literals;

namespace {

// A fresh directory under $TMPDIR, removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "cradle-test-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    const std::string& path() const { return m_path; }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void put(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

// A collector that accepts one connection, reads one line and writes `answer`.
class FakeCollector {
public:
    FakeCollector(const std::string& socket_path, std::string answer) : m_answer(std::move(answer)) {
        m_listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(m_listener.valid());
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(socket_path.size() < sizeof(address.sun_path));
        std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());
        REQUIRE(::bind(m_listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
        REQUIRE(::listen(m_listener.get(), 4) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~FakeCollector() { finish(); }

    std::string finish() {
        m_stop = true;
        if (m_thread.joinable()) {
            m_thread.join();
        }
        return m_request;
    }

private:
    bool wait_readable(int fd) {
        while (!m_stop) {
            pollfd entry{fd, POLLIN, 0};
            if (::poll(&entry, 1, 20) > 0) {
                return true;
            }
        }
        return false;
    }

    void serve() {
        if (!wait_readable(m_listener.get())) {
            return;
        }
        UniqueFd connection(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection.valid()) {
            return;
        }
        char byte;
        while (wait_readable(connection.get()) && ::read(connection.get(), &byte, 1) == 1 && byte != '\n') {
            m_request.push_back(byte);
        }
        const std::string framed = m_answer + "\n";
        (void)!::send(connection.get(), framed.data(), framed.size(), MSG_NOSIGNAL);
    }

    UniqueFd m_listener;
    std::string m_answer;
    std::atomic<bool> m_stop{false};
    std::string m_request;
    std::thread m_thread;
};

constexpr const char* k_web_tracefile =
    "# Cradle tracefile\n"
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nchown\n\n"
    "SYSCALLS\nexecve\nread\nwrite\n\n"
    "RUNTIME_SYSCALLS\nexecve\n";

constexpr const char* k_db_tracefile =
    "ARCH\nx86_64\n\n"
    "CAPABILITIES\nkill\nsetuid\n\n"
    "SYSCALLS\nexecve\nopenat\n";

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

Run run_cradle(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    Run run;
    run.status = run_cli(args, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

std::vector<std::string> seccomp_names(const std::string& path) {
    const nlohmann::json profile = nlohmann::json::parse(slurp(path));
    REQUIRE(profile.at("syscalls").size() == 1);
    return profile.at("syscalls").at(0).at("names").get<std::vector<std::string>>();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cli: options prints the docker flags for one tracefile and its own seccomp profile") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    put(dir / "web.seccomp.json", "{}\n");

    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 0);
    CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json") + "\n");
    CHECK(run.err.empty());
    // It only reads.
    CHECK(slurp(dir / "web.seccomp.json") == "{}\n");
}

TEST_CASE("cli: options without a seccomp profile beside the tracefile asks for --output") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "--output"));
    CHECK(contains(run.err, dir / "web.seccomp.json"));
}

TEST_CASE("cli: options --output merges several tracefiles into one profile") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    put(dir / "db.tracefile", k_db_tracefile);
    const std::string output = dir / "out/merged.json";

    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"options", "--output", output, dir / "web.tracefile", dir / "db.tracefile"},
          std::vector<std::string>{"options", dir / "web.tracefile", "--output=" + output, dir / "db.tracefile"}}) {
        std::filesystem::remove_all(dir / "out");
        const Run run = run_cradle(args);
        CHECK(run.status == 0);
        CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --cap-add=KILL --cap-add=SETUID --security-opt=seccomp:" +
                             output + "\n");
        CHECK(seccomp_names(output) == std::vector<std::string>{"execve", "openat", "read", "write"});
    }
}

TEST_CASE("cli: options with several inputs and no --output is an error") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    put(dir / "web.seccomp.json", "{}\n");
    put(dir / "db.tracefile", k_db_tracefile);
    put(dir / "db.seccomp.json", "{}\n");
    const Run run = run_cradle({"options", dir / "web.tracefile", dir / "db.tracefile"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "2 recordings"));
    CHECK(contains(run.err, "--output"));
}

TEST_CASE("cli: options reads every *.tracefile of a directory") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    put(dir / "web.seccomp.json", "{}\n");
    // Neither a hidden file (an unfinished atomic write) nor other files are inputs.
    put(dir / ".old.tracefile", "garbage that does not parse\n");
    put(dir / "notes.txt", "garbage that does not parse\n");

    SUBCASE("one tracefile uses its own profile") {
        const Run run = run_cradle({"options", dir.path()});
        CHECK(run.status == 0);
        CHECK(run.out == "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json") + "\n");
    }
    SUBCASE("two tracefiles need --output") {
        put(dir / "db.tracefile", k_db_tracefile);
        const Run without = run_cradle({"options", dir.path()});
        CHECK(without.status == 2);
        CHECK(contains(without.err, "--output"));

        const Run with = run_cradle({"options", "--output", dir / "all.json", dir.path()});
        CHECK(with.status == 0);
        CHECK(seccomp_names(dir / "all.json") == std::vector<std::string>{"execve", "openat", "read", "write"});
    }
    SUBCASE("a directory without tracefiles is an error") {
        TempDir empty;
        const Run run = run_cradle({"options", empty.path()});
        CHECK(run.status == 2);
        CHECK(contains(run.err, empty.path()));
    }
}

TEST_CASE("cli: options --format json") {
    TempDir dir;
    put(dir / "web.tracefile", k_web_tracefile);
    put(dir / "web.seccomp.json", "{}\n");
    const Run run = run_cradle({"options", "--format", "json", dir / "web.tracefile"});
    CHECK(run.status == 0);
    const nlohmann::json document = nlohmann::json::parse(run.out);
    CHECK(document.at("docker_run_options") ==
          "--cap-drop=ALL --cap-add=CHOWN --security-opt=seccomp:" + (dir / "web.seccomp.json"));
    CHECK(document.at("capabilities") == nlohmann::json::array({"CAP_CHOWN"}));
    CHECK(document.at("seccomp_profile") == dir / "web.seccomp.json");
    CHECK(document.at("syscalls") == 3);
    CHECK(document.at("incomplete").empty());
}

TEST_CASE("cli: an incomplete or refused recording is a finding") {
    TempDir dir;
    put(dir / "web.tracefile", std::string(k_web_tracefile) +
                                   "\nDENIED_CAPABILITIES\nsys_admin\n\nINCOMPLETE\nthe workload never started\n");
    put(dir / "web.seccomp.json", "{}\n");
    const Run run = run_cradle({"options", dir / "web.tracefile"});
    CHECK(run.status == 1);
    CHECK(contains(run.out, "--cap-add=CHOWN"));
    CHECK_FALSE(contains(run.out, "SYS_ADMIN"));
    CHECK(contains(run.err, "INCOMPLETE"));
    CHECK(contains(run.err, "the workload never started"));
    CHECK(contains(run.err, "sys_admin"));

    const Run json = run_cradle({"options", "--format=json", dir / "web.tracefile"});
    CHECK(json.status == 1);
    const nlohmann::json document = nlohmann::json::parse(json.out);
    CHECK(document.at("incomplete") == nlohmann::json::array({"the workload never started"}));
    CHECK(document.at("denied_capabilities") == nlohmann::json::array({"sys_admin"}));
}

TEST_CASE("cli: unreadable inputs are errors that name them") {
    TempDir dir;
    SUBCASE("missing") {
        const Run run = run_cradle({"options", dir / "missing.tracefile"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, dir / "missing.tracefile"));
    }
    SUBCASE("corrupt") {
        put(dir / "bad.tracefile", "SYSCALLS\nRead\n");
        put(dir / "bad.seccomp.json", "{}\n");
        const Run run = run_cradle({"options", dir / "bad.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, dir / "bad.tracefile"));
        CHECK(contains(run.err, "Read"));
    }
    SUBCASE("none") {
        const Run run = run_cradle({"options"});
        CHECK(run.status == 2);
        CHECK_FALSE(run.err.empty());
    }
}

TEST_CASE("cli: usage errors exit 2 with a message on stderr") {
    SUBCASE("no command") {
        const Run run = run_cradle({});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "Usage:"));
    }
    SUBCASE("unknown command") {
        const Run run = run_cradle({"frobnicate"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown command \"frobnicate\""));
    }
    SUBCASE("unknown option") {
        const Run run = run_cradle({"options", "--frob", "x.tracefile"});
        CHECK(run.status == 2);
        CHECK(run.out.empty());
        CHECK(contains(run.err, "unknown option \"--frob\""));
    }
    SUBCASE("option without its value") {
        const Run run = run_cradle({"options", "--output"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "--output"));
    }
    SUBCASE("unknown format") {
        const Run run = run_cradle({"status", "--format", "yaml"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "\"yaml\""));
    }
    SUBCASE("help goes to stdout") {
        const Run run = run_cradle({"--help"});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "Usage:"));
        CHECK(run.err.empty());
    }
}

TEST_CASE("cli: status without a collector is an error that names the socket") {
    const Run run = run_cradle({"status", "--socket", "/nonexistent/cradle.sock"});
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "/nonexistent/cradle.sock"));
}

TEST_CASE("cli: status prints what the collector reports") {
    TempDir dir;
    const nlohmann::json answer = {
        {"ok", true},
        {"capability_source", "fexit"},
        {"classifies_probes", true},
        {"output_dir", "/var/lib/cradle/profiles"},
        {"pin_dir", "/sys/fs/bpf/cradle"},
        {"runtime_baseline_syscalls", 17},
        {"runtime_baseline_samples", 2},
        {"containers",
         {{{"id", "abc123"}, {"name", "web"}, {"phase", "workload"}, {"workload_syscalls", 42}, {"lost_syscalls", 1},
           {"lost_cgroups", 2}}}}};

    SUBCASE("text") {
        FakeCollector collector(dir / "c.sock", answer.dump());
        const Run run = run_cradle({"status", "--socket", dir / "c.sock"});
        CHECK(nlohmann::json::parse(collector.finish()) == nlohmann::json{{"op", "status"}});
        CHECK(run.status == 0);
        CHECK(contains(run.out, "fexit (no-audit probes told apart)"));
        CHECK(contains(run.out, "17 syscalls from 2 containers"));
        CHECK(contains(run.out, "containers:        1"));
        CHECK(contains(run.out, "abc123"));
        CHECK(contains(run.out, "web"));
        CHECK(contains(run.out, "42"));
    }
    SUBCASE("json") {
        FakeCollector collector(dir / "c.sock", answer.dump());
        const Run run = run_cradle({"status", "--format", "json", "--socket=" + (dir / "c.sock")});
        CHECK(run.status == 0);
        CHECK(nlohmann::json::parse(run.out) == answer);
    }
    SUBCASE("refused") {
        FakeCollector collector(dir / "c.sock", R"({"ok":false,"error":"only root may ask"})");
        const Run run = run_cradle({"status", "--socket", dir / "c.sock"});
        CHECK(run.status == 2);
        CHECK(contains(run.err, "only root may ask"));
    }
}

TEST_CASE("cli: an input not named *.tracefile has no seccomp profile of its own") {
    TempDir dir;
    put(dir / "web-profile.txt", k_web_tracefile);
    put(dir / "web-p.seccomp.json", "{}\n");
    const Run run = run_cradle({"options", dir / "web-profile.txt"});
    CHECK(run.status == 2);
    CHECK(contains(run.err, "--output"));
    CHECK_FALSE(contains(run.out, "web-p.seccomp.json"));
}
