// Capability names and numbers, resolved by libcap.
//
// Cradle writes capabilities the way they appear after "cap_" in libcap's names, in lower case:
// "chown", "sys_admin". Upper case and the "CAP_" prefix are only for output formats that want
// them (Docker flags, OCI configs).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace cradle {

// The name of capability number `cap`: 0 -> "chown", 21 -> "sys_admin".
// Fails (code EINVAL) for a negative number or one libcap has no name for.
Result<std::string> capability_name(int cap);

// The number of capability `name`, written "chown", "CHOWN", "cap_chown" or "CAP_CHOWN".
// Fails (code EINVAL) for anything else, including bare numbers ("21") that libcap would take.
Result<int> capability_number(const std::string& name);

// `spelling` as Cradle writes capabilities: lower case, without the "cap_" prefix, so "CAP_CHOWN",
// "cap_chown" and "CHOWN" all give "chown". Only the spelling changes; nothing is checked
// ("CAP_NO_SUCH" gives "no_such").
std::string bare_capability_name(std::string_view spelling);

// `bare` ("sys_admin") as the kernel headers, OCI and Docker's --cap-add spell it:
// "CAP_SYS_ADMIN". The inverse of bare_capability_name.
std::string capability_constant_name(std::string_view bare);

// One more than the highest capability number libcap knows (cap_max_bits()).
int capability_count();

}  // namespace cradle
