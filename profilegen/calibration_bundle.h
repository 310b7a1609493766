// The calibration container: what `cradle calibrate` runs so that the collector measures the
// runtime's post-filter syscalls (README, "Birth, precisely"). The runtime starts it under a
// seccomp filter that refuses nothing it does, with cradle-hook registering it as the profile
// cradle-calibration; when it is gone, the collector adds what the runtime did between the
// filter and the exec to the machine's runtime baseline, which every later recording is joined
// with.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// The profile the calibration containers are recorded as.
inline constexpr const char* k_calibration_profile = "cradle-calibration";

// Runs per noNewPrivileges setting: what runc's Go runtime does in the window varies from run
// to run (it may schedule, grow its heap, start a thread, or not). Three were too few: runc
// 1.1's netpoller wait (epoll_pwait) showed in one calibration of four, and a profile without
// it failed that start. Each run takes about 0.1 s.
inline constexpr int k_calibration_runs = 8;

// How the calibration container reaches the collector.
struct CalibrationHook {
    std::string hook_path;              // cradle-hook, absolute
    std::optional<std::string> socket;  // given to it as --socket, when set
    std::optional<std::string> config;  // given to it as --config, when set (absolute)
};

// A seccomp filter that refuses nothing a runtime or /bin/true does (only kexec_load), so that
// the runtime installs one and its window can be measured.
nlohmann::json permissive_seccomp_profile();

// The calibration container's spec, from the runtime's default one (`skeleton`,
// default_runtime_spec): /bin/true in `rootfs` (absolute; read-only), no terminal,
// noNewPrivileges as `no_new_privileges` says (runc installs its filter at another point
// without it, and drops privileges after it), the permissive filter, the annotation
// io.cradle.profile=cradle-calibration, and cradle-hook at createRuntime and poststop (so that
// the runtime returns once the collector has flushed it).
nlohmann::json calibration_spec(const nlohmann::json& skeleton, const std::string& rootfs, const CalibrationHook& hook,
                                bool no_new_privileges);

// Makes a root filesystem for the calibration container in `directory` (created if missing, mode 0755):
// bin/true a copy of `program` (a statically linked busybox, which runs its `true` applet when
// called so), and the directories runc mounts on (proc, sys, dev, tmp). Fails with the errno of
// the first step that fails.
Result<void> make_calibration_rootfs(const std::string& directory, const std::string& program);

}  // namespace cradle
