#include "profilegen/seccomp_profile.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include "common/joined.h"
#include "common/json.h"
#include "common/unique_fd.h"
#include "profilegen/profile_fields.h"
#include "profilegen/syscall_arguments.h"
#include "profilegen/syscall_table.h"

namespace cradle {

namespace {

constexpr int k_max_errno = 4095;

// Syscalls that C libraries and runtimes try first and replace with an older call when the
// kernel answers ENOSYS (glibc: clone3 for posix_spawn and pthread_create, faccessat2,
// fchmodat2, statx on 32-bit; musl: statx; closefrom and friends: close_range). EPERM from
// a filter would be taken as a real failure. Sorted; a unit test keeps it so.
constexpr std::string_view k_fallback_syscalls[] = {
    "clone3", "close_range", "epoll_pwait2", "faccessat2", "fchmodat2", "futex_waitv", "openat2", "pidfd_open", "statx",
};

struct ActionSpelling {
    std::string_view name;
    std::uint32_t value;  // for SCMP_ACT_ERRNO, the errno is or-ed in later
};

// Sorted by name; tests keep it so.
constexpr ActionSpelling k_actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
};

struct ComparisonSpelling {
    std::string_view name;
    scmp_compare op;
};

// Sorted by name; tests keep it so.
constexpr ComparisonSpelling k_comparisons[] = {
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
};

constexpr unsigned k_syscall_arguments = 6;  // a syscall takes at most six

std::string_view comparison_name(scmp_compare op) {
    for (const auto& comparison : k_comparisons) {
        if (comparison.op == op) {
            return comparison.name;
        }
    }
    return "";
}

constexpr const char* k_subject = "seccomp profile";

Error libseccomp_error(const std::string& field, const std::string& what, int rc) {
    return Error{-rc, field_error(field, what + ": " + std::strerror(-rc)).message};
}

// One filter context per architecture, merged at the end: libseccomp then only ever sees a
// syscall for the architectures it exists on.
Result<SeccompFilter> filter_for(std::uint32_t default_action, const std::string& arch,
                                 const std::vector<SeccompRule>& rules) {
    SeccompFilter filter(seccomp_init(default_action));
    if (!filter.get()) {
        return Error{EINVAL, "libseccomp refused the default action"};
    }
    auto token = seccomp_arch_token(arch);
    if (!token) {
        return field_error("architectures", token.error().message);
    }
    if (*token != seccomp_arch_native()) {
        int rc = seccomp_arch_add(filter.get(), *token);
        if (rc == 0) {
            rc = seccomp_arch_remove(filter.get(), SCMP_ARCH_NATIVE);
        }
        if (rc != 0) {
            return libseccomp_error("architectures", "adding " + arch, rc);
        }
    }
    for (const auto& rule : rules) {
        if (rule.action == default_action) {
            continue;  // libseccomp refuses a rule that changes nothing
        }
        auto available = syscall_available(arch, rule.name);
        if (!available || !*available) {
            continue;  // add_rule already refused names unknown everywhere
        }
        // libseccomp takes native (or pseudo) numbers and translates them for each
        // architecture of the context by name.
        const int number = seccomp_syscall_resolve_name(rule.name.c_str());
        if (number == __NR_SCMP_ERROR) {
            return field_error(rule.field, "syscall \"" + rule.name + "\": unknown");
        }
        std::vector<scmp_arg_cmp> conditions;
        for (const auto& condition : rule.conditions) {
            conditions.push_back({condition.index, condition.op, condition.value, condition.value_two});
        }
        // (On x86, libseccomp also allows socketcall's call of the syscall, whose arguments it
        // cannot see.)
        const int rc = seccomp_rule_add_array(filter.get(), rule.action, number,
                                              static_cast<unsigned>(conditions.size()), conditions.data());
        if (rc != 0) {
            return libseccomp_error(rule.field, "adding syscall \"" + rule.name + "\" on " + arch, rc);
        }
    }
    return filter;
}

// The profile's "architectures", each once; the native architecture alone when it lists none.
Result<std::vector<std::string>> read_architectures(const nlohmann::json& profile) {
    std::vector<std::string> architectures;
    if (const auto list = profile.find("architectures"); list != profile.end()) {
        if (!list->is_array()) {
            return field_error("architectures", "not an array");
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string field = "architectures[" + std::to_string(i) + "]";
            const auto& entry = (*list)[i];
            if (!entry.is_string()) {
                return field_error(field, "not a string");
            }
            auto arch = arch_from_seccomp_constant(entry.get<std::string>());
            if (!arch) {
                return field_error(field, arch.error().message);
            }
            if (std::find(architectures.begin(), architectures.end(), *arch) != architectures.end()) {
                return field_error(field, "\"" + entry.get<std::string>() + "\" listed twice");
            }
            if (auto token = seccomp_arch_token(*arch); !token) {
                return field_error(field, token.error().message);
            }
            architectures.push_back(*arch);
        }
    }
    if (architectures.empty()) {
        const std::string native = native_arch();
        if (auto token = seccomp_arch_token(native); !token) {
            return Error{EINVAL, "native architecture \"" + native + "\": unknown to Cradle"};
        }
        architectures.push_back(native);
    }
    return architectures;
}

// Adds to `rules` the syscall `name` at `field` with `action` when `conditions` hold, once: a
// name libseccomp does not know, or that none of `architectures` has, is an error, and so is a
// second, different action for the syscall (with or without conditions).
Result<void> add_rule(std::vector<SeccompRule>& rules, const std::string& field, const std::string& name,
                      std::uint32_t action, const std::vector<ArgumentCondition>& conditions,
                      const std::vector<std::string>& architectures) {
    bool anywhere = false;
    for (const auto& arch : architectures) {
        auto available = syscall_available(arch, name);
        if (!available) {
            return field_error(field, "syscall \"" + name + "\": unknown");
        }
        anywhere = anywhere || *available;
    }
    if (!anywhere) {
        return field_error(field, "syscall \"" + name + "\": not available on " + joined(architectures));
    }
    // libseccomp quietly picks one of two actions for a syscall; a profile that says both is
    // a mistake worth reporting.
    const auto earlier = std::find_if(rules.begin(), rules.end(), [&](const SeccompRule& r) { return r.name == name; });
    if (earlier != rules.end() && earlier->action != action) {
        return field_error(field, "syscall \"" + name + "\": already has another action in \"" + earlier->field + "\"");
    }
    if (std::none_of(rules.begin(), rules.end(),
                     [&](const SeccompRule& r) { return r.name == name && r.conditions == conditions; })) {
        rules.push_back({field, name, action, conditions});
    }
    return {};
}

// Reads the unsigned integer `key` of `object` at `where` into `value`; `required` says
// whether it may be missing (then `value` stays as it is).
Result<void> read_unsigned(const nlohmann::json& object, const std::string& where, const std::string& key,
                           bool required, std::uint64_t& value) {
    const auto entry = object.find(key);
    if (entry == object.end()) {
        return required ? Result<void>(field_error(where + "." + key, "missing")) : Result<void>();
    }
    // (A non-negative integer built in code rather than parsed is a signed one.)
    if (!entry->is_number_integer() || (!entry->is_number_unsigned() && entry->get<std::int64_t>() < 0)) {
        return field_error(where + "." + key, "not an integer from 0 to 2^64-1");
    }
    value = entry->get<std::uint64_t>();
    return {};
}

// Adds the rules of the profile's entry "syscalls[i]" (`field`) to `rules`.
Result<void> read_rule_entry(std::vector<SeccompRule>& rules, const nlohmann::json& entry, const std::string& field,
                             const std::vector<std::string>& architectures) {
    if (auto fields = check_fields(entry, field, {"names", "action", "errnoRet", "args", "comment"}); !fields) {
        return fields.error();
    }
    auto conditions = read_seccomp_conditions(entry, field);
    if (!conditions) {
        return conditions.error();
    }
    if (const auto comment = entry.find("comment"); comment != entry.end() && !comment->is_string()) {
        return field_error(field + ".comment", "not a string");
    }
    auto action = read_seccomp_action(entry, field, "action", "errnoRet");
    if (!action) {
        return action.error();
    }
    const auto names = entry.find("names");
    if (names == entry.end()) {
        return field_error(field + ".names", "missing");
    }
    if (!names->is_array()) {
        return field_error(field + ".names", "not an array");
    }
    for (std::size_t j = 0; j < names->size(); ++j) {
        const std::string name_field = field + ".names[" + std::to_string(j) + "]";
        const auto& name = (*names)[j];
        if (!name.is_string()) {
            return field_error(name_field, "not a string");
        }
        if (auto added = add_rule(rules, name_field, name.get_ref<const std::string&>(), action->value, *conditions,
                                  architectures);
            !added) {
            return added.error();
        }
    }
    return {};
}

// The profile's "syscalls" as one rule per syscall and set of conditions, in the order they
// first appear.
Result<std::vector<SeccompRule>> read_rules(const nlohmann::json& profile,
                                            const std::vector<std::string>& architectures) {
    std::vector<SeccompRule> rules;
    const auto list = profile.find("syscalls");
    if (list == profile.end()) {
        return rules;
    }
    if (!list->is_array()) {
        return field_error("syscalls", "not an array");
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
        if (auto read = read_rule_entry(rules, (*list)[i], "syscalls[" + std::to_string(i) + "]", architectures);
            !read) {
            return read.error();
        }
    }
    return rules;
}

// The filter for every architecture: one context each (filter_for), merged into the first.
Result<SeccompFilter> merged_filter(std::uint32_t default_action, const std::vector<std::string>& architectures,
                                    const std::vector<SeccompRule>& rules) {
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
        const int rc = seccomp_merge(merged->get(), filter->get());
        if (rc != 0) {
            return libseccomp_error("architectures", "merging the filter for " + arch, rc);
        }
        // seccomp_merge destroyed the source context on success.
        static_cast<void>(filter->release());
    }
    return std::move(*merged);
}

// Whether libseccomp turns `filter` into a BPF program, as the kernel would get it.
Result<void> check_bpf_export(const SeccompFilter& filter) {
    UniqueFd sink(memfd_create("cradle-seccomp", MFD_CLOEXEC));
    if (!sink.valid()) {
        return system_error("creating a memfd for the BPF export");
    }
    if (const int rc = seccomp_export_bpf(filter.get(), sink.get()); rc != 0) {
        return libseccomp_error("syscalls", "exporting the filter as BPF", rc);
    }
    return {};
}

// compile_seccomp_profile, with messages that do not name the profile yet.
Result<SeccompFilter> read_and_compile(const nlohmann::json& profile) {
    if (!profile.is_object()) {
        return Error{EINVAL, "not a JSON object"};
    }
    if (auto fields = check_fields(profile, "", {"defaultAction", "defaultErrnoRet", "architectures", "syscalls"});
        !fields) {
        return fields.error();
    }
    auto default_action = read_seccomp_action(profile, "", "defaultAction", "defaultErrnoRet");
    if (!default_action) {
        return default_action.error();
    }
    auto architectures = read_architectures(profile);
    if (!architectures) {
        return architectures.error();
    }
    auto rules = read_rules(profile, *architectures);
    if (!rules) {
        return rules.error();
    }
    return compile_seccomp_rules(default_action->value, *architectures, *rules);
}

// A profile's architectures: native first, then sorted.
struct ProfileArchitectures {
    std::vector<std::string> names;  // "x86_64"
    nlohmann::json constants;        // "SCMP_ARCH_X86_64", in the same order
};

// The architectures of `recording`; fails when it lists none or one Cradle does not know.
Result<ProfileArchitectures> profile_architectures(const Recording& recording) {
    if (recording.architectures.empty()) {
        return Error{EINVAL, "building a seccomp profile: the recording lists no architecture"};
    }
    ProfileArchitectures architectures{{recording.architectures.begin(), recording.architectures.end()},
                                       nlohmann::json::array()};
    const std::string native = native_arch();
    std::stable_partition(architectures.names.begin(), architectures.names.end(),
                          [&](const std::string& arch) { return arch == native; });
    for (const auto& arch : architectures.names) {
        auto constant = seccomp_arch_constant(arch);
        if (!constant) {
            return with_context(constant.error(), "building a seccomp profile");
        }
        architectures.constants.push_back(*constant);
    }
    return architectures;
}

// Fails naming every syscall of `syscalls` (`what`: "syscall" or "compat syscall") that none of
// `architectures`, those of its ABI, has.
Result<void> check_available(const std::set<std::string>& syscalls, const std::set<std::string>& architectures,
                             const std::string& what) {
    std::vector<std::string> unavailable;
    for (const auto& name : syscalls) {
        if (!syscall_available_anywhere(name, architectures)) {
            unavailable.push_back("\"" + name + "\"");
        }
    }
    if (unavailable.empty()) {
        return {};
    }
    return Error{EINVAL, "building a seccomp profile: " + what + (unavailable.size() > 1 ? "s " : " ") +
                             joined(unavailable) + " not available on " +
                             (architectures.empty() ? "any recorded architecture" : joined(architectures))};
}

// The rule allowing `syscalls`, sorted.
nlohmann::json allow_rule(const std::set<std::string>& syscalls) {
    return {
        {"names", nlohmann::json(std::vector<std::string>(syscalls.begin(), syscalls.end()))},
        {"action", "SCMP_ACT_ALLOW"},
    };
}

// The rule answering ENOSYS for the fallback syscalls that `syscalls` lacks and one of
// `architectures` has; nullopt when there is none.
std::optional<nlohmann::json> enosys_rule(const std::set<std::string>& syscalls,
                                          const std::vector<std::string>& architectures) {
    std::vector<std::string> fallbacks;
    for (std::string_view name : k_fallback_syscalls) {
        const std::string fallback(name);
        // libseccomp may not know the newest ones yet.
        if (!syscalls.contains(fallback) && syscall_available_anywhere(fallback, architectures)) {
            fallbacks.push_back(fallback);
        }
    }
    if (fallbacks.empty()) {
        return std::nullopt;
    }
    return nlohmann::json{
        {"names", std::move(fallbacks)},
        {"action", "SCMP_ACT_ERRNO"},
        {"errnoRet", ENOSYS},
        {"comment", "never made while recording; ENOSYS lets the caller fall back to an older syscall"},
    };
}

// The names of the namespace flags in `flags`, joined by ", ".
std::string namespace_flag_list(std::uint64_t flags) {
    std::string list;
    for (const auto& flag : namespace_flag_names()) {
        if (flags & flag.value) {
            list += (list.empty() ? "" : ", ") + std::string(flag.name);
        }
    }
    return list;
}

// A rule allowing `rule.syscall` when its conditions hold, with a comment saying what was seen.
nlohmann::json conditional_allow_rule(const ConditionalAllow& rule) {
    std::string comment = "made with ";
    const ArgumentSyscall* syscall = find_argument_syscall(rule.syscall);
    const ArgumentCondition& first = rule.conditions.front();
    if (syscall && first.op == SCMP_CMP_MASKED_EQ) {
        const std::string seen = namespace_flag_list(syscall->namespaces & ~first.value);
        comment += seen.empty() ? "no namespace flag" : seen + " and no other namespace flag";
    } else if (syscall) {
        comment += argument_value_text(*syscall, first.value);
    }
    return {
        {"names", nlohmann::json::array({rule.syscall})},
        {"action", "SCMP_ACT_ALLOW"},
        {"args", seccomp_conditions_json(rule.conditions)},
        {"comment", comment},
    };
}

// The rule answering ENOSYS for syscalls that were made but that a filter cannot check, so
// that the caller makes the one it can; nullopt when there is none.
std::optional<nlohmann::json> fallback_rule(const std::set<std::string>& syscalls) {
    if (syscalls.empty()) {
        return std::nullopt;
    }
    return nlohmann::json{
        {"names", std::vector<std::string>(syscalls.begin(), syscalls.end())},
        {"action", "SCMP_ACT_ERRNO"},
        {"errnoRet", ENOSYS},
        {"comment",
         "made without a namespace flag, which a filter cannot check in clone3's arguments: ENOSYS makes "
         "the C library call clone, whose rule can"},
    };
}

}  // namespace

Result<SeccompAction> read_seccomp_action(const nlohmann::json& object, const std::string& where,
                                          const std::string& action_key, const std::string& errno_key) {
    const std::string prefix = where.empty() ? "" : where + ".";
    const std::string action_field = prefix + action_key;
    const std::string errno_field = prefix + errno_key;
    auto read_name = read_string_field(object, action_key, action_field);
    if (!read_name) {
        return read_name.error();
    }
    const std::string& name = *read_name;
    const auto spelling = std::find_if(std::begin(k_actions), std::end(k_actions),
                                       [&](const ActionSpelling& a) { return a.name == name; });
    if (spelling == std::end(k_actions)) {
        return field_error(action_field, "unknown action \"" + name + "\"");
    }
    const bool is_errno = spelling->value == SCMP_ACT_ERRNO(0);
    SeccompAction read{name, std::nullopt, spelling->value};
    const auto errno_entry = object.find(errno_key);
    if (errno_entry != object.end()) {
        if (!is_errno) {
            return field_error(errno_field, "only valid with SCMP_ACT_ERRNO, not " + name);
        }
        if (!errno_entry->is_number_integer()) {
            return field_error(errno_field, "not an integer");
        }
        // Above 2^63, get<std::int64_t> would wrap to a negative number and misquote the value.
        const bool in_range = errno_entry->is_number_unsigned() ? errno_entry->get<std::uint64_t>() <= k_max_errno
                                                                : errno_entry->get<std::int64_t>() >= 0 &&
                                                                      errno_entry->get<std::int64_t>() <= k_max_errno;
        if (!in_range) {
            // dump() of an integer is its decimal text and cannot throw.
            return field_error(errno_field, errno_entry->dump() + " is outside 0.." + std::to_string(k_max_errno));
        }
        read.errno_ret = errno_entry->get<int>();
    }
    if (is_errno) {
        read.value = SCMP_ACT_ERRNO(read.errno_ret.value_or(EPERM));
    }
    return read;
}

Result<std::vector<ArgumentCondition>> read_seccomp_conditions(const nlohmann::json& entry, const std::string& field) {
    std::vector<ArgumentCondition> conditions;
    const auto args = entry.find("args");
    if (args == entry.end() || args->is_null()) {
        return conditions;
    }
    if (!args->is_array()) {
        return field_error(field + ".args", "not an array");
    }
    if (args->size() > k_syscall_arguments) {
        return field_error(field + ".args", std::to_string(args->size()) + " conditions, more than the " +
                                                std::to_string(k_syscall_arguments) + " a rule can have");
    }
    for (std::size_t i = 0; i < args->size(); ++i) {
        const std::string where = field + ".args[" + std::to_string(i) + "]";
        const auto& arg = (*args)[i];
        if (auto fields = check_fields(arg, where, {"index", "value", "valueTwo", "op"}); !fields) {
            return fields.error();
        }
        ArgumentCondition condition;
        std::uint64_t index = 0;
        // A missing "value" is 0, as runc and dockerd read it (Go's zero value): profiles that
        // compare with 0 leave it out.
        for (auto read : {read_unsigned(arg, where, "index", true, index),
                          read_unsigned(arg, where, "value", false, condition.value),
                          read_unsigned(arg, where, "valueTwo", false, condition.value_two)}) {
            if (!read) {
                return read.error();
            }
        }
        if (index >= k_syscall_arguments) {
            return field_error(where + ".index",
                               std::to_string(index) + " is outside 0.." + std::to_string(k_syscall_arguments - 1));
        }
        condition.index = static_cast<unsigned>(index);
        auto op = read_string_field(arg, "op", where + ".op");
        if (!op) {
            return op.error();
        }
        const auto spelling = std::find_if(std::begin(k_comparisons), std::end(k_comparisons),
                                           [&](const ComparisonSpelling& c) { return c.name == *op; });
        if (spelling == std::end(k_comparisons)) {
            return field_error(where + ".op", "unknown comparison \"" + *op + "\"");
        }
        condition.op = spelling->op;
        conditions.push_back(condition);
    }
    return conditions;
}

SeccompFilter::SeccompFilter(SeccompFilter&& other) noexcept : m_ctx(std::exchange(other.m_ctx, nullptr)) {}

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& other) noexcept {
    if (this != &other) {
        if (m_ctx) {
            seccomp_release(m_ctx);
        }
        m_ctx = std::exchange(other.m_ctx, nullptr);
    }
    return *this;
}

SeccompFilter::~SeccompFilter() {
    if (m_ctx) {
        seccomp_release(m_ctx);
    }
}

std::vector<std::string> fallback_syscalls() {
    return {std::begin(k_fallback_syscalls), std::end(k_fallback_syscalls)};
}

const std::vector<std::string>& seccomp_action_names() {
    static const std::vector<std::string> k_names = [] {
        std::vector<std::string> names;
        for (const auto& action : k_actions) {
            names.emplace_back(action.name);
        }
        return names;
    }();
    return k_names;
}

Result<SeccompFilter> compile_seccomp_rules(std::uint32_t default_action, const std::vector<std::string>& architectures,
                                            const std::vector<SeccompRule>& rules) {
    auto filter = merged_filter(default_action, architectures, rules);
    if (!filter) {
        return filter.error();
    }
    if (auto exported = check_bpf_export(*filter); !exported) {
        return exported.error();
    }
    return filter;
}

Result<SeccompFilter> compile_seccomp_profile(const nlohmann::json& profile) {
    auto filter = read_and_compile(profile);
    if (!filter) {
        return with_context(filter.error(), k_subject);
    }
    return filter;
}

nlohmann::json seccomp_conditions_json(const std::vector<ArgumentCondition>& conditions) {
    nlohmann::json args = nlohmann::json::array();
    for (const auto& condition : conditions) {
        args.push_back({
            {"index", condition.index},
            {"value", condition.value},
            {"valueTwo", condition.value_two},
            {"op", comparison_name(condition.op)},
        });
    }
    return args;
}

int refusal_errno_value(RefusalErrno refusal) { return refusal == RefusalErrno::enosys ? ENOSYS : EPERM; }

Result<nlohmann::json> build_seccomp_profile(const Recording& given, RefusalErrno refusal) {
    Recording recording = given;
    split_single_allow_list(recording);
    auto architectures = profile_architectures(recording);
    if (!architectures) {
        return architectures.error();
    }
    const std::set<std::string> compat = compat_architectures(recording.architectures);
    if (!recording.compat_syscalls.empty() && compat.empty()) {
        return Error{EINVAL,
                     "building a seccomp profile: the recording has compat syscalls but lists no compat "
                     "architecture"};
    }
    if (auto available = check_available(recording.syscalls, native_architectures(recording.architectures), "syscall");
        !available) {
        return available.error();
    }
    if (auto available = check_available(recording.compat_syscalls, compat, "compat syscall"); !available) {
        return available.error();
    }
    // The OCI and Docker format has no rule for one architecture: runtimes add each name on every
    // listed architecture that has it. So one rule allows both ABIs' names; a name only one table
    // has (socketcall, _llseek on x86; newfstatat on x86_64) stays on its own architecture.
    const std::set<std::string> allowed = allowed_syscalls(recording);
    const ArgumentFilters filters = argument_filters(recording);
    std::set<std::string> plain = allowed;
    for (const auto& name : filters.conditional) {
        plain.erase(name);
    }
    for (const auto& name : filters.enosys) {
        plain.erase(name);
    }
    nlohmann::json syscalls = nlohmann::json::array();
    if (!plain.empty()) {
        syscalls.push_back(allow_rule(plain));
    }
    for (const auto& rule : filters.allow) {
        syscalls.push_back(conditional_allow_rule(rule));
    }
    if (auto enosys = enosys_rule(allowed, architectures->names)) {
        syscalls.push_back(std::move(*enosys));
    }
    if (auto fallback = fallback_rule(filters.enosys)) {
        syscalls.push_back(std::move(*fallback));
    }
    nlohmann::json profile = {
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"defaultErrnoRet", refusal_errno_value(refusal)},
        {"architectures", std::move(architectures->constants)},
        {"syscalls", std::move(syscalls)},
    };
    if (auto compiled = compile_seccomp_profile(profile); !compiled) {
        return with_context(compiled.error(), "compiling the generated seccomp profile");
    }
    return profile;
}

Result<std::string> render_seccomp_profile(const Recording& recording, RefusalErrno refusal) {
    auto profile = build_seccomp_profile(recording, refusal);
    if (!profile) {
        return profile.error();
    }
    auto text = write_json(*profile, 2);
    if (!text) {
        return with_context(text.error(), "rendering the seccomp profile");
    }
    return *text + "\n";
}

}  // namespace cradle
