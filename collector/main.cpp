// cradled: the resident collector. Options are parsed here; run_daemon() does the work.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "collector/daemon.h"

namespace {

constexpr const char* k_usage = R"(Usage: cradled [OPTIONS]

Loads Cradle's BPF programs and records, per registered container, the syscalls it makes
and the capability checks it needs; writes its profile files when the container is gone.

Options:
  --config FILE       configuration (default /etc/cradle/cradle.json; defaults when absent)
  --socket PATH       unix socket for cradle-hook and cradle (default /run/cradle/cradle.sock)
  --output-dir DIR    where profiles are written (default /var/lib/cradle/profiles)
  --pin-dir DIR       bpffs directory for the maps and links (default /sys/fs/bpf/cradle)
  --max-containers N  containers traced at once (default 1024)
  --max-cgroups N     their cgroups, children included (default 16384)
  --unpin             remove the pins under --pin-dir (stops all recording) and exit
  --verbose           debug logging, libbpf's messages included
  --help              this text

Examples:
  cradled
  cradled --socket /run/cradle-test/cradle.sock --pin-dir /sys/fs/bpf/cradle-test --output-dir /tmp/profiles
  cradled --unpin --pin-dir /sys/fs/bpf/cradle-test
)";

}  // namespace

int main(int argc, char** argv) {
    enum {
        k_config = 1,
        k_socket,
        k_output_dir,
        k_pin_dir,
        k_max_containers,
        k_max_cgroups,
        k_unpin,
        k_verbose,
        k_help
    };
    const option options[] = {{"config", required_argument, nullptr, k_config},
                              {"socket", required_argument, nullptr, k_socket},
                              {"output-dir", required_argument, nullptr, k_output_dir},
                              {"pin-dir", required_argument, nullptr, k_pin_dir},
                              {"max-containers", required_argument, nullptr, k_max_containers},
                              {"max-cgroups", required_argument, nullptr, k_max_cgroups},
                              {"unpin", no_argument, nullptr, k_unpin},
                              {"verbose", no_argument, nullptr, k_verbose},
                              {"help", no_argument, nullptr, k_help},
                              {nullptr, 0, nullptr, 0}};
    const char* config_path = nullptr;
    const char* socket = nullptr;
    const char* output_dir = nullptr;
    const char* pin_dir = nullptr;
    cradle::DaemonOptions daemon;
    for (int option; (option = getopt_long(argc, argv, "", options, nullptr)) != -1;) {
        switch (option) {
            case k_config: config_path = optarg; break;
            case k_socket: socket = optarg; break;
            case k_output_dir: output_dir = optarg; break;
            case k_pin_dir: pin_dir = optarg; break;
            case k_max_containers:
            case k_max_cgroups: {
                char* end = nullptr;
                const unsigned long value = std::strtoul(optarg, &end, 10);
                if (*optarg == '\0' || *end != '\0' || value == 0 || value > (1UL << 24)) {
                    std::fprintf(stderr, "cradled: --max-%s takes a number from 1 to %lu, not \"%s\"\n",
                                 option == k_max_containers ? "containers" : "cgroups", 1UL << 24, optarg);
                    return 2;
                }
                (option == k_max_containers ? daemon.max_containers : daemon.max_cgroups) =
                    static_cast<std::uint32_t>(value);
                break;
            }
            case k_unpin: daemon.unpin = true; break;
            case k_verbose: daemon.verbose = true; break;
            case k_help: std::fputs(k_usage, stdout); return 0;
            default: std::fputs(k_usage, stderr); return 2;
        }
    }
    if (optind != argc) {
        std::fprintf(stderr, "cradled: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    auto config = cradle::load_config(config_path ? config_path : cradle::k_default_config_path);
    if (config) {
        daemon.config = *config;
    } else if (config_path || config.error().code != ENOENT) {
        std::fprintf(stderr, "cradled: %s\n", config.error().message.c_str());
        return 2;
    }
    if (socket)
        daemon.config.socket_path = socket;
    if (output_dir)
        daemon.config.output_dir = output_dir;
    if (pin_dir)
        daemon.config.pin_dir = pin_dir;
    return cradle::run_daemon(daemon);
}
