#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "collector/request.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

Request parsed(std::string_view text) {
    auto request = parse_request(text);
    REQUIRE_MESSAGE(request.ok(), request.error().message);
    return *request;
}

std::string refusal(std::string_view text) {
    auto request = parse_request(text);
    REQUIRE_FALSE(request.ok());
    CHECK(request.error().code == EINVAL);
    return request.error().message;
}

}  // namespace

TEST_CASE("request: register, flush and status are read into types") {
    const Request registering =
        parsed(R"({"op":"register","id":"web","pid":4242,"annotations":{"io.cradle.profile":"web-%Y"}})");
    REQUIRE(std::holds_alternative<RegisterRequest>(registering));
    const auto& r = std::get<RegisterRequest>(registering);
    CHECK(r.id == "web");
    CHECK(r.pid == 4242);
    REQUIRE(r.profile);
    CHECK(*r.profile == "web-%Y");
    CHECK(std::string(request_name(registering)) == "register");

    const Request flushing = parsed(R"({"op":"flush","id":"web"})");
    REQUIRE(std::holds_alternative<FlushRequest>(flushing));
    CHECK(std::get<FlushRequest>(flushing).id == "web");
    CHECK(std::string(request_name(flushing)) == "flush");

    CHECK(std::holds_alternative<StatusRequest>(parsed(R"({"op":"status"})")));
}

TEST_CASE("request: fields of the wrong type read as absent, for the collector to name") {
    const auto r = std::get<RegisterRequest>(
        parsed(R"({"op":"register","id":7,"pid":"4242","annotations":{"io.cradle.profile":1}})"));
    CHECK(r.id.empty());
    CHECK(r.pid == 0);
    CHECK_FALSE(r.profile);
    CHECK(std::get<RegisterRequest>(parsed(R"({"op":"register","pid":18446744073709551615})")).pid == 0);
    CHECK(std::get<RegisterRequest>(parsed(R"({"op":"register","pid":-5})")).pid == -5);
    CHECK(std::get<RegisterRequest>(parsed(R"({"op":"register","pid":2.5})")).pid == 0);
    CHECK_FALSE(std::get<RegisterRequest>(parsed(R"({"op":"register","annotations":[]})")).profile);
    CHECK(std::get<FlushRequest>(parsed(R"({"op":"flush","id":null})")).id.empty());
}

TEST_CASE("request: text that is not JSON says so, and where") {
    const std::string message = refusal(R"({"op":"register","pid":)");
    CHECK(message.rfind("request is not JSON (byte ", 0) == 0);
    CHECK(contains(message, "line 1, column 24"));
    CHECK(contains(refusal(R"({"op":"register","id":"x","pid":1e999})"), "request is not JSON (byte 37)"));
    CHECK(contains(refusal("garbage"), "request is not JSON"));
}

TEST_CASE("request: a JSON message that is no request is refused by name") {
    CHECK(refusal("[]") == "request is not a JSON object");
    CHECK(refusal("{}") == "request has no \"op\"");
    CHECK(refusal(R"({"op":5})") == "request has no \"op\"");
    CHECK(refusal(R"({"op":"reboot"})") == "unknown op \"reboot\"");
}

TEST_CASE("request: register carries the runtime, each member held to its rule") {
    const auto r = std::get<RegisterRequest>(
        parsed(R"({"op":"register","id":"web","pid":4242,"annotations":{"io.cradle.profile":"web"},)"
               R"("runtime":{"name":"runc","path":"/usr/sbin/runc","manager":"podman"}})"));
    CHECK(r.runtime == ContainerRuntime{"runc", "/usr/sbin/runc", "podman"});
    // An older hook sends none; a runtime of the wrong shape, or members breaking the rules, are
    // unknown, and the registration goes on.
    CHECK_FALSE(std::get<RegisterRequest>(parsed(R"({"op":"register","id":"web"})")).runtime.known());
    CHECK_FALSE(std::get<RegisterRequest>(parsed(R"({"op":"register","runtime":"runc"})")).runtime.known());
    const auto hostile = std::get<RegisterRequest>(
        parsed(R"({"op":"register","runtime":{"name":"run\nc","path":"/a b","manager":"docker"}})"));
    CHECK(hostile.runtime == ContainerRuntime{"", "", "docker"});
}
