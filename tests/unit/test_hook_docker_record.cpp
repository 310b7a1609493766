#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>

#include "hook/docker_record.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

const std::string k_id = "4f3c2b1a00112233445566778899aabbccddeeff00112233445566778899aabb";

// A Docker root in a temporary directory, with records written as dockerd writes them.
struct DockerRoot {
    TempDir dir;

    std::string record_directory(const std::string& id) const { return dir / ("containers/" + id); }

    void record(const std::string& id, const std::string& text) const {
        std::filesystem::create_directories(record_directory(id));
        write_text(record_directory(id) + "/config.v2.json", text);
    }

    std::optional<std::string> label(const std::string& id) const {
        auto found = docker_profile_label(dir.path(), id);
        REQUIRE_MESSAGE(found.ok(), found.error().message);
        return *found;
    }

    Error refusal(const std::string& id) const {
        auto found = docker_profile_label(dir.path(), id);
        REQUIRE_FALSE(found.ok());
        CHECK(contains(found.error().message, "Docker record \"" + record_directory(id) + "/config.v2.json\": "));
        return found.error();
    }
};

}  // namespace

TEST_CASE("Docker record: container ids") {
    CHECK(is_docker_container_id(k_id));
    CHECK_FALSE(is_docker_container_id(k_id.substr(1)));
    CHECK_FALSE(is_docker_container_id(k_id + "0"));
    CHECK_FALSE(is_docker_container_id("4F" + k_id.substr(2)));
    CHECK_FALSE(is_docker_container_id(std::string(62, 'a') + ".."));
    CHECK_FALSE(is_docker_container_id("web"));
}

TEST_CASE("Docker record: the label io.cradle.profile from Config.Labels") {
    DockerRoot root;
    root.record(k_id, R"({"ID": ")" + k_id + R"(", "Name": "/web", "Config": {"Image": "busybox",
        "Labels": {"io.cradle.profile": "web-%Y", "maintainer": "x"}, "Env": ["A=1"]}})");
    CHECK(root.label(k_id) == "web-%Y");

    const std::string other = std::string(63, '0') + "1";
    root.record(other, R"({"Config": {"Labels": {"maintainer": "x"}}})");
    CHECK_FALSE(root.label(other));
    root.record(other, R"({"Config": {"Labels": null}})");
    CHECK_FALSE(root.label(other));
    root.record(other, R"({"Config": {}})");
    CHECK_FALSE(root.label(other));
    root.record(other, R"({"State": {}})");
    CHECK_FALSE(root.label(other));
}

TEST_CASE("Docker record: no record is no label") {
    DockerRoot root;
    CHECK_FALSE(root.label(k_id));  // no containers/ at all
    std::filesystem::create_directories(root.record_directory(k_id));
    CHECK_FALSE(root.label(k_id));  // the directory without its file
    CHECK_FALSE(docker_profile_label(root.dir / "absent", k_id).value());
    // An id of another form is never looked up, even where a file would be found.
    root.record("web", R"({"Config": {"Labels": {"io.cradle.profile": "web"}}})");
    CHECK_FALSE(root.label("web"));
    CHECK_FALSE(root.label("../containers/web"));
}

TEST_CASE("Docker record: links are not followed, and a FIFO or a large file does not hold it up") {
    DockerRoot root;
    root.record(k_id, R"({"Config": {"Labels": {"io.cradle.profile": "web"}}})");
    const std::string elsewhere = root.dir / "elsewhere.json";
    write_text(elsewhere, R"({"Config": {"Labels": {"io.cradle.profile": "planted"}}})");

    const std::string linked = std::string(63, 'a') + "b";
    std::filesystem::create_directories(root.record_directory(linked));
    std::filesystem::create_symlink(elsewhere, root.record_directory(linked) + "/config.v2.json");
    CHECK(root.refusal(linked).code == ELOOP);

    const std::string linked_directory = std::string(63, 'c') + "d";
    std::filesystem::create_directory_symlink(root.record_directory(k_id), root.record_directory(linked_directory));
    auto through = docker_profile_label(root.dir.path(), linked_directory);
    REQUIRE_FALSE(through.ok());
    CHECK(through.error().code == ENOTDIR);  // what O_DIRECTORY|O_NOFOLLOW says of a link

    const std::string fifo = std::string(63, 'e') + "f";
    std::filesystem::create_directories(root.record_directory(fifo));
    REQUIRE(::mkfifo((root.record_directory(fifo) + "/config.v2.json").c_str(), 0600) == 0);
    CHECK(root.refusal(fifo).code == EINVAL);

    const std::string large = std::string(63, '1') + "2";
    root.record(large, std::string(k_max_docker_record_size + 1, ' '));
    CHECK(root.refusal(large).code == EFBIG);
}

TEST_CASE("Docker record: a record that is not what dockerd writes is an error") {
    DockerRoot root;
    root.record(k_id, "{\"Config\": ");
    CHECK(contains(root.refusal(k_id).message, "not JSON"));
    root.record(k_id, "[]");
    CHECK(contains(root.refusal(k_id).message, "not a JSON object"));
    root.record(k_id, R"({"Config": []})");
    CHECK(contains(root.refusal(k_id).message, "\"Config\" is not an object"));
    root.record(k_id, R"({"Config": {"Labels": ["io.cradle.profile"]}})");
    CHECK(contains(root.refusal(k_id).message, "\"Config.Labels\" is not an object"));
    root.record(k_id, R"({"Config": {"Labels": {"io.cradle.profile": 1}}})");
    CHECK(root.refusal(k_id).code == EINVAL);
}

TEST_CASE("Docker record: the container's name, without its leading '/', beside the label") {
    DockerRoot root;
    root.record(k_id, R"({"Name": "/web", "Config": {"Labels": {"io.cradle.profile": "p"}}})");
    auto record = read_docker_record(root.dir.path(), k_id);
    REQUIRE_MESSAGE(record.ok(), record.error().message);
    REQUIRE(record->has_value());
    CHECK((*record)->name == "web");
    CHECK((*record)->profile_label == std::optional<std::string>("p"));

    // No Config, a name that is not a string, no record at all.
    root.record(k_id, R"({"Name": "/db"})");
    record = read_docker_record(root.dir.path(), k_id);
    REQUIRE(record.ok());
    CHECK((*record)->name == "db");
    CHECK_FALSE((*record)->profile_label);
    root.record(k_id, R"({"Name": 7, "Config": {"Labels": null}})");
    record = read_docker_record(root.dir.path(), k_id);
    REQUIRE(record.ok());
    CHECK((*record)->name.empty());
    record = read_docker_record(root.dir.path(), std::string(64, 'a'));
    REQUIRE(record.ok());
    CHECK_FALSE(record->has_value());
    // The same refusals as for the label.
    root.record(k_id, R"({"Name": "/web", "Config": {"Labels": []}})");
    CHECK_FALSE(read_docker_record(root.dir.path(), k_id).ok());
}
