#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hook/runc_wrapper.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;
using nlohmann::json;

namespace {

void executable(const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    write_text(path, "#!/bin/sh\nexit 0\n");
    REQUIRE(::chmod(path.c_str(), 0755) == 0);
}

FileIdentity identity_of(const std::string& path) {
    auto identity = file_identity(path);
    REQUIRE_MESSAGE(identity.ok(), identity.error().message);
    return *identity;
}

const std::string k_docker_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A host in a temporary directory: cradle-runc and cradle-hook in bin/, the real runtime in
// sbin/, a configuration, a Docker root and bundles.
struct Host {
    TempDir dir;
    std::string self = dir / "bin/cradle-runc";
    std::string runtime = dir / "sbin/runc";

    Host() {
        executable(self);
        executable(dir / "bin/cradle-hook");
        executable(runtime);
        // runc on PATH before the real one is cradle-runc itself, as an administrator may link it.
        std::filesystem::create_symlink(self, dir / "bin/runc");
        config(R"({"runc_wrapper": {"docker_root": ")" + dir / "docker" + R"("}})");
    }

    void config(const std::string& text) const { write_text(dir / "cradle.json", text); }

    std::string bundle(const std::string& name, const std::string& spec, mode_t mode = 0644) const {
        const std::string directory = dir / ("bundles/" + name);
        std::filesystem::create_directories(directory);
        write_text(directory + "/config.json", spec);
        REQUIRE(::chmod((directory + "/config.json").c_str(), mode) == 0);
        return directory;
    }

    void docker_label(const std::string& id, const std::string& profile) const {
        const std::string directory = dir / ("docker/containers/" + id);
        std::filesystem::create_directories(directory);
        write_text(directory + "/config.v2.json",
                   json{{"Config", {{"Labels", {{"io.cradle.profile", profile}}}}}}.dump());
    }

    RuntimeCall call(const std::vector<std::string>& arguments) const {
        WrapperOptions options;
        options.arguments = arguments;
        options.config_path = dir / "cradle.json";
        options.search_path = dir / "bin" + ":" + dir / "sbin";
        options.self_path = self;
        return prepare_runtime_call(options);
    }
};

std::string messages(const RuntimeCall& call) {
    std::string text;
    for (const auto& message : call.messages) {
        text += message.text + "\n";
    }
    return text;
}

json spec_of(const std::string& bundle) { return json::parse(read_text(bundle + "/config.json")); }

ino_t inode_of(const std::string& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_ino;
}

const std::string k_plain_spec =
    "{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"env\": [\n\t\t\t\"PATH=/bin\"\n"
    "\t\t]\n\t},\n\t\"annotations\": null\n}\n";

}  // namespace

TEST_CASE("runc wrapper: the real runtime on PATH is never cradle-runc itself") {
    Host host;
    const FileIdentity self = identity_of(host.self);
    CHECK(find_runtime("runc", host.dir / "bin:" + host.dir / "sbin", self).value() == host.runtime);
    // A hard link is cradle-runc too.
    std::filesystem::create_directories(host.dir / "hard");
    std::filesystem::create_hard_link(host.self, host.dir / "hard/runc");
    CHECK(find_runtime("runc", host.dir / "hard:" + host.dir / "sbin/", self).value() == host.runtime);
    // Relative entries and files that are not executable are skipped.
    write_text(host.dir / "bin/crun", "not executable");
    CHECK(find_runtime("crun", host.dir / "bin", self).error().code == ENOENT);
    CHECK(find_runtime("runc", "sbin:bin", self).error().code == ENOENT);
    const Error none = find_runtime("runc", host.dir / "bin", self).error();
    CHECK(none.code == ENOENT);
    CHECK(none.message == "no executable \"runc\" on PATH \"" + host.dir / "bin" + "\" other than cradle-runc itself");
    CHECK(find_runtime("runc", "::" + host.dir / "sbin:", self).value() == host.runtime);
}

TEST_CASE("runc wrapper: a configured runtime path is taken as it is, unless it is cradle-runc") {
    Host host;
    const FileIdentity self = identity_of(host.self);
    CHECK(find_runtime(host.runtime, "", self).value() == host.runtime);
    CHECK(find_runtime(host.dir / "bin/runc", "", self).error().code == ELOOP);
    CHECK(find_runtime(host.dir / "absent", "", self).error().code == ENOENT);
    write_text(host.dir / "plain", "");
    CHECK(find_runtime(host.dir / "plain", "", self).error().code == EACCES);
    CHECK(find_runtime(host.dir.path(), "", self).error().code == EACCES);
}

TEST_CASE("runc wrapper: create of an annotated container adds the hook; the runtime gets the same call") {
    Host host;
    const std::string bundle =
        host.bundle("web", R"({"ociVersion": "1.0.2", "annotations": {"io.cradle.profile": "web"}})", 0600);
    const RuntimeCall call = host.call({"--root", "/run/r", "--log-format=json", "create", "--bundle", bundle, "web"});
    CHECK(call.runtime == host.runtime);
    REQUIRE(call.messages.size() == 1);
    CHECK(call.messages[0].severity == Severity::Info);
    CHECK(call.messages[0].text == "container \"web\": traced as \"web\" (from the annotation)");

    const json spec = spec_of(bundle);
    REQUIRE(spec["hooks"]["createRuntime"].size() == 1);
    const json& hook = spec["hooks"]["createRuntime"][0];
    CHECK(hook["path"] == host.dir / "bin/cradle-hook");
    CHECK(hook["args"] == json({"cradle-hook", "--config", host.dir / "cradle.json", "createRuntime"}));
    CHECK(hook["timeout"] == 12);  // the 2 s deadline, and 10 s of room
    CHECK_FALSE(spec["hooks"].contains("poststop"));
    CHECK(spec["annotations"] == json({{"io.cradle.profile", "web"}}));
    // Written atomically: no temporary file left, the mode kept.
    CHECK(entries(bundle) == std::vector<std::string>{"config.json"});
    struct stat status {};
    REQUIRE(::stat((bundle + "/config.json").c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0600);

    // Again (a retried create): nothing more.
    const std::string once = read_text(bundle + "/config.json");
    CHECK(host.call({"create", "--bundle", bundle, "web"}).runtime == host.runtime);
    CHECK(read_text(bundle + "/config.json") == once);
}

TEST_CASE("runc wrapper: run in the current directory, with poststop and a configured hook") {
    Host host;
    executable(host.dir / "hooks/my-hook");
    host.config(R"({"hook": {"deadline_ms": 2500}, "runc_wrapper": {"runtime": ")" + host.runtime + R"(",
        "hook": ")" +
                host.dir / "hooks/my-hook" + R"(", "poststop": true}})");
    const std::string bundle = host.bundle("here", R"({"annotations": {"io.cradle.profile": "here"}})");
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(bundle);
    const RuntimeCall call = host.call({"run", "-d", "here"});
    std::filesystem::current_path(previous);
    CHECK(call.runtime == host.runtime);
    const json spec = spec_of(bundle);
    CHECK(spec["hooks"]["createRuntime"][0]["path"] == host.dir / "hooks/my-hook");
    CHECK(spec["hooks"]["createRuntime"][0]["timeout"] == 13);
    CHECK(spec["hooks"]["poststop"][0]["args"].back() == "poststop");
}

TEST_CASE("runc wrapper: a container that is not traced, and every other command, leave the bundle alone") {
    Host host;
    const std::string bundle = host.bundle("plain", k_plain_spec);
    const ino_t inode = inode_of(bundle + "/config.json");
    for (const std::vector<std::string>& arguments : {std::vector<std::string>{"create", "--bundle", bundle, "plain"},
                                                      {"run", "-b", bundle, "plain"},
                                                      {"state", "plain"},
                                                      {"delete", "--force", "plain"},
                                                      {"--version"}}) {
        const RuntimeCall call = host.call(arguments);
        CHECK(call.runtime == host.runtime);
        CHECK_MESSAGE(call.messages.empty(), messages(call));
    }
    CHECK(read_text(bundle + "/config.json") == k_plain_spec);
    CHECK(inode_of(bundle + "/config.json") == inode);
    // A pod's sandbox, with the pod's annotation.
    const std::string sandbox = host.bundle("sandbox", R"({"annotations": {"io.cradle.profile": "pod",
        "io.kubernetes.cri.container-type": "sandbox"}})");
    const std::string sandbox_text = read_text(sandbox + "/config.json");
    CHECK(host.call({"create", "--bundle", sandbox, "sandbox"}).messages.empty());
    CHECK(read_text(sandbox + "/config.json") == sandbox_text);
    // An annotated bundle, but a command other than create or run.
    const std::string annotated = host.bundle("annotated", R"({"annotations": {"io.cradle.profile": "a"}})");
    CHECK(host.call({"exec", "annotated", "/bin/true"}).messages.empty());
    CHECK(host.call({"restore", "--bundle", annotated, "annotated"}).messages.empty());
    CHECK(read_text(annotated + "/config.json") == R"({"annotations": {"io.cradle.profile": "a"}})");
}

TEST_CASE("runc wrapper: Docker's label names the profile, and becomes the annotation") {
    Host host;
    host.docker_label(k_docker_id, "from-label");
    const std::string bundle = host.bundle(k_docker_id, k_plain_spec);
    const RuntimeCall call = host.call({"create", "--bundle", bundle, "--pid-file", "/run/p", k_docker_id});
    CHECK(call.runtime == host.runtime);
    CHECK(messages(call) == "container \"" + k_docker_id + "\": traced as \"from-label\" (from the Docker label)\n");
    const json spec = spec_of(bundle);
    CHECK(spec["annotations"] == json({{"io.cradle.profile", "from-label"}}));
    CHECK(spec["hooks"]["createRuntime"].size() == 1);
    CHECK(spec["process"] == json::parse(k_plain_spec)["process"]);
    // The layout is kept: tabs, a final newline.
    CHECK(read_text(bundle + "/config.json").starts_with("{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t"));
    CHECK(read_text(bundle + "/config.json").ends_with("}\n"));

    // A container id that is not the bundle's name is not Docker's container: no label is read.
    host.docker_label(std::string(64, 'e'), "planted");
    const std::string other = host.bundle("other", k_plain_spec);
    CHECK(host.call({"create", "--bundle", other, std::string(64, 'e')}).messages.empty());
    CHECK(read_text(other + "/config.json") == k_plain_spec);
}

TEST_CASE("runc wrapper: CRADLE_PROFILE in the container's environment names the profile") {
    Host host;
    const std::string text = R"({"process": {"env": ["PATH=/bin", "CRADLE_PROFILE=from-env"]}})";
    const std::string bundle = host.bundle("env", text);
    const RuntimeCall call = host.call({"run", "--bundle=" + bundle, "env"});
    CHECK(messages(call) ==
          "container \"env\": traced as \"from-env\" (from the environment variable CRADLE_PROFILE)\n");
    const json spec = spec_of(bundle);
    CHECK(spec["annotations"]["io.cradle.profile"] == "from-env");
    CHECK(spec["process"]["env"] == json({"PATH=/bin", "CRADLE_PROFILE=from-env"}));
    // One line stays one line.
    CHECK(read_text(bundle + "/config.json").find('\n') == std::string::npos);

    // The label comes before the environment, the annotation before both.
    host.docker_label(k_docker_id, "label");
    const std::string both = host.bundle(k_docker_id, text);
    host.call({"create", "--bundle", both, k_docker_id});
    CHECK(spec_of(both)["annotations"]["io.cradle.profile"] == "label");
}

TEST_CASE("runc wrapper: a label or variable that an image may have set never stops the container") {
    Host host;
    // A name that breaks the rules: untraced, and said; the spec is left as it was.
    const std::string hostile_text = R"({"process": {"env": ["CRADLE_PROFILE=../etc"]}})";
    const std::string hostile = host.bundle("hostile", hostile_text);
    RuntimeCall call = host.call({"create", "--bundle", hostile, "h1"});
    CHECK(read_text(hostile + "/config.json") == hostile_text);
    CHECK(contains(messages(call),
                   "container \"h1\": runs untraced (its environment variable CRADLE_PROFILE was ignored"));
    CHECK(call.runtime == host.runtime);
    // An empty label (the only way to clear one a base image set) is no name either.
    host.docker_label(k_docker_id, "");
    const std::string labelled_text = R"({"hostname": "x"})";
    const std::string labelled = host.bundle(k_docker_id, labelled_text);
    call = host.call({"create", "--bundle", labelled, k_docker_id});
    CHECK(read_text(labelled + "/config.json") == labelled_text);
    CHECK(contains(messages(call), "its Docker label was ignored: empty"));
    // Under Kubernetes, without auto_profile, neither names anything.
    const std::string pod_text =
        R"({"process": {"env": ["CRADLE_PROFILE=web"]}, "annotations": {"io.kubernetes.cri.container-type": "container"}})";
    const std::string pod = host.bundle("pod", pod_text);
    call = host.call({"create", "--bundle", pod, "p1"});
    CHECK(read_text(pod + "/config.json") == pod_text);
    CHECK(contains(messages(call), "under Kubernetes the pod's annotation names the profile"));
}

TEST_CASE("runc wrapper: what goes wrong leaves the bundle alone and is said, the runtime still runs") {
    Host host;
    const std::string text = R"({"annotations": {"io.cradle.profile": "web"}})";
    const std::string bundle = host.bundle("web", text);

    SUBCASE("a command line runc refuses") {
        const RuntimeCall call = host.call({"create", "--bundle", bundle, "--bogus", "web"});
        CHECK(call.runtime == host.runtime);
        CHECK(contains(messages(call), "flag provided but not defined: \"--bogus\"; passed on as it is, untraced"));
    }
    SUBCASE("no hook to add") {
        std::filesystem::remove(host.dir / "bin/cradle-hook");
        const RuntimeCall call = host.call({"create", "--bundle", bundle, "web"});
        CHECK(call.runtime == host.runtime);
        CHECK(call.messages.at(0).severity == Severity::Warning);
        CHECK(contains(messages(call), "the hook \"" + host.dir / "bin/cradle-hook" +
                                           "\" is not an executable file; the container runs untraced"));
    }
    SUBCASE("a configuration that cannot be read") {
        host.config(R"({"runc_wrapper": {"runtime": "bin/runc"}})");
        const RuntimeCall call = host.call({"create", "--bundle", bundle, "web"});
        CHECK(call.runtime == host.runtime);  // runc on PATH, the default
        CHECK(contains(messages(call), "key \"runc_wrapper.runtime\""));
        CHECK(contains(messages(call), "tracing nothing"));
    }
    SUBCASE("a spec that is not JSON") {
        write_text(bundle + "/config.json", "{\"annotations\": ");
        const RuntimeCall call = host.call({"create", "--bundle", bundle, "web"});
        CHECK(call.runtime == host.runtime);
        CHECK(contains(messages(call), "not JSON"));
        CHECK(read_text(bundle + "/config.json") == "{\"annotations\": ");
        return;
    }
    SUBCASE("a config.json that is a symbolic link") {
        write_text(host.dir / "elsewhere.json", text);
        std::filesystem::remove(bundle + "/config.json");
        std::filesystem::create_symlink(host.dir / "elsewhere.json", bundle + "/config.json");
        const RuntimeCall call = host.call({"create", "--bundle", bundle, "web"});
        CHECK(call.runtime == host.runtime);
        CHECK(contains(messages(call), "symbolic link"));
        CHECK(read_text(host.dir / "elsewhere.json") == text);
        return;
    }
    SUBCASE("a bundle that is not there") {
        const RuntimeCall call = host.call({"create", "--bundle", host.dir / "absent", "web"});
        CHECK(call.runtime == host.runtime);
        CHECK(contains(messages(call), "opening the bundle"));
    }
    CHECK(read_text(bundle + "/config.json") == text);
}

TEST_CASE("runc wrapper: without a runtime there is nothing to call") {
    Host host;
    std::filesystem::remove(host.runtime);
    const RuntimeCall call = host.call({"create", "--bundle", host.dir.path(), "x"});
    CHECK(call.runtime.empty());
    REQUIRE(call.messages.size() == 1);
    CHECK(call.messages[0].severity == Severity::Error);
    CHECK(contains(call.messages[0].text, "no executable \"runc\" on PATH"));

    // Nor when cradle-runc cannot tell itself apart from a runc on PATH.
    executable(host.runtime);
    WrapperOptions options;
    options.arguments = {"--version"};
    options.config_path = host.dir / "cradle.json";
    options.search_path = host.dir / "sbin";
    const RuntimeCall unknown_self = prepare_runtime_call(options);
    CHECK(unknown_self.runtime.empty());
    CHECK(contains(messages(unknown_self), "its own file is unknown"));
}

TEST_CASE("runc wrapper: with auto_profile on, every container is traced under its automatic name") {
    Host host;
    host.config(R"({"runc_wrapper": {"docker_root": ")" + host.dir / "docker" +
                R"("}, "auto_profile": {"enabled": true}})");

    // Kubernetes through containerd's CRI: namespace, workload, container.
    const std::string pod = host.bundle("pod", R"({"hostname": "web-7d4b9c6f5d-x2k9p", "annotations": {
        "io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-namespace": "shop",
        "io.kubernetes.cri.sandbox-name": "web-7d4b9c6f5d-x2k9p", "io.kubernetes.cri.container-name": "nginx"}})");
    RuntimeCall call = host.call({"create", "--bundle", pod, "c1"});
    CHECK(messages(call) ==
          "container \"c1\": traced as \"shop_web_nginx\" (from the template auto_profile.template)\n");
    CHECK(spec_of(pod)["annotations"]["io.cradle.profile"] == "shop_web_nginx");
    CHECK(spec_of(pod)["hooks"]["createRuntime"].size() == 1);

    // Its sandbox is not traced.
    const std::string sandbox = host.bundle("sandbox", R"({"annotations": {
        "io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-name": "web-7d4b9c6f5d-x2k9p"}})");
    const std::string sandbox_text = read_text(sandbox + "/config.json");
    CHECK(host.call({"create", "--bundle", sandbox, "s1"}).messages.empty());
    CHECK(read_text(sandbox + "/config.json") == sandbox_text);

    // Docker: the container's name from its record, without the leading '/'.
    const std::string docker_directory = host.dir / ("docker/containers/" + k_docker_id);
    std::filesystem::create_directories(docker_directory);
    write_text(docker_directory + "/config.v2.json", R"({"Name": "/web.1", "Config": {"Labels": {}}})");
    const std::string docker = host.bundle(k_docker_id, R"({"hostname": "0123456789ab"})");
    call = host.call({"create", "--bundle", docker, k_docker_id});
    CHECK(spec_of(docker)["annotations"]["io.cradle.profile"] == "web.1");

    // Otherwise the hostname, then the id; a hostile hostname is repaired and the log says so.
    const std::string named = host.bundle("named", R"({"hostname": "../x"})");
    call = host.call({"run", "--bundle", named, "n1"});
    CHECK(spec_of(named)["annotations"]["io.cradle.profile"] == "_._x");
    CHECK(contains(messages(call), "replaced by '_'"));
    const std::string bare = host.bundle("bare", k_plain_spec);
    host.call({"create", "--bundle", bare, "bare-id"});
    CHECK(spec_of(bare)["annotations"]["io.cradle.profile"] == "bare-id");

    // An explicit name still wins.
    const std::string explicit_bundle = host.bundle("explicit", R"({"annotations": {"io.cradle.profile": "mine"}})");
    call = host.call({"create", "--bundle", explicit_bundle, "e1"});
    CHECK(spec_of(explicit_bundle)["annotations"]["io.cradle.profile"] == "mine");
    CHECK(messages(call) == "container \"e1\": traced as \"mine\" (from the annotation)\n");

    // Under Kubernetes an image's CRADLE_PROFILE does not choose the name: the template does.
    const std::string imposter =
        host.bundle("imposter", R"({"process": {"env": ["CRADLE_PROFILE=kube-system_coredns_coredns"]},
        "annotations": {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-namespace": "shop",
        "io.kubernetes.cri.sandbox-name": "web-0", "io.kubernetes.cri.container-name": "app"}})");
    call = host.call({"create", "--bundle", imposter, "i1"});
    CHECK(spec_of(imposter)["annotations"]["io.cradle.profile"] == "shop_web_app");
    CHECK(contains(messages(call), "was ignored: under Kubernetes the pod's annotation names the profile"));

    // Switched off (the default), an unannotated container is left alone.
    host.config(R"({"auto_profile": {"enabled": false}})");
    const std::string off = host.bundle("off", k_plain_spec);
    CHECK(host.call({"create", "--bundle", off, "off"}).messages.empty());
    CHECK(read_text(off + "/config.json") == k_plain_spec);
}
