#include "profilegen/container_run.h"

#include <fstream>

#include "common/json.h"
#include "common/temporary_directory.h"
#include "common/text_file.h"

namespace cradle {

namespace {

Result<void> write_spec(const std::string& directory, const nlohmann::json& spec) {
    const std::string path = directory + "/config.json";
    // Not dump_json: a byte replaced in a path or an argument would run another container.
    auto text = write_json(spec, 2);
    if (!text) {
        return with_context(text.error(), "writing \"" + path + "\"");
    }
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << *text << "\n";
    file.close();
    if (!file) {
        return Error{EIO, "writing \"" + path + "\""};
    }
    return {};
}

}  // namespace

Result<ProcessOutcome> run_container(const ContainerRun& run) {
    auto bundle = TemporaryDirectory::make("cradle-bundle");
    if (!bundle) {
        return bundle.error();
    }
    if (auto written = write_spec(bundle->path(), run.spec); !written) {
        return written.error();
    }
    auto outcome = run_process({{run.runtime, "run", "--bundle", bundle->path(), run.id}, run.timeout});
    // Always: runc leaves a container behind when it is killed, or its init outlived it.
    (void)run_process({{run.runtime, "delete", "-f", run.id}, std::chrono::seconds(30)});
    return outcome;
}

Result<nlohmann::json> default_runtime_spec(const std::string& runtime) {
    auto directory = TemporaryDirectory::make("cradle-spec");
    if (!directory) {
        return directory.error();
    }
    auto outcome = run_process({{runtime, "spec", "--bundle", directory->path()}, std::chrono::seconds(30)});
    if (!outcome) {
        return outcome.error();
    }
    if (outcome->end != ProcessEnd::exited || outcome->status != 0) {
        return Error{EPROTO, "\"" + runtime + " spec\" failed (" + describe_process_end(outcome->end, outcome->status) +
                                 "): " + outcome->stderr_text};
    }
    auto text = read_text_file(directory->path() + "/config.json");
    if (!text) {
        return text.error();
    }
    auto spec = parse_json(*text);
    if (!spec) {
        return with_context(spec.error(), "\"" + runtime + " spec\"");
    }
    return *spec;
}

}  // namespace cradle
