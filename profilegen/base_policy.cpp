#include "profilegen/base_policy.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/json.h"
#include "common/text_file.h"
#include "common/unique_fd.h"
#include "profilegen/run_options.h"
#include "profilegen/seccomp_profile.h"
#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

constexpr int k_max_errno = 4095;
constexpr unsigned k_max_arguments = 6;

Error invalid(const std::string& field, const std::string& what) {
    return Error{EINVAL, "base profile: \"" + field + "\": " + what};
}

// The actions seccomp_action_names() spells, with libseccomp's values (an errno is or-ed in
// later); sorted by name.
constexpr std::pair<std::string_view, std::uint32_t> k_action_values[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
};

// The OCI spellings of libseccomp's comparisons, sorted by name.
constexpr std::pair<std::string_view, scmp_compare> k_comparisons[] = {
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
};

// Cradle's architecture names Docker spells otherwise (moby/profiles seccomp_linux.go,
// goToNative), sorted.
constexpr std::pair<std::string_view, std::string_view> k_docker_architectures[] = {
    {"aarch64", "arm64"},
    {"x86_64", "amd64"},
};

// An action: its name, and libseccomp's value with the errno in it.
struct Action {
    std::string name;
    std::optional<int> errno_ret;  // as the profile wrote it
    std::uint32_t value = 0;
};

// ALLOW and LOG let the call through; every other action refuses it.
bool permits(const Action& action) { return action.name == "SCMP_ACT_ALLOW" || action.name == "SCMP_ACT_LOG"; }

struct Argument {
    unsigned index = 0;
    std::uint64_t value = 0;
    std::uint64_t value_two = 0;
    std::string op;
    scmp_compare compare = SCMP_CMP_EQ;
};

struct Rule {
    std::string field;  // "syscalls[3]", for messages
    std::vector<std::string> names;
    Action action;
    std::vector<Argument> args;
    std::optional<std::string> comment;
};

Result<void> check_fields(const nlohmann::json& object, const std::string& where,
                          std::initializer_list<std::string_view> allowed) {
    if (!object.is_object()) {
        return invalid(where, "not an object");
    }
    for (const auto& [key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return invalid(where.empty() ? key : where + "." + key,
                           "not supported by Cradle (refused rather than ignored)");
        }
    }
    return {};
}

Result<std::uint64_t> read_unsigned(const nlohmann::json& value, const std::string& field) {
    if (value.is_number_unsigned()) {
        return value.get<std::uint64_t>();
    }
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
        return static_cast<std::uint64_t>(value.get<std::int64_t>());
    }
    return invalid(field, "not an integer from 0 to 2^64-1");
}

Result<std::string> read_string(const nlohmann::json& object, const std::string& key, const std::string& field) {
    const auto found = object.find(key);
    if (found == object.end()) {
        return invalid(field, "missing");
    }
    if (!found->is_string()) {
        return invalid(field, "not a string");
    }
    return found->get<std::string>();
}

// `action_key` of `object` and its `errno_key`, at `where` ("" for the top level).
Result<Action> read_action(const nlohmann::json& object, const std::string& where, const std::string& action_key,
                           const std::string& errno_key) {
    const std::string prefix = where.empty() ? "" : where + ".";
    auto name = read_string(object, action_key, prefix + action_key);
    if (!name) {
        return name.error();
    }
    const auto known = std::find_if(std::begin(k_action_values), std::end(k_action_values),
                                    [&](const auto& entry) { return entry.first == *name; });
    if (known == std::end(k_action_values)) {
        return invalid(prefix + action_key, "unknown action \"" + *name + "\"");
    }
    Action action{*name, std::nullopt, known->second};
    const bool is_errno = known->second == SCMP_ACT_ERRNO(0);
    if (const auto errno_ret = object.find(errno_key); errno_ret != object.end()) {
        if (!is_errno) {
            return invalid(prefix + errno_key, "only valid with SCMP_ACT_ERRNO, not " + *name);
        }
        auto value = read_unsigned(*errno_ret, prefix + errno_key);
        if (!value || *value > k_max_errno) {
            return invalid(prefix + errno_key, "not an integer from 0 to " + std::to_string(k_max_errno));
        }
        action.errno_ret = static_cast<int>(*value);
    }
    if (is_errno) {
        action.value = SCMP_ACT_ERRNO(action.errno_ret.value_or(EPERM));
    }
    return action;
}

Result<std::vector<std::string>> read_string_list(const nlohmann::json& list, const std::string& field) {
    if (!list.is_array()) {
        return invalid(field, "not an array");
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string()) {
            return invalid(field + "[" + std::to_string(i) + "]", "not a string");
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
            return invalid(field + ".minKernel", "not a string");
        }
        const auto wanted = kernel_version(min_kernel->get<std::string>());
        if (!wanted) {
            return invalid(field + ".minKernel", "not a kernel version");
        }
        const auto running = kernel_version(context.kernel_release);
        if (!running) {
            return Error{EINVAL, "base profile: kernel release \"" + context.kernel_release + "\" has no version"};
        }
        const bool at_least = *running >= *wanted;
        if (include ? !at_least : at_least) {
            return false;
        }
    }
    return true;
}

Result<Argument> read_argument(const nlohmann::json& entry, const std::string& field) {
    if (auto fields = check_fields(entry, field, {"index", "value", "valueTwo", "op"}); !fields) {
        return fields.error();
    }
    Argument argument;
    const auto index = entry.find("index");
    if (index == entry.end()) {
        return invalid(field + ".index", "missing");
    }
    auto index_value = read_unsigned(*index, field + ".index");
    if (!index_value || *index_value >= k_max_arguments) {
        return invalid(field + ".index", "not an integer from 0 to 5");
    }
    argument.index = static_cast<unsigned>(*index_value);
    for (const auto& [key, target] :
         {std::pair{"value", &argument.value}, std::pair{"valueTwo", &argument.value_two}}) {
        if (const auto found = entry.find(key); found != entry.end()) {
            auto value = read_unsigned(*found, field + "." + key);
            if (!value) {
                return value.error();
            }
            *target = *value;
        }
    }
    auto op = read_string(entry, "op", field + ".op");
    if (!op) {
        return op.error();
    }
    const auto compare = std::find_if(std::begin(k_comparisons), std::end(k_comparisons),
                                      [&](const auto& known) { return known.first == *op; });
    if (compare == std::end(k_comparisons)) {
        return invalid(field + ".op", "unknown comparison \"" + *op + "\"");
    }
    argument.op = *op;
    argument.compare = compare->second;
    return argument;
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
    auto action = read_action(entry, field, "action", "errnoRet");
    if (!action) {
        return action.error();
    }
    rule.action = *action;
    const auto names = entry.find("names");
    const auto name = entry.find("name");
    if ((names == entry.end()) == (name == entry.end())) {
        return invalid(field + ".names", names == entry.end() ? "missing" : "given with \"name\"");
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
            return invalid(field + ".name", "not a string");
        }
        listed.push_back(name->get<std::string>());
    }
    if (const auto args = entry.find("args"); args != entry.end() && !args->is_null()) {
        if (!args->is_array() || args->size() > k_max_arguments) {
            return invalid(field + ".args", "not an array of at most 6 conditions");
        }
        for (std::size_t i = 0; i < args->size(); ++i) {
            auto argument = read_argument((*args)[i], field + ".args[" + std::to_string(i) + "]");
            if (!argument) {
                return argument.error();
            }
            rule.args.push_back(*argument);
        }
    }
    if (const auto comment = entry.find("comment"); comment != entry.end()) {
        if (!comment->is_string()) {
            return invalid(field + ".comment", "not a string");
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
        return invalid("archMap", "given with \"architectures\"");
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
            return invalid("archMap", "not an array");
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
            auto arch = read_string(entry, "architecture", field + ".architecture");
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
            return invalid(where, arch.error().message);
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
        nlohmann::json args = nlohmann::json::array();
        for (const auto& argument : rule.args) {
            args.push_back({{"index", argument.index},
                            {"value", argument.value},
                            {"valueTwo", argument.value_two},
                            {"op", argument.op}});
        }
        out["args"] = std::move(args);
    }
    if (rule.comment) {
        out["comment"] = *rule.comment;
    }
    return out;
}

Error libseccomp_error(const std::string& what, int rc) {
    return Error{-rc, "base profile: compiling the result: " + what + ": " + std::strerror(-rc)};
}

// The filter for one architecture, as compile_seccomp_profile builds it, with the arguments.
Result<SeccompFilter> filter_for(const Action& default_action, const std::string& arch,
                                 const std::vector<Rule>& rules) {
    SeccompFilter filter(seccomp_init(default_action.value));
    if (!filter.get()) {
        return Error{EINVAL, "base profile: libseccomp refused the default action"};
    }
    auto token = seccomp_arch_token(arch);
    if (!token) {
        return token.error();
    }
    if (*token != seccomp_arch_native()) {
        int rc = seccomp_arch_add(filter.get(), *token);
        if (rc == 0) {
            rc = seccomp_arch_remove(filter.get(), SCMP_ARCH_NATIVE);
        }
        if (rc != 0) {
            return libseccomp_error("adding " + arch, rc);
        }
    }
    for (const auto& rule : rules) {
        if (rule.action.value == default_action.value) {
            continue;  // libseccomp refuses a rule that changes nothing
        }
        std::vector<scmp_arg_cmp> compares;
        for (const auto& argument : rule.args) {
            compares.push_back({argument.index, argument.compare, argument.value, argument.value_two});
        }
        for (const auto& name : rule.names) {
            auto available = syscall_available(arch, name);
            if (!available || !*available) {
                continue;
            }
            const int number = seccomp_syscall_resolve_name(name.c_str());
            const int rc = seccomp_rule_add_array(filter.get(), rule.action.value, number,
                                                  static_cast<unsigned>(compares.size()), compares.data());
            if (rc != 0) {
                return libseccomp_error(rule.field + " syscall \"" + name + "\" on " + arch, rc);
            }
        }
    }
    return filter;
}

Result<void> compile(const Action& default_action, const std::vector<std::string>& architectures,
                     const std::vector<Rule>& rules) {
    std::optional<SeccompFilter> merged;
    for (const auto& arch : architectures) {
        auto filter = filter_for(default_action, arch, rules);
        if (!filter) {
            return filter.error();
        }
        if (!merged) {
            merged.emplace(std::move(*filter));
            continue;
        }
        if (const int rc = seccomp_merge(merged->get(), filter->get()); rc != 0) {
            return libseccomp_error("merging the filter for " + arch, rc);
        }
        static_cast<void>(filter->release());  // seccomp_merge destroyed it
    }
    // The kernel gets a BPF program: make sure libseccomp can write one.
    UniqueFd sink(memfd_create("cradle-base", MFD_CLOEXEC));
    if (!sink.valid()) {
        return system_error("base profile: creating a memfd for the BPF export");
    }
    if (const int rc = seccomp_export_bpf(merged->get(), sink.get()); rc != 0) {
        return libseccomp_error("exporting the filter as BPF", rc);
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
                    return invalid(rules[i].field, "syscall \"" + name + "\": already has another action in \"" +
                                                       rules[j].field + "\"");
                }
            }
        }
    }
    return {};
}

// Records that `action` (of a rule, or the default, as `by` says) refuses recorded syscall
// `name`: a finding, unless the caller falls back from an ENOSYS.
void refuse(const std::string& name, const Action& action, const std::string& by, BaseMerge& merge) {
    const std::vector<std::string> fallbacks = fallback_syscalls();
    if (action.name == "SCMP_ACT_ERRNO" && action.errno_ret == ENOSYS &&
        std::find(fallbacks.begin(), fallbacks.end(), name) != fallbacks.end()) {
        merge.falling_back.push_back(name);
        return;
    }
    merge.refused.push_back({name, by});
}

// What the settled `rules` and `default_action` do with recorded syscall `name`.
void classify(const std::string& name, const Action& default_action, const std::vector<Rule>& rules, BaseMerge& merge) {
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
    if (auto fields =
            check_fields(base, "", {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls"});
        !fields) {
        return fields.error();
    }
    auto default_action = read_action(base, "", "defaultAction", "defaultErrnoRet");
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
            return invalid("syscalls", "not an array");
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
