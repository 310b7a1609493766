#include "profilegen/spo_profile.h"

#include <cerrno>
#include <cstdint>
#include <limits>

#include "common/json.h"
#include "profilegen/profile_fields.h"

namespace cradle {

namespace {

constexpr std::size_t k_max_label = 63;
constexpr const char* k_subject = "SeccompProfile object";

Error invalid(const std::string& field, const std::string& what) {
    return with_context(field_error(field, what), k_subject);
}

bool is_word(const std::string& text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

Result<std::string> word(const nlohmann::json& value, const std::string& field) {
    if (!value.is_string() || !is_word(value.get<std::string>())) {
        return invalid(field, "not a word of [A-Za-z0-9_]");
    }
    return value.get<std::string>();
}

// check_fields, refusing what the spec lacks (rather than what Cradle does not support).
Result<void> check_spec_fields(const nlohmann::json& object, const std::string& where,
                               std::initializer_list<std::string_view> allowed) {
    if (auto fields = check_fields(object, where, allowed, "no such field in the SeccompProfile spec"); !fields) {
        return with_context(fields.error(), k_subject);
    }
    return {};
}

// An integer of the spec (errnoRet, index, value, valueTwo: int32 or int64, at least 0).
Result<std::string> spec_integer(const nlohmann::json& value, const std::string& field, std::uint64_t max) {
    const bool fits = value.is_number_unsigned()  ? value.get<std::uint64_t>() <= max
                      : value.is_number_integer() ? value.get<std::int64_t>() >= 0 &&
                                                        static_cast<std::uint64_t>(value.get<std::int64_t>()) <= max
                                                  : false;
    if (!fits) {
        return invalid(field, "not an integer from 0 to " + std::to_string(max));
    }
    return value.dump();
}

Result<std::string> render_rule(const nlohmann::json& rule, const std::string& field) {
    if (auto fields = check_spec_fields(rule, field, {"names", "action", "errnoRet", "args", "comment"}); !fields) {
        return fields.error();
    }
    const auto action = rule.find("action");
    auto action_word = action == rule.end() ? Result<std::string>(invalid(field + ".action", "missing"))
                                            : word(*action, field + ".action");
    if (!action_word) {
        return action_word.error();
    }
    std::string out = "  - action: " + *action_word + "\n";
    if (const auto errno_ret = rule.find("errnoRet"); errno_ret != rule.end()) {
        auto value = spec_integer(*errno_ret, field + ".errnoRet", std::numeric_limits<std::int32_t>::max());
        if (!value) {
            return value.error();
        }
        out += "    errnoRet: " + *value + "\n";
    }
    const auto names = rule.find("names");
    if (names == rule.end() || !names->is_array() || names->empty()) {
        return invalid(field + ".names", "not a list of at least one name");
    }
    out += "    names:\n";
    for (std::size_t i = 0; i < names->size(); ++i) {
        auto name = word((*names)[i], field + ".names[" + std::to_string(i) + "]");
        if (!name) {
            return name.error();
        }
        out += "    - " + *name + "\n";
    }
    if (const auto args = rule.find("args"); args != rule.end() && !args->is_null() && !args->empty()) {
        if (!args->is_array()) {
            return invalid(field + ".args", "not an array");
        }
        out += "    args:\n";
        for (std::size_t i = 0; i < args->size(); ++i) {
            const std::string where = field + ".args[" + std::to_string(i) + "]";
            const auto& arg = (*args)[i];
            if (auto fields = check_spec_fields(arg, where, {"index", "value", "valueTwo", "op"}); !fields) {
                return fields.error();
            }
            const char* lead = "    - ";
            for (const auto& [key, max] :
                 {std::pair{"index", std::uint64_t{5}},
                  std::pair{"value", std::uint64_t(std::numeric_limits<std::int64_t>::max())},
                  std::pair{"valueTwo", std::uint64_t(std::numeric_limits<std::int64_t>::max())}}) {
                const auto found = arg.find(key);
                if (found == arg.end()) {
                    continue;
                }
                auto value = spec_integer(*found, where + "." + key, max);
                if (!value) {
                    return value.error();
                }
                out += std::string(lead) + key + ": " + *value + "\n";
                lead = "      ";
            }
            const auto op = arg.find("op");
            auto op_word =
                op == arg.end() ? Result<std::string>(invalid(where + ".op", "missing")) : word(*op, where + ".op");
            if (!op_word) {
                return op_word.error();
            }
            out += std::string(lead) + "op: " + *op_word + "\n";
        }
    }
    return out;
}

}  // namespace

std::string spo_object_name(std::string_view profile_name) {
    std::string out;
    for (const char c : profile_name) {
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
        if (keep) {
            out += lower;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    if (out.size() > k_max_label) {
        out.resize(k_max_label);
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out.empty() ? "cradle" : out;
}

bool is_dns1123_label(std::string_view name) {
    if (name.empty() || name.size() > k_max_label || name.front() == '-' || name.back() == '-') {
        return false;
    }
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

std::string spo_localhost_profile(const std::string& name, const std::optional<std::string>& object_namespace) {
    // The operator writes <kubelet seccomp root>/operator/<namespace>/<name>.json
    // (SeccompProfile.GetProfilePath); a cluster-scoped object has no namespace.
    return "operator/" + (object_namespace ? *object_namespace + "/" : std::string()) + name + ".json";
}

Result<std::string> render_spo_seccomp_profile(const nlohmann::json& profile, const std::string& name,
                                               const std::optional<std::string>& object_namespace) {
    if (auto fields = check_spec_fields(profile, "", {"defaultAction", "defaultErrnoRet", "architectures", "syscalls"});
        !fields) {
        return fields.error();
    }
    if (const auto errno_ret = profile.find("defaultErrnoRet");
        errno_ret != profile.end() && !(errno_ret->is_number_integer() && errno_ret->get<std::int64_t>() == EPERM)) {
        return invalid("defaultErrnoRet",
                       "the spec has none, and without it the runtime answers EPERM, not " + dump_json(*errno_ret));
    }
    auto quoted_name = write_json(name);
    if (!quoted_name) {
        return quoted_name.error();
    }
    std::string out = std::string("---\napiVersion: ") + k_spo_api_version + "\nkind: SeccompProfile\nmetadata:\n" +
                      "  name: " + *quoted_name + "\n";
    if (object_namespace) {
        auto quoted = write_json(*object_namespace);
        if (!quoted) {
            return quoted.error();
        }
        out += "  namespace: " + *quoted + "\n";
    }
    const auto action = profile.find("defaultAction");
    auto action_word = action == profile.end() ? Result<std::string>(invalid("defaultAction", "missing"))
                                               : word(*action, "defaultAction");
    if (!action_word) {
        return action_word.error();
    }
    out += "spec:\n  defaultAction: " + *action_word + "\n";
    if (const auto architectures = profile.find("architectures");
        architectures != profile.end() && architectures->is_array() && !architectures->empty()) {
        out += "  architectures:\n";
        for (std::size_t i = 0; i < architectures->size(); ++i) {
            auto arch = word((*architectures)[i], "architectures[" + std::to_string(i) + "]");
            if (!arch) {
                return arch.error();
            }
            out += "  - " + *arch + "\n";
        }
    }
    if (const auto syscalls = profile.find("syscalls"); syscalls != profile.end() && !syscalls->empty()) {
        if (!syscalls->is_array()) {
            return invalid("syscalls", "not an array");
        }
        out += "  syscalls:\n";
        for (std::size_t i = 0; i < syscalls->size(); ++i) {
            auto rule = render_rule((*syscalls)[i], "syscalls[" + std::to_string(i) + "]");
            if (!rule) {
                return rule.error();
            }
            out += *rule;
        }
    }
    return out;
}

}  // namespace cradle
