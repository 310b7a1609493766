// The hooks.d files Cradle ships (install/hooks.d), read from the source tree: podman and CRI-O
// take every *.json file of their hooks directory for every container, and one that is wrong
// breaks every container start there, or traces what it should not.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/protocol.h"
#include "hook/oci_state.h"

using namespace cradle;

namespace {

const std::filesystem::path k_hooks_dir = std::filesystem::path(CRADLE_SOURCE_DIR) / "install" / "hooks.d";
// The variant setup.sh installs in their place when auto_profile is enabled.
const std::filesystem::path k_auto_hooks_dir = std::filesystem::path(CRADLE_SOURCE_DIR) / "install" / "hooks.d-auto";

// The shipped files' paths in `directory`, sorted by name as podman and CRI-O apply them.
std::vector<std::filesystem::path> hook_files(const std::filesystem::path& directory = k_hooks_dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

nlohmann::json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json document;
    REQUIRE_NOTHROW(document = nlohmann::json::parse(text.str()));
    return document;
}

// Whether `pattern` matches somewhere in `text`, as Go's regexp.MatchString does (oci-hooks(5)
// patterns are not anchored unless written so). The patterns here use nothing on which Go's
// syntax and ECMAScript's differ.
bool matches(const std::string& pattern, const std::string& text) {
    return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
}

}  // namespace

TEST_CASE("install/hooks.d holds one file for createRuntime, then one for poststop") {
    const auto files = hook_files();
    std::vector<std::string> stages;
    for (const auto& file : files) {
        CAPTURE(file);
        CHECK(file.extension() == ".json");
        const nlohmann::json hook = read_json(file);
        REQUIRE(hook.at("stages").is_array());
        for (const auto& stage : hook.at("stages")) {
            stages.push_back(stage.get<std::string>());
        }
    }
    // Files apply in name order: registration comes first among other createRuntime hooks, the
    // flush last among other poststop hooks (under runc a failing poststop hook skips the rest).
    CHECK(stages == std::vector<std::string>{"createRuntime", "poststop"});
}

TEST_CASE("each shipped hooks.d file is a valid oci-hooks 1.0.0 entry for cradle-hook") {
    auto files = hook_files();
    const auto auto_files = hook_files(k_auto_hooks_dir);
    files.insert(files.end(), auto_files.begin(), auto_files.end());
    for (const auto& file : files) {
        CAPTURE(file);
        const nlohmann::json hook = read_json(file);
        CHECK(hook.at("version") == "1.0.0");

        const nlohmann::json& command = hook.at("hook");
        const std::string path = command.at("path").get<std::string>();
        CHECK(std::filesystem::path(path).is_absolute());
        CHECK(std::filesystem::path(path).filename() == "cradle-hook");

        // Only stages that run in the runtime's namespaces: createContainer and startContainer
        // run inside the container, where the hook's path means nothing.
        const auto& stages = hook.at("stages");
        REQUIRE(stages.size() == 1);
        const std::string stage = stages[0].get<std::string>();
        CHECK((stage == "createRuntime" || stage == "poststop" || stage == "prestart"));
        // The stage is the hook's last argument, spelt as cradle-hook parses it.
        const auto& args = command.at("args");
        REQUIRE(args.size() >= 2);
        CHECK(args.front() == "cradle-hook");
        CHECK(args.back() == stage);
        CHECK(parse_hook_stage(args.back().get<std::string>()).ok());

        // An explicit environment holding PATH alone: nothing inherited, such as LD_PRELOAD.
        REQUIRE(command.contains("env"));
        const auto& env = command.at("env");
        REQUIRE(env.size() == 1);
        const std::string path_variable = env[0].get<std::string>();
        CHECK(path_variable.rfind("PATH=/", 0) == 0);
        CHECK(path_variable.find(":.") == std::string::npos);
        CHECK(path_variable.find("::") == std::string::npos);

        // A timeout, in seconds, that leaves the hook its own deadline to give up by itself.
        REQUIRE(command.contains("timeout"));
        REQUIRE(command.at("timeout").is_number_integer());
        const std::chrono::seconds timeout(command.at("timeout").get<int>());
        CHECK(timeout > Config{}.hook_deadline);
        CHECK(timeout <= std::chrono::seconds(30));
    }
}

TEST_CASE("each shipped hooks.d file runs only for containers with the io.cradle.profile annotation") {
    for (const auto& file : hook_files()) {
        CAPTURE(file);
        const nlohmann::json when = read_json(file).at("when");
        // The annotation alone decides: no "always", no other condition.
        CHECK(when.size() == 1);
        const auto& annotations = when.at("annotations");
        REQUIRE(annotations.size() == 1);
        const std::string key = annotations.begin().key();
        const std::string value = annotations.begin().value().get<std::string>();
        CAPTURE(key);

        CHECK(key.front() == '^');
        CHECK(key.back() == '$');
        CHECK(matches(key, k_profile_annotation));
        for (const char* other : {"xio.cradle.profilex", "xio.cradle.profile", "io.cradle.profilex",
                                  "io-cradle-profile", "io.cradle.profile.name", "io.cradle"}) {
            CAPTURE(other);
            CHECK_FALSE(matches(key, other));
        }
        // Any value, even one the hook will refuse: a bad name must stop the container where
        // it is seen, not leave it untraced without a word.
        for (const char* name : {"web", "web-%Y%m%d", "", "../etc"}) {
            CAPTURE(name);
            CHECK(matches(value, name));
        }
    }
}

TEST_CASE("install/hooks.d-auto holds the same files, run for every container") {
    const auto files = hook_files();
    const auto auto_files = hook_files(k_auto_hooks_dir);
    REQUIRE(auto_files.size() == files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        CAPTURE(auto_files[i]);
        // The same names, so that installed in place of the others they replace them: a container
        // with the annotation must not be registered twice.
        CHECK(auto_files[i].filename() == files[i].filename());
        nlohmann::json hook = read_json(files[i]);
        nlohmann::json auto_hook = read_json(auto_files[i]);
        // "always" alone decides: podman and CRI-O run a hook when any condition matches.
        CHECK(auto_hook.at("when") == nlohmann::json{{"always", true}});
        // Everything else is as in hooks.d.
        hook.erase("when");
        auto_hook.erase("when");
        CHECK(auto_hook == hook);
    }
}
