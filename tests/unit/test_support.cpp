#include "test_support.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli.h"

namespace cradle::test {

EventArgument event_argument(std::string name, ArgumentType type, std::uint64_t raw, std::vector<std::string> strings) {
    EventArgument result;
    result.name = std::move(name);
    result.type = type;
    result.raw = raw;
    result.strings = std::move(strings);
    return result;
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cradle-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
    m_fd.reset(::open(m_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(m_fd.valid());
}

TempDir::~TempDir() {
    // A destructor must not throw, and a leftover directory under $TMPDIR fails no test.
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.is_open(), "reading \"" << path << "\"");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_text(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    REQUIRE_MESSAGE(!out.fail(), "writing \"" << path << "\"");
}

std::vector<std::string> entries(const std::string& directory) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> seccomp_names(const std::string& path) {
    const nlohmann::json profile = nlohmann::json::parse(read_text(path));
    REQUIRE(profile.at("syscalls").size() >= 1);
    REQUIRE(profile.at("syscalls").at(0).at("action") == "SCMP_ACT_ALLOW");
    return profile.at("syscalls").at(0).at("names").get<std::vector<std::string>>();
}

CradleRun run_cradle(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    CradleRun run;
    run.status = run_cli(args, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

std::chrono::steady_clock::time_point in(std::chrono::milliseconds time) {
    return std::chrono::steady_clock::now() + time;
}

FakeCollector::FakeCollector(const std::string& socket_path, std::optional<std::string> answer)
    : m_answer(std::move(answer)) {
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

std::string FakeCollector::finish() {
    m_stop = true;
    if (m_thread.joinable()) {
        m_thread.join();
    }
    return m_request;
}

bool FakeCollector::contacted() {
    finish();
    return m_contacted;
}

// Polls in short slices so that finish() is noticed while nothing arrives.
bool FakeCollector::wait_readable(int fd) const {
    while (!m_stop) {
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, 20) > 0) {
            return true;
        }
    }
    return false;
}

// Runs on m_thread, so it must not use doctest's assertions: they belong to the test's thread.
void FakeCollector::serve() {
    if (!wait_readable(m_listener.get())) {
        return;
    }
    UniqueFd connection(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection.valid()) {
        return;
    }
    m_contacted = true;
    char byte;
    while (wait_readable(connection.get()) && ::read(connection.get(), &byte, 1) == 1 && byte != '\n') {
        m_request.push_back(byte);
    }
    if (m_answer) {
        const std::string framed = *m_answer + "\n";
        // A client that gave up early is the client's test to judge, not ours.
        (void)!::send(connection.get(), framed.data(), framed.size(), MSG_NOSIGNAL);
        return;
    }
    while (!m_stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace cradle::test
