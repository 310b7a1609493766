#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/protocol.h"
#include "common/unique_fd.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;
using namespace std::chrono_literals;

namespace {

struct SocketPair {
    UniqueFd a;
    UniqueFd b;
};

SocketPair socket_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

TEST_CASE("protocol: a message makes the round trip over a socket pair") {
    SocketPair pair = socket_pair();
    const std::string message = R"({"op":"status","text":"a b\tc"})";
    auto written = write_message(pair.a.get(), message, in(2s));
    REQUIRE_MESSAGE(written.ok(), written.error().message);
    auto read = read_message(pair.b.get(), in(2s));
    REQUIRE_MESSAGE(read.ok(), read.error().message);
    CHECK(*read == message);

    // Both directions, and an empty message.
    REQUIRE(write_message(pair.b.get(), "", in(2s)).ok());
    auto empty = read_message(pair.a.get(), in(2s));
    REQUIRE_MESSAGE(empty.ok(), empty.error().message);
    CHECK(empty->empty());
}

TEST_CASE("protocol: a message larger than the socket buffer arrives whole") {
    SocketPair pair = socket_pair();
    const std::string message(k_max_message_size - 1, 'x');
    std::optional<Result<std::string>> read;
    std::thread reader([&] { read.emplace(read_message(pair.b.get(), in(10s))); });
    auto written = write_message(pair.a.get(), message, in(10s));
    reader.join();
    REQUIRE_MESSAGE(written.ok(), written.error().message);
    REQUIRE(read.has_value());
    REQUIRE_MESSAGE(read->ok(), read->error().message);
    CHECK(read->value().size() == message.size());
    CHECK(read->value() == message);
}

TEST_CASE("protocol: a message over the limit without a newline is EMSGSIZE") {
    SocketPair pair = socket_pair();
    std::thread writer([&] {
        const std::string chunk(64 * 1024, 'y');
        std::size_t sent = 0;
        while (sent < k_max_message_size + 2 * chunk.size()) {
            const ssize_t count = ::send(pair.a.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
            if (count <= 0) {
                break;  // the reader gave up and closed its end
            }
            sent += static_cast<std::size_t>(count);
        }
    });
    auto read = read_message(pair.b.get(), in(10s));
    pair.b.reset();
    writer.join();
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == EMSGSIZE);
}

TEST_CASE("protocol: nothing arriving before the deadline is ETIMEDOUT") {
    SocketPair pair = socket_pair();
    auto read = read_message(pair.b.get(), in(50ms));
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == ETIMEDOUT);

    // Half a message is no better.
    REQUIRE(::write(pair.a.get(), "{\"ok\":", 6) == 6);
    auto half = read_message(pair.b.get(), in(50ms));
    REQUIRE_FALSE(half.ok());
    CHECK(half.error().code == ETIMEDOUT);

    // A deadline already past fails at once.
    auto past = read_message(pair.b.get(), std::chrono::steady_clock::now() - 1s);
    REQUIRE_FALSE(past.ok());
    CHECK(past.error().code == ETIMEDOUT);
}

TEST_CASE("protocol: the peer closing before a newline is ECONNRESET") {
    SocketPair pair = socket_pair();
    REQUIRE(::write(pair.a.get(), "{\"ok\":true}", 11) == 11);
    pair.a.reset();
    auto read = read_message(pair.b.get(), in(2s));
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == ECONNRESET);

    SocketPair silent = socket_pair();
    silent.a.reset();
    auto nothing = read_message(silent.b.get(), in(2s));
    REQUIRE_FALSE(nothing.ok());
    CHECK(nothing.error().code == ECONNRESET);
}

TEST_CASE("protocol: writing to a closed peer is an error, not SIGPIPE") {
    SocketPair pair = socket_pair();
    pair.b.reset();
    auto written = write_message(pair.a.get(), "{}", in(2s));
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().code == EPIPE);
}

TEST_CASE("protocol: call_collector sends the request and returns an ok answer") {
    TempDir dir;
    FakeCollector collector(dir / "c.sock", R"({"ok":true,"name":"web"})");
    auto answer = call_collector(dir / "c.sock", {{"op", "status"}}, in(5s));
    const std::string request = collector.finish();
    REQUIRE_MESSAGE(answer.ok(), answer.error().message);
    CHECK(answer->at("name") == "web");
    CHECK(nlohmann::json::parse(request) == nlohmann::json{{"op", "status"}});
}

TEST_CASE("protocol: call_collector turns ok:false into EPROTO with the collector's message") {
    TempDir dir;
    FakeCollector collector(dir / "c.sock", R"({"ok":false,"error":"nope"})");
    auto answer = call_collector(dir / "c.sock", {{"op", "status"}}, in(5s));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().code == EPROTO);
    CHECK(answer.error().message.find("nope") != std::string::npos);
}

TEST_CASE("protocol: call_collector refuses answers that are not protocol messages") {
    for (const char* text : {"this is not json", "[1,2]", R"({"name":"web"})", R"({"ok":"yes"})"}) {
        CAPTURE(text);
        TempDir dir;
        FakeCollector collector(dir / "c.sock", std::string(text));
        auto answer = call_collector(dir / "c.sock", {{"op", "status"}}, in(5s));
        REQUIRE_FALSE(answer.ok());
        CHECK(answer.error().code == EPROTO);
    }
}

TEST_CASE("protocol: call_collector fails when nobody listens, and past the deadline") {
    TempDir dir;
    auto missing = call_collector(dir / "missing.sock", {{"op", "status"}}, in(2s));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message.find(dir / "missing.sock") != std::string::npos);

    auto empty = call_collector("", {{"op", "status"}}, in(2s));
    REQUIRE_FALSE(empty.ok());

    FakeCollector silent(dir / "c.sock", std::nullopt);
    auto late = call_collector(dir / "c.sock", {{"op", "status"}}, in(100ms));
    silent.finish();
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().code == ETIMEDOUT);
}

TEST_CASE("protocol: call_collector with a non-string error is EPROTO, not an exception") {
    TempDir dir;
    FakeCollector collector(dir / "c.sock", R"({"ok":false,"error":5})");
    std::optional<Result<nlohmann::json>> answer;
    CHECK_NOTHROW(answer.emplace(call_collector(dir / "c.sock", {{"op", "status"}}, in(5s))));
    REQUIRE(answer.has_value());
    REQUIRE_FALSE(answer->ok());
    CHECK(answer->error().code == EPROTO);
}

TEST_CASE("protocol: members of the wrong type fall back instead of throwing") {
    const auto message = nlohmann::json::parse(R"({"s":5,"n":"x","b":1,"a":["x",3,"y"],"ok":"s"})");
    CHECK(string_member(message, "s", "fallback") == "fallback");
    CHECK(number_member(message, "n", 7) == 7);
    CHECK(bool_member(message, "b", true) == true);
    CHECK(strings_member(message, "a") == std::vector<std::string>{"x", "y"});
    CHECK(string_member(nlohmann::json::array(), "s").empty());
}
