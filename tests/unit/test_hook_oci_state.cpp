#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "hook/oci_state.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

// As runc 1.1 writes it at createRuntime/prestart.
constexpr const char* k_runc_create = R"({
  "ociVersion": "1.0.2-dev",
  "id": "4f3c1b5e8a2d9c7b6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
  "status": "creating",
  "pid": 41234,
  "bundle": "/run/containerd/io.containerd.runtime.v2.task/k8s.io/4f3c1b5e8a2d",
  "annotations": {
    "io.kubernetes.cri.container-type": "container",
    "io.cradle.profile": "web-%Y%m%d"
  }
})";

// runc at poststop: the container is gone, no pid.
constexpr const char* k_runc_poststop = R"({
  "ociVersion": "1.0.2-dev",
  "id": "4f3c1b5e8a2d9c7b6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
  "status": "stopped",
  "bundle": "/run/containerd/io.containerd.runtime.v2.task/k8s.io/4f3c1b5e8a2d",
  "annotations": {"io.cradle.profile": "web-%Y%m%d"}
})";

// crun at createRuntime/prestart: "1.0", an extra "root", status "created".
constexpr const char* k_crun_create =
    R"({"ociVersion":"1.0","id":"web","pid":5150,"root":"/var/lib/containers/storage/overlay/abc/merged","bundle":"/var/run/containers/storage/overlay-containers/abc/userdata","status":"created","annotations":{"io.cradle.profile":"web","io.container.manager":"libpod"}})";

// crun at poststop: "stopped" with pid 0.
constexpr const char* k_crun_poststop =
    R"({"ociVersion":"1.0","id":"web","pid":0,"root":"/var/lib/containers/storage/overlay/abc/merged","bundle":"/var/run/containers/storage/overlay-containers/abc/userdata","status":"stopped","annotations":{"io.cradle.profile":"web"}})";

OciState parsed(std::string_view text) {
    auto state = parse_oci_state(text);
    REQUIRE_MESSAGE(state.ok(), state.error().message);
    return *state;
}

std::string refusal(std::string_view text) {
    auto state = parse_oci_state(text);
    REQUIRE_FALSE(state.ok());
    CHECK(state.error().code == EINVAL);
    CHECK(state.error().message.rfind("OCI state: ", 0) == 0);
    return state.error().message;
}

HookAction action(std::optional<HookStage> stage, const OciState& state) {
    auto result = hook_action(stage, state);
    REQUIRE_MESSAGE(result.ok(), result.error().message);
    return *result;
}

}  // namespace

TEST_CASE("oci state: runc at createRuntime") {
    const OciState state = parsed(k_runc_create);
    CHECK(state.oci_version == "1.0.2-dev");
    CHECK(state.id == "4f3c1b5e8a2d9c7b6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d");
    CHECK(state.status == "creating");
    CHECK(state.pid == 41234);
    CHECK(state.bundle == "/run/containerd/io.containerd.runtime.v2.task/k8s.io/4f3c1b5e8a2d");
    CHECK(state.annotations.size() == 2);
    CHECK(state.annotations.at("io.cradle.profile") == "web-%Y%m%d");
    CHECK(action(HookStage::CreateRuntime, state) == HookAction::Register);
    CHECK(action(HookStage::Prestart, state) == HookAction::Register);
    CHECK(action(std::nullopt, state) == HookAction::Register);
}

TEST_CASE("oci state: runc at poststop") {
    const OciState state = parsed(k_runc_poststop);
    CHECK(state.status == "stopped");
    CHECK(state.pid == 0);
    CHECK(state.annotations.at("io.cradle.profile") == "web-%Y%m%d");
    CHECK(action(HookStage::Poststop, state) == HookAction::Flush);
    CHECK(action(std::nullopt, state) == HookAction::Flush);
}

TEST_CASE("oci state: crun at createRuntime") {
    const OciState state = parsed(k_crun_create);
    CHECK(state.oci_version == "1.0");
    CHECK(state.id == "web");
    CHECK(state.status == "created");
    CHECK(state.pid == 5150);
    CHECK(state.annotations.at("io.container.manager") == "libpod");
    CHECK(action(HookStage::CreateRuntime, state) == HookAction::Register);
    CHECK(action(std::nullopt, state) == HookAction::Register);
}

TEST_CASE("oci state: crun at poststop") {
    const OciState state = parsed(k_crun_poststop);
    CHECK(state.status == "stopped");
    CHECK(state.pid == 0);
    CHECK(action(HookStage::Poststop, state) == HookAction::Flush);
    CHECK(action(std::nullopt, state) == HookAction::Flush);
}

TEST_CASE("oci state: optional fields may be absent or null") {
    const OciState state = parsed(R"({"id": "c", "status": "stopped", "pid": null, "annotations": null})");
    CHECK(state.oci_version.empty());
    CHECK(state.bundle.empty());
    CHECK(state.pid == 0);
    CHECK(state.annotations.empty());
    CHECK(parsed(R"({"id": "c", "status": "stopped", "unknown": {"x": [1, 2]}})").id == "c");
}

TEST_CASE("oci state: malformed documents are refused") {
    const std::string truncated = std::string(k_runc_create).substr(0, 80);
    const std::string message = refusal(truncated);
    CHECK(contains(message, "not JSON"));
    CHECK(contains(message, "line"));
    CHECK(contains(message, "column"));
    CHECK(contains(refusal(""), "not JSON"));
    CHECK(contains(refusal("[]"), "must be a JSON object, not array"));
    CHECK(contains(refusal("\"creating\""), "must be a JSON object, not string"));
}

TEST_CASE("oci state: a number beyond a double's range is malformed input, not an exception") {
    const std::string pid = refusal(R"({"ociVersion":"1.0.2","id":"x","status":"creating","pid":1e999,"bundle":"/"})");
    CHECK(contains(pid, "not JSON"));
    CHECK(contains(pid, "1e999"));
    CHECK(contains(refusal(R"({"id":"x","status":"creating","pid":1,"annotations":{"a":1e999}})"), "not JSON"));
    CHECK(contains(refusal(R"({"id":"x","status":"creating","pid":-1e400})"), "not JSON"));
}

TEST_CASE("oci state: the id is required and checked") {
    CHECK(refusal(R"({"status": "creating", "pid": 1})") == "OCI state: \"id\" is missing");
    CHECK(contains(refusal(R"({"id": "", "status": "creating"})"), "container id \"\" is empty"));
    CHECK(contains(refusal(R"({"id": 42, "status": "creating"})"), "\"id\" must be a string, not number"));
    CHECK(contains(refusal(R"({"id": null, "status": "creating"})"), "\"id\" must be a string, not null"));
    CHECK(contains(refusal(R"({"id": "../../etc", "status": "creating"})"), "contains '/'"));
    CHECK(contains(refusal(R"({"id": "a\nb", "status": "creating"})"), "container id \"a\\x0ab\""));
    CHECK(contains(refusal("{\"id\": \"caf\xc3\xa9\", \"status\": \"creating\"}"), "not printable ASCII"));
    const std::string long_id(1025, 'a');
    const std::string long_message = refusal(R"({"id": ")" + long_id + R"(", "status": "creating"})");
    CHECK(contains(long_message, "1025 bytes long"));
    CHECK(long_message.size() < 200);
    CHECK(parsed(R"({"id": ")" + std::string(1024, 'a') + R"(", "status": "creating"})").id.size() == 1024);
}

TEST_CASE("oci state: status is required") {
    CHECK(refusal(R"({"id": "c"})") == "OCI state: \"status\" is missing");
    CHECK(contains(refusal(R"({"id": "c", "status": 3})"), "\"status\" must be a string"));
}

TEST_CASE("oci state: pid must be a non-negative integer") {
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "pid": -1})"), "\"pid\" -1 is negative"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "pid": 1.5})"), "\"pid\" must be an integer"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "pid": "42"})"),
                   "\"pid\" must be an integer, not string"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "pid": 4294967296})"), "too large"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "pid": 18446744073709551615})"), "too large"));
    CHECK(parsed(R"({"id": "c", "status": "creating", "pid": 2147483647})").pid == 2147483647);
}

TEST_CASE("oci state: annotations must be an object of strings") {
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "annotations": ["a"]})"),
                   "\"annotations\" must be an object, not array"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "annotations": {"io.cradle.profile": 7}})"),
                   "annotation \"io.cradle.profile\" must be a string, not number"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "annotations": {"a": null}})"), "not null"));
    CHECK(contains(refusal(R"({"id": "c", "status": "creating", "annotations": {"a": {"b": "c"}}})"), "not object"));
}

TEST_CASE("oci state: huge annotation values are kept whole, errors about them stay short") {
    // Kubernetes allows 256 KiB of annotations in total.
    const std::string huge(300 * 1024, 'v');
    const OciState state =
        parsed(R"({"id": "c", "status": "creating", "pid": 7, "annotations": {"big": ")" + huge + R"("}})");
    CHECK(state.annotations.at("big") == huge);

    // A truncated document ending inside a huge string must not echo it all back.
    const std::string truncated = R"({"id": "c", "status": "creating", "annotations": {"big": ")" + huge;
    const std::string message = refusal(truncated);
    CHECK(contains(message, "not JSON"));
    CHECK(message.size() < 400);

    const std::string huge_key(300 * 1024, 'k');
    const std::string key_message =
        refusal(R"({"id": "c", "status": "creating", "annotations": {")" + huge_key + R"(": 1}})");
    CHECK(key_message.size() < 200);
}

TEST_CASE("hook stage: parsing the argument") {
    CHECK(*parse_hook_stage("prestart") == HookStage::Prestart);
    CHECK(*parse_hook_stage("createRuntime") == HookStage::CreateRuntime);
    CHECK(*parse_hook_stage("poststop") == HookStage::Poststop);
    for (const char* inside : {"createContainer", "startContainer"}) {
        auto stage = parse_hook_stage(inside);
        REQUIRE_FALSE(stage.ok());
        CHECK(stage.error().code == EINVAL);
        CHECK(contains(stage.error().message, std::string("hook stage \"") + inside + "\""));
        CHECK(contains(stage.error().message, "runs inside the container"));
    }
    for (const char* other : {"", "PRESTART", "createruntime", "poststart", "poststop\n"}) {
        CAPTURE(other);
        auto stage = parse_hook_stage(other);
        REQUIRE_FALSE(stage.ok());
        CHECK(contains(stage.error().message, "expected prestart, createRuntime or poststop"));
        CHECK(stage.error().message.find('\n') == std::string::npos);
    }
}

TEST_CASE("hook action: the stage argument wins over the status") {
    OciState state = parsed(k_runc_create);
    CHECK(action(HookStage::Poststop, state) == HookAction::Flush);
    // podman may run poststop while the container still runs (--restart): the stage decides.
    state.status = "running";
    CHECK(action(HookStage::Poststop, state) == HookAction::Flush);
    CHECK(action(HookStage::CreateRuntime, state) == HookAction::Register);
}

TEST_CASE("hook action: a status that names no stage is refused without an argument") {
    for (const char* status : {"running", "paused", "", "Creating"}) {
        CAPTURE(status);
        OciState state = parsed(k_crun_create);
        state.status = status;
        auto result = hook_action(std::nullopt, state);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == EINVAL);
        CHECK(contains(result.error().message, std::string("status \"") + status + "\""));
    }
}

TEST_CASE("hook action: registering needs a pid") {
    const OciState state = parsed(R"({"id": "c", "status": "creating"})");
    auto result = hook_action(HookStage::CreateRuntime, state);
    REQUIRE_FALSE(result.ok());
    CHECK(contains(result.error().message, "needs the container's pid"));
    CHECK_FALSE(hook_action(std::nullopt, state).ok());
    CHECK(*hook_action(HookStage::Poststop, state) == HookAction::Flush);
}
