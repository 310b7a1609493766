// Seccomp profiles in the Docker/OCI JSON format: built from a Recording, and compiled with
// libseccomp to prove that a profile (ours or anyone's) means what it says.
#pragma once

#include <seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "profilegen/recording.h"
#include "profilegen/syscall_arguments.h"

namespace cradle {

// Owns one libseccomp filter context (seccomp_release on destruction). Move-only.
class SeccompFilter {
public:
    SeccompFilter() = default;
    explicit SeccompFilter(scmp_filter_ctx ctx) : m_ctx(ctx) {}
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;
    SeccompFilter(SeccompFilter&& other) noexcept;
    SeccompFilter& operator=(SeccompFilter&& other) noexcept;
    ~SeccompFilter();

    // The context, still owned by this object; nullptr when empty or moved from.
    scmp_filter_ctx get() const { return m_ctx; }
    // Gives up ownership, e.g. after seccomp_merge destroyed the context; the caller owns the
    // returned context (or nothing, if it was destroyed).
    scmp_filter_ctx release() { return std::exchange(m_ctx, nullptr); }

private:
    scmp_filter_ctx m_ctx = nullptr;
};

// The action names a profile may use, sorted: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL,
// SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_TRAP. libseccomp has no
// table of their spellings, so this one is written by hand.
const std::vector<std::string>& seccomp_action_names();

// Syscalls a caller tries before an older one and falls back from only on ENOSYS (clone3,
// faccessat2, statx, ...), sorted.
std::vector<std::string> fallback_syscalls();

// The errno a profile answers for a syscall it does not allow: EPERM (the default, as Docker's
// own profile) or ENOSYS (what a kernel without the syscall answers, which more callers take
// as "try something else" than as a failure).
enum class RefusalErrno {
    eperm,
    enosys,
};

// The number of `refusal`: EPERM or ENOSYS.
int refusal_errno_value(RefusalErrno refusal);

// Allow-list profile of `recording`:
//   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,   // 38 with RefusalErrno::enosys
//    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],   // native first, then sorted
//    "syscalls": [{"names": [sorted allowed_syscalls()], "action": "SCMP_ACT_ALLOW"},
//                 {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "comment": "made with AF_INET",
//                  "args": [{"index": 0, "value": 2, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
//                 ...,
//                 {"names": [fallback syscalls not recorded], "action": "SCMP_ACT_ERRNO",
//                  "errnoRet": 38, "comment": "..."},
//                 {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "comment": "..."}]}
// (the syscalls whose arguments were recorded are allowed by rules of their own instead, and
// clone3 may be answered ENOSYS: see argument_filters in profilegen/syscall_arguments.h;
// no allow rule when the recording has no syscalls; the ENOSYS rule holds the
// fallback_syscalls() that the recording lacks and libseccomp knows on a listed architecture:
// still refused, but with the answer of a kernel that predates them, so the caller takes its
// older path as it would there; with RefusalErrno::enosys it stays, the same as the default.)
// The architectures are the recording's: the compat one only when it made compat syscalls. The
// format has no rule for one architecture (runtimes add each name on every listed architecture
// that has it), so the one allow rule holds both ABIs' sets: a name only one architecture has
// (x86's socketcall, _llseek) is allowed there only, but a name both have is allowed on both
// when either ABI made it. A recording from before per-ABI sets is read as
// split_single_allow_list says.
// The profile is compiled before it is returned. Fails (code EINVAL) when the recording lists
// no architecture or an unknown one, when a syscall of `syscalls` is not available on a native
// architecture or one of `compat_syscalls` on a compat architecture (the message names each
// such syscall), when it has compat syscalls but no compat architecture, or when the profile
// does not compile.
Result<nlohmann::json> build_seccomp_profile(const Recording& recording, RefusalErrno refusal = RefusalErrno::eperm);

// The pieces of compile_seccomp_profile that a reader of another dialect of the format (a base
// policy with Docker's "includes", "excludes" and "archMap") shares with it. Their messages
// name the field but not the document, `"syscalls[2].action": missing` (field_error in
// profilegen/profile_fields.h): the caller puts its name in front with with_context.

// A rule's or the default's action, as a profile writes it.
struct SeccompAction {
    std::string name;              // one of seccomp_action_names(): "SCMP_ACT_ERRNO"
    std::optional<int> errno_ret;  // the errno the profile gives, if it gives one
    std::uint32_t value = 0;       // libseccomp's action, errno included: SCMP_ACT_ERRNO(errno_ret or EPERM)
};

// Reads `action_key` (a string of seccomp_action_names()) and its optional `errno_key`
// (0..4095, only with SCMP_ACT_ERRNO) out of `object`, which sits at `where` in the profile
// ("" for the top level): ("defaultAction", "defaultErrnoRet") or ("action", "errnoRet").
// Fails (EINVAL) naming the field: `"syscalls[0].errnoRet": 5000 is outside 0..4095`.
Result<SeccompAction> read_seccomp_action(const nlohmann::json& object, const std::string& where,
                                          const std::string& action_key, const std::string& errno_key);

// Reads the "args" of the rule `entry` at `field` ("syscalls[3]"): missing or null is none;
// otherwise an array of at most six {"index": 0..5, "value": u64 (default 0, as runc reads it),
// "valueTwo": u64 (default 0),
// "op": "SCMP_CMP_NE|LT|LE|EQ|GE|GT|MASKED_EQ"} and no other field. Fails (EINVAL) naming
// the field: `"syscalls[3].args[0].op": unknown comparison "SCMP_CMP_LIKE"`.
Result<std::vector<ArgumentCondition>> read_seccomp_conditions(const nlohmann::json& entry, const std::string& field);

// `conditions` as a rule's "args" spell them: [{"index", "value", "valueTwo", "op"}, ...]; the
// inverse of read_seccomp_conditions.
nlohmann::json seccomp_conditions_json(const std::vector<ArgumentCondition>& conditions);

// One syscall's rule, as compile_seccomp_rules takes it.
struct SeccompRule {
    std::string field;                          // where the profile gives it, for messages: "syscalls[1].names[0]"
    std::string name;                           // "socket"
    std::uint32_t action = 0;                   // SeccompAction::value
    std::vector<ArgumentCondition> conditions;  // all must hold; none: whatever the arguments
};

// Builds the libseccomp filter of `default_action` (SeccompAction::value) and `rules` for
// `architectures` (Cradle's names: "x86_64"; at least one, each known to
// seccomp_arch_token), then exports it as BPF to prove the kernel would get a program. A rule
// is left out where its syscall is unknown or unavailable on an architecture, and where its
// action equals the default action (it would change nothing); it is the caller's to refuse
// a name unknown everywhere or two actions for a syscall, as it sees fit. Fails (libseccomp's
// error, or EINVAL) naming the field: `"syscalls[0].names[2]": adding syscall "foo" on x86: ...`.
Result<SeccompFilter> compile_seccomp_rules(std::uint32_t default_action, const std::vector<std::string>& architectures,
                                            const std::vector<SeccompRule>& rules);

// Checks `profile` against the subset of the Docker/OCI schema Cradle understands and builds
// the libseccomp filter it describes, then exports it as BPF to prove the kernel would get a
// program. The schema:
//   defaultAction     string, one of seccomp_action_names() (required)
//   defaultErrnoRet   integer 0..4095, only with SCMP_ACT_ERRNO (default EPERM)
//   architectures     array of SCMP_ARCH_* constants of known_architectures(), no repeats;
//                     missing or empty means the native architecture only
//   syscalls          array of {"names": [string], "action": string, "errnoRet": integer,
//                     "args": [{"index": 0..5, "value": integer, "valueTwo": integer,
//                     "op": "SCMP_CMP_NE|LT|LE|EQ|GE|GT|MASKED_EQ"}], "comment": string};
//                     errnoRet optional and only with SCMP_ACT_ERRNO; args optional (the
//                     entry applies when all hold; at most six), valueTwo optional (default 0)
// Any other field (e.g. "includes", "flags") is refused, since ignoring it could allow more
// than the profile says. A syscall may have several rules with different args, all with the
// same action. A syscall unknown on one listed architecture but available on
// another is left out for that architecture only; a rule whose action equals the default
// action is left out (it would change nothing). Fails (code EINVAL, or libseccomp's error)
// naming the field: `seccomp profile: "syscalls[0].names[2]": syscall "foo": unknown`.
Result<SeccompFilter> compile_seccomp_profile(const nlohmann::json& profile);

// build_seccomp_profile, pretty-printed (indent 2) with a trailing newline.
Result<std::string> render_seccomp_profile(const Recording& recording, RefusalErrno refusal = RefusalErrno::eperm);

}  // namespace cradle
