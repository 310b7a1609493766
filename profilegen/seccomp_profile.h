// Seccomp profiles in the Docker/OCI JSON format: built from a Recording, and compiled with
// libseccomp to prove that a profile (ours or anyone's) means what it says.
#pragma once

#include <seccomp.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "profilegen/recording.h"

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
//                     entry applies when all hold), valueTwo optional (default 0)
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
