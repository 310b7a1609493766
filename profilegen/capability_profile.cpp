#include "profilegen/capability_profile.h"

#include <algorithm>

#include "common/json.h"
#include "profilegen/capability_table.h"

namespace cradle {

std::vector<std::string> oci_capability_names(const std::set<std::string>& names) {
    std::vector<std::string> out;
    for (const auto& name : names) {
        out.push_back(capability_constant_name(name));
    }
    // Sorted again after upper-casing: '_' sorts before lower-case letters but after upper-case
    // ones, so "sys_admin" < "syslog" while "CAP_SYSLOG" < "CAP_SYS_ADMIN".
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> oci_capability_names(const Recording& recording) {
    return oci_capability_names(recording.capabilities);
}

nlohmann::json build_capability_profile(const Recording& recording) {
    const std::vector<std::string> granted = oci_capability_names(recording);
    return {{"bounding", granted},
            {"effective", granted},
            {"permitted", granted},
            {"inheritable", nlohmann::json::array()},
            {"ambient", nlohmann::json::array()}};
}

Result<std::string> render_capability_profile(const Recording& recording) {
    auto text = write_json(build_capability_profile(recording), 2);
    if (!text) {
        return with_context(text.error(), "writing the capability profile");
    }
    return *text + "\n";
}

}  // namespace cradle
