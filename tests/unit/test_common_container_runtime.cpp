#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "common/container_runtime.h"

using namespace cradle;

TEST_CASE("container runtime: names, managers and paths keep to their rules") {
    CHECK(is_runtime_name("runc"));
    CHECK(is_runtime_name("containerd-cri"));
    CHECK(is_runtime_name("runc.amd64+v1_2"));
    CHECK(is_runtime_name(std::string(k_max_runtime_name_length, 'a')));
    CHECK_FALSE(is_runtime_name(std::string(k_max_runtime_name_length + 1, 'a')));
    CHECK_FALSE(is_runtime_name(""));
    CHECK_FALSE(is_runtime_name("-runc"));
    CHECK_FALSE(is_runtime_name(".runc"));
    CHECK_FALSE(is_runtime_name("run c"));
    CHECK_FALSE(is_runtime_name("runc\n"));
    CHECK_FALSE(is_runtime_name("r=unc"));
    CHECK_FALSE(is_runtime_name("r/unc"));

    CHECK(is_runtime_path("/usr/sbin/runc"));
    CHECK(is_runtime_path("/" + std::string(k_max_runtime_path_length - 1, 'a')));
    CHECK_FALSE(is_runtime_path("/" + std::string(k_max_runtime_path_length, 'a')));
    CHECK_FALSE(is_runtime_path("/"));
    CHECK_FALSE(is_runtime_path("usr/sbin/runc"));
    CHECK_FALSE(is_runtime_path("/opt/my runc"));
    CHECK_FALSE(is_runtime_path("/opt/\x1b[2Jrunc"));
    CHECK_FALSE(is_runtime_path("/opt/r\xc3\xbcnc"));
}

TEST_CASE("container runtime: checked_runtime drops what breaks a rule, member by member") {
    const ContainerRuntime checked = checked_runtime({"runc", "/opt/my runc", "pod man"});
    CHECK(checked == ContainerRuntime{"runc", "", ""});
    CHECK(checked.known());
    CHECK_FALSE(checked_runtime({"", "relative", "\x01"}).known());
}

TEST_CASE("container runtime: JSON has the known members only, and reads back what keeps the rules") {
    const ContainerRuntime full{"runc", "/usr/sbin/runc", "podman"};
    CHECK(runtime_to_json(full) == nlohmann::json{{"name", "runc"}, {"path", "/usr/sbin/runc"}, {"manager", "podman"}});
    CHECK(runtime_to_json({"crun", "", ""}) == nlohmann::json{{"name", "crun"}});
    CHECK(runtime_to_json({}) == nlohmann::json::object());
    CHECK(runtime_from_json(runtime_to_json(full)) == full);

    CHECK(runtime_from_json(nlohmann::json{{"name", 7}, {"path", "/usr/sbin/runc"}, {"manager", nullptr}}) ==
          ContainerRuntime{"", "/usr/sbin/runc", ""});
    CHECK(runtime_from_json(nlohmann::json{{"name", std::string(4096, 'x')}, {"path", "/a b"}}) == ContainerRuntime{});
    CHECK(runtime_from_json(nlohmann::json::array({"runc"})) == ContainerRuntime{});
    CHECK(runtime_from_json(nlohmann::json("runc")) == ContainerRuntime{});
}

TEST_CASE("container runtime: one line of text, read back exactly") {
    const ContainerRuntime full{"runc", "/usr/sbin/runc", "docker"};
    CHECK(runtime_to_line(full) == "name=runc path=/usr/sbin/runc manager=docker");
    CHECK(runtime_to_line({"", "", "podman"}) == "manager=podman");
    CHECK(runtime_to_line({}).empty());
    CHECK(runtime_from_line(runtime_to_line(full)) == full);
    CHECK(runtime_from_line("manager=podman") == ContainerRuntime{"", "", "podman"});
    // Another order, extra spaces, and a key a newer version writes are fine.
    CHECK(runtime_from_line("manager=cri-o  name=crun  version=1.19") == ContainerRuntime{"crun", "", "cri-o"});

    CHECK_FALSE(runtime_from_line("runc"));
    CHECK_FALSE(runtime_from_line("name=runc name=crun"));
    CHECK_FALSE(runtime_from_line("name="));
    CHECK_FALSE(runtime_from_line("path=relative/runc"));
    CHECK_FALSE(runtime_from_line("manager=-x"));
}
