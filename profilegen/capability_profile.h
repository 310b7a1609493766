// The capability profile: the OCI `process.capabilities` object that grants a container what a
// Recording found it needs and nothing else. Written beside the seccomp profile as
// `<name>.capabilities.json`, and embedded in `cradle options --format oci`.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// `names` (libcap's, lower case without "cap_": "chown") as OCI spells them: {"CAP_CHOWN", ...},
// sorted as spelt.
std::vector<std::string> oci_capability_names(const std::set<std::string>& names);

// oci_capability_names of recording.capabilities, the granted set.
std::vector<std::string> oci_capability_names(const Recording& recording);

// The OCI process.capabilities object for `recording`'s granted capabilities:
//   {"ambient": [], "bounding": oci_capability_names(recording), "effective": same,
//    "inheritable": [], "permitted": same}
// which runc takes as it is: bounding keeps exec from gaining more, effective and permitted are
// what the workload (root in its namespace) holds; nothing is inherited or ambient.
nlohmann::json build_capability_profile(const Recording& recording);

// build_capability_profile as a file: indented by 2 (keys sorted), with a trailing newline.
// Never fails for names from libcap; fails (EILSEQ, write_json's message) for a name that is not
// UTF-8.
Result<std::string> render_capability_profile(const Recording& recording);

}  // namespace cradle
