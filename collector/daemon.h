// cradled's life: load the tracer, serve the socket, flush gone containers, stop on a signal.
#pragma once

#include <cstdint>

#include "common/config.h"
#include "cradle_abi.h"

namespace cradle {

struct DaemonOptions {
    Config config;
    std::uint32_t max_containers = CRADLE_MAX_CONTAINERS;
    std::uint32_t max_cgroups = CRADLE_MAX_CGROUPS;
    bool unpin = false;    // remove the pins under config.pin_dir and exit
    bool verbose = false;  // debug logging, libbpf's messages included
};

// Runs until SIGTERM or SIGINT; returns the process exit code (0, or 1 after a start-up
// failure, reported once on stderr).
int run_daemon(const DaemonOptions& options);

}  // namespace cradle
