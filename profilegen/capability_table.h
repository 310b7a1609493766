// Capability names and numbers, resolved by libcap.
//
// Cradle writes capabilities the way they appear after "cap_" in libcap's names, in lower case:
// "chown", "sys_admin". Upper case and the "CAP_" prefix are only for output formats that want
// them (Docker flags, OCI configs).
#pragma once

#include <string>

#include "common/result.h"

namespace cradle {

// The name of capability number `cap`: 0 -> "chown", 21 -> "sys_admin".
// Fails (code EINVAL) for a negative number or one libcap has no name for.
Result<std::string> capability_name(int cap);

// The number of capability `name`, written "chown", "CHOWN", "cap_chown" or "CAP_CHOWN".
// Fails (code EINVAL) for anything else, including bare numbers ("21") that libcap would take.
Result<int> capability_number(const std::string& name);

// One more than the highest capability number libcap knows (cap_max_bits()).
int capability_count();

}  // namespace cradle
