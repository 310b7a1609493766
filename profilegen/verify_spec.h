// The OCI specs `cradle verify` runs a user's bundle with: the bundle as it is, and the same
// under a profile. Both are copies: the user's config.json and root filesystem are never
// written.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// The spec of the reference run, from the bundle's config.json (`original`, parsed) in the
// directory `bundle_dir` (absolute), to be run from another directory:
//   - root.path made absolute (a relative one is relative to the bundle), root.readonly true
//     (the user's root filesystem is not written; a workload that writes there should have a
//     tmpfs or a volume mounted);
//   - relative sources of bind mounts ("bind" or "rbind" among the options) made absolute;
//   - process.terminal false (the output is captured, there is no console);
//   - the io.cradle.profile annotation and every hook whose program is named cradle-hook
//     removed, so that verifying does not record into the profile again.
// Everything else is kept as it is: the bundle's own seccomp filter and capabilities, as the
// workload was recorded. Fails with EINVAL when `original` is not an object, or has no
// process object or no root.path string.
Result<nlohmann::json> reference_spec(const nlohmann::json& original, const std::string& bundle_dir);

// `reference` under a profile: linux.seccomp is `seccomp_profile` (a Docker/OCI profile, as
// the collector writes it), and process.capabilities grants `capabilities` (OCI names,
// "CAP_CHOWN") as bounding, effective and permitted, with inheritable and ambient empty.
nlohmann::json confined_spec(const nlohmann::json& reference, const nlohmann::json& seccomp_profile,
                             const std::vector<std::string>& capabilities);

}  // namespace cradle
