// One run of a container from an OCI spec with an OCI runtime (runc), in a bundle directory of
// its own: how `cradle verify` and `cradle calibrate` start their containers.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/child_process.h"
#include "common/result.h"

namespace cradle {

struct ContainerRun {
    std::string runtime;                       // the runtime's absolute path
    std::string id;                            // the container id, unique on the machine
    nlohmann::json spec;                       // its config.json; root.path absolute
    std::chrono::milliseconds timeout{60000};  // for `run`, from start to end
};

// Writes `run.spec` as config.json in a fresh directory under $TMPDIR (else /tmp), runs
// `RUNTIME run --bundle DIR ID` to its end (stdin /dev/null, stdout and stderr captured:
// run_process), then always `RUNTIME delete -f ID` (a container that timed out is killed so)
// and removes the directory. Returns the outcome of `run`, whose exit status is the
// container's as runc reports it, or the runtime's own failure. Fails when the directory or
// config.json cannot be written, or the runtime cannot be started at all.
Result<ProcessOutcome> run_container(const ContainerRun& run);

// Makes `RUNTIME spec` write its default spec into a fresh temporary directory and returns it
// parsed: the skeleton a new bundle starts from, as `runc spec` writes it for this runtime's
// version. Fails with the runtime's stderr when it cannot.
Result<nlohmann::json> default_runtime_spec(const std::string& runtime);

}  // namespace cradle
