#include "profilegen/base_policy.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "common/json.h"
#include "common/text_file.h"
#include "profilegen/profile_fields.h"
#include "profilegen/run_options.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

constexpr const char* k_subject = "base profile";

// Cradle's architecture names Docker spells otherwise (moby/profiles seccomp_linux.go,
// goToNative), sorted.
constexpr std::pair<std::string_view, std::string_view> k_docker_architectures[] = {
    {"aarch64", "arm64"},
    {"x86_64", "amd64"},
};

// ALLOW and LOG let the call through; every other action refuses it.
bool permits(const SeccompAction& action) { return action.name == "SCMP_ACT_ALLOW" || action.name == "SCMP_ACT_LOG"; }

struct Rule {
    std::string field;  // "syscalls[3]", for messages
    std::vector<std::string> names;
    SeccompAction action;
    std::vector<ArgumentCondition> args;
    std::optional<std::string> comment;
};

Result<std::vector<std::string>> read_string_list(const nlohmann::json& list, const std::string& field) {
    if (!list.is_array()) {
        return field_error(field, "not an array");
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string()) {
            return field_error(field + "[" + std::to_string(i) + "]", "not a string");
        }
        out.push_back(list[i].get<std::string>());
    }
    return out;
}

// "6.18.0-1-amd64" -> {6, 18, 0}; "4.8" -> {4, 8, 0}; nullopt without a leading number.
std::optional<std::vector<unsigned long>> kernel_version(const std::string& text) {
    std::vector<unsigned long> parts;
    std::size_t at = 0;
    while (parts.size() < 3 && at < text.size() && text[at] >= '0' && text[at] <= '9') {
        std::size_t end = at;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
            ++end;
        }
        parts.push_back(std::stoul(text.substr(at, std::min<std::size_t>(end - at, 9))));
        at = end < text.size() && text[end] == '.' ? end + 1 : text.size();
    }
    if (parts.empty()) {
        return std::nullopt;
    }
    parts.resize(3, 0);
    return parts;
}

// Whether one "includes" (`include` true) or "excludes" object at `field` lets the rule apply.
// As dockerd: includes needs every cap and one of the arches, and the kernel at least
// minKernel; excludes drops the rule for any cap, any arch, or a kernel at least minKernel.
Result<bool> condition_holds(const nlohmann::json& condition, const std::string& field, bool include,
                             const BaseContext& context) {
    if (auto fields = check_fields(condition, field, {"caps", "arches", "minKernel"}); !fields) {
        return fields.error();
    }
    const std::string native = docker_architecture_name(context.native);
    if (const auto arches = condition.find("arches"); arches != condition.end()) {
        auto list = read_string_list(*arches, field + ".arches");
        if (!list) {
            return list.error();
        }
        const bool listed = std::find(list->begin(), list->end(), native) != list->end();
        if (!list->empty() && (include ? !listed : listed)) {
            return false;
        }
    }
    if (const auto caps = condition.find("caps"); caps != condition.end()) {
        auto list = read_string_list(*caps, field + ".caps");
        if (!list) {
            return list.error();
        }
        for (const auto& cap : *list) {
            const bool granted =
                std::find(context.capabilities.begin(), context.capabilities.end(), cap) != context.capabilities.end();
            if (include ? !granted : granted) {
                return false;
            }
        }
    }
    if (const auto min_kernel = condition.find("minKernel"); min_kernel != condition.end()) {
        if (!min_kernel->is_string()) {
            return field_error(field + ".minKernel", "not a string");
        }
        const auto wanted = kernel_version(min_kernel->get<std::string>());
        if (!wanted) {
            return field_error(field + ".minKernel", "not a kernel version");
        }
        const auto running = kernel_version(context.kernel_release);
        if (!running) {
            return Error{EINVAL, "kernel release \"" + context.kernel_release + "\" has no version"};
        }
        const bool at_least = *running >= *wanted;
        if (include ? !at_least : at_least) {
            return false;
        }
    }
    return true;
}

// Whether a name is a syscall of at least one of `architectures`; names libseccomp does not
// know are not (runc skips them the same way).
bool on_any(const std::string& name, const std::vector<std::string>& architectures) {
    return syscall_available_anywhere(name, architectures);
}

// The rule at "syscalls[i]" (`field`) when it applies in `context`; nullopt when it does not or
// keeps no name.
Result<std::optional<Rule>> read_rule(const nlohmann::json& entry, const std::string& field, const BaseContext& context,
                                      const std::vector<std::string>& architectures) {
    if (auto fields = check_fields(entry, field,
                                   {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"});
        !fields) {
        return fields.error();
    }
    Rule rule;
    rule.field = field;
    auto action = read_seccomp_action(entry, field, "action", "errnoRet");
    if (!action) {
        return action.error();
    }
    rule.action = *action;
    const auto names = entry.find("names");
    const auto name = entry.find("name");
    if ((names == entry.end()) == (name == entry.end())) {
        return field_error(field + ".names", names == entry.end() ? "missing" : "given with \"name\"");
    }
    std::vector<std::string> listed;
    if (names != entry.end()) {
        auto list = read_string_list(*names, field + ".names");
        if (!list) {
            return list.error();
        }
        listed = std::move(*list);
    } else {
        if (!name->is_string()) {
            return field_error(field + ".name", "not a string");
        }
        listed.push_back(name->get<std::string>());
    }
    auto args = read_seccomp_conditions(entry, field);
    if (!args) {
        return args.error();
    }
    rule.args = std::move(*args);
    if (const auto comment = entry.find("comment"); comment != entry.end()) {
        if (!comment->is_string()) {
            return field_error(field + ".comment", "not a string");
        }
        rule.comment = comment->get<std::string>();
    }
    // Every field is checked before the conditions drop the rule: a mistake in a rule that
    // does not apply here is still a mistake.
    bool applies = true;
    for (const auto& [key, include] : {std::pair{"excludes", false}, std::pair{"includes", true}}) {
        if (const auto condition = entry.find(key); condition != entry.end() && !condition->is_null()) {
            auto holds = condition_holds(*condition, field + "." + key, include, context);
            if (!holds) {
                return holds.error();
            }
            applies = applies && *holds;
        }
    }
    for (const auto& each : listed) {
        if (on_any(each, architectures) && std::find(rule.names.begin(), rule.names.end(), each) == rule.names.end()) {
            rule.names.push_back(each);
        }
    }
    if (!applies || rule.names.empty()) {
        return std::optional<Rule>();
    }
    return std::optional<Rule>(std::move(rule));
}

// The base's architectures, Cradle's names, settled as the header says.
Result<std::vector<std::string>> read_architectures(const nlohmann::json& base, const BaseContext& context) {
    const auto listed = base.find("architectures");
    const auto arch_map = base.find("archMap");
    if (listed != base.end() && arch_map != base.end()) {
        return field_error("archMap", "given with \"architectures\"");
    }
    std::vector<std::string> constants;
    std::string where;
    if (listed != base.end()) {
        auto list = read_string_list(*listed, "architectures");
        if (!list) {
            return list.error();
        }
        constants = std::move(*list);
        where = "architectures";
    } else if (arch_map != base.end()) {
        if (!arch_map->is_array()) {
            return field_error("archMap", "not an array");
        }
        auto native = seccomp_arch_constant(context.native);
        if (!native) {
            return native.error();
        }
        for (std::size_t i = 0; i < arch_map->size(); ++i) {
            const std::string field = "archMap[" + std::to_string(i) + "]";
            const auto& entry = (*arch_map)[i];
            if (auto fields = check_fields(entry, field, {"architecture", "subArchitectures"}); !fields) {
                return fields.error();
            }
            auto arch = read_string_field(entry, "architecture", field + ".architecture");
            if (!arch) {
                return arch.error();
            }
            if (*arch != *native) {
                continue;
            }
            constants = {*arch};
            where = field;
            if (const auto subs = entry.find("subArchitectures"); subs != entry.end() && !subs->is_null()) {
                auto list = read_string_list(*subs, field + ".subArchitectures");
                if (!list) {
                    return list.error();
                }
                constants.insert(constants.end(), list->begin(), list->end());
            }
            break;
        }
    }
    std::vector<std::string> architectures;
    for (const auto& constant : constants) {
        auto arch = arch_from_seccomp_constant(constant);
        if (!arch) {
            return field_error(where, arch.error().message);
        }
        if (std::find(architectures.begin(), architectures.end(), *arch) == architectures.end()) {
            architectures.push_back(*arch);
        }
    }
    if (architectures.empty()) {
        architectures.push_back(context.native);  // what a runtime does without a list
    }
    return architectures;
}

nlohmann::json rule_json(const Rule& rule) {
    nlohmann::json out = {{"names", rule.names}, {"action", rule.action.name}};
    if (rule.action.errno_ret) {
        out["errnoRet"] = *rule.action.errno_ret;
    }
    if (!rule.args.empty()) {
        out["args"] = seccomp_conditions_json(rule.args);
    }
    if (rule.comment) {
        out["comment"] = *rule.comment;
    }
    return out;
}

// Compiles the settled base: one SeccompRule per name of each rule.
Result<void> compile(const SeccompAction& default_action, const std::vector<std::string>& architectures,
                     const std::vector<Rule>& rules) {
    std::vector<SeccompRule> per_name;
    for (const auto& rule : rules) {
        for (const auto& name : rule.names) {
            per_name.push_back({rule.field, name, rule.action.value, rule.args});
        }
    }
    if (auto filter = compile_seccomp_rules(default_action.value, architectures, per_name); !filter) {
        return filter.error();
    }
    return {};
}

// libseccomp quietly keeps one of two unconditional actions for a syscall; a base that says both
// is a mistake worth reporting. (Rules with arguments may differ: Docker's default does.)
Result<void> check_one_action(const std::vector<Rule>& rules) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (!rules[i].args.empty()) {
            continue;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (!rules[j].args.empty() || rules[j].action.value == rules[i].action.value) {
                continue;
            }
            for (const auto& name : rules[i].names) {
                if (std::find(rules[j].names.begin(), rules[j].names.end(), name) != rules[j].names.end()) {
                    return field_error(rules[i].field, "syscall \"" + name + "\": already has another action in \"" +
                                                           rules[j].field + "\"");
                }
            }
        }
    }
    return {};
}

// Records that `action` (of a rule, or the default, as `by` says) refuses recorded syscall
// `name`: a finding, unless the caller falls back from an ENOSYS.
void refuse(const std::string& name, const SeccompAction& action, const std::string& by, BaseMerge& merge) {
    const std::vector<std::string> fallbacks = fallback_syscalls();
    if (action.name == "SCMP_ACT_ERRNO" && action.errno_ret == ENOSYS &&
        std::find(fallbacks.begin(), fallbacks.end(), name) != fallbacks.end()) {
        merge.falling_back.push_back(name);
        return;
    }
    merge.refused.push_back({name, by});
}

// What the settled `rules` and `default_action` do with recorded syscall `name`.
void classify(const std::string& name, const SeccompAction& default_action, const std::vector<Rule>& rules,
              BaseMerge& merge) {
    bool conditional = false;
    for (const auto& rule : rules) {
        if (std::find(rule.names.begin(), rule.names.end(), name) == rule.names.end()) {
            continue;
        }
        if (!rule.args.empty()) {
            conditional = true;
            continue;
        }
        // The first unconditional rule decides: libseccomp refuses a second with another action.
        if (!permits(rule.action)) {
            refuse(name, rule.action, rule.field + " (" + rule.action.name + ")", merge);
        }
        return;
    }
    if (conditional) {
        merge.conditional.push_back(name);
    } else if (!permits(default_action)) {
        refuse(name, default_action, "defaultAction " + default_action.name, merge);
    }
}

// merge_with_base, with messages that do not name the base yet.
Result<BaseMerge> settle(const nlohmann::json& base, const Recording& recording, const BaseContext& context) {
    if (auto fields =
            check_fields(base, "", {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls"});
        !fields) {
        return fields.error();
    }
    auto default_action = read_seccomp_action(base, "", "defaultAction", "defaultErrnoRet");
    if (!default_action) {
        return default_action.error();
    }
    auto architectures = read_architectures(base, context);
    if (!architectures) {
        return architectures.error();
    }
    std::vector<Rule> rules;
    if (const auto list = base.find("syscalls"); list != base.end() && !list->is_null()) {
        if (!list->is_array()) {
            return field_error("syscalls", "not an array");
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto rule = read_rule((*list)[i], "syscalls[" + std::to_string(i) + "]", context, *architectures);
            if (!rule) {
                return rule.error();
            }
            if (*rule) {
                rules.push_back(std::move(**rule));
            }
        }
    }
    if (auto once = check_one_action(rules); !once) {
        return once.error();
    }
    if (auto compiled = compile(*default_action, *architectures, rules); !compiled) {
        return compiled.error();
    }

    BaseMerge merge;
    nlohmann::json constants = nlohmann::json::array();
    for (const auto& arch : *architectures) {
        auto constant = seccomp_arch_constant(arch);
        if (!constant) {
            return constant.error();
        }
        constants.push_back(*constant);
    }
    nlohmann::json syscalls = nlohmann::json::array();
    for (const auto& rule : rules) {
        syscalls.push_back(rule_json(rule));
    }
    merge.profile = {{"defaultAction", default_action->name},
                     {"architectures", std::move(constants)},
                     {"syscalls", std::move(syscalls)}};
    if (default_action->errno_ret) {
        merge.profile["defaultErrnoRet"] = *default_action->errno_ret;
    }
    for (const auto& arch : recording.architectures) {
        if (std::find(architectures->begin(), architectures->end(), arch) == architectures->end()) {
            merge.missing_architectures.push_back(arch);
        }
    }
    for (const auto& name : allowed_syscalls(recording)) {
        // A syscall of none of the base's architectures is the missing architecture's finding.
        if (on_any(name, *architectures)) {
            classify(name, *default_action, rules, merge);
        }
    }
    return merge;
}

}  // namespace

std::string docker_architecture_name(const std::string& arch) {
    const auto found = std::find_if(std::begin(k_docker_architectures), std::end(k_docker_architectures),
                                    [&](const auto& entry) { return entry.first == arch; });
    return found == std::end(k_docker_architectures) ? arch : std::string(found->second);
}

BaseContext base_context_for(const Recording& recording) {
    struct utsname names {};
    std::string release = ::uname(&names) == 0 ? names.release : "";
    return BaseContext{native_arch(), std::move(release), oci_capability_names(recording)};
}

Result<BaseMerge> merge_with_base(const nlohmann::json& base, const Recording& recording, const BaseContext& context) {
    auto merge = settle(base, recording, context);
    if (!merge) {
        return with_context(merge.error(), k_subject);
    }
    return merge;
}

Result<nlohmann::json> read_base_profile(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) {
        return with_context(text.error(), "base profile");
    }
    auto parsed = parse_json(*text);
    if (!parsed) {
        return Error{parsed.error().code, "base profile \"" + path + "\": " + parsed.error().message};
    }
    return parsed;
}

}  // namespace cradle
