#include "profilegen/real_run.h"

#include <algorithm>

namespace cradle {

Result<void> check_real_run(const Recording& recording) {
    const std::string prefix = "cannot have come from a real run: ";
    // Either ABI counts: a 32-bit workload ends through the compat ABI's exit_group.
    const std::set<std::string> allowed = allowed_syscalls(recording);
    // Implied syscalls are added to any recording, an empty one too: only what was seen counts.
    auto saw_one = [](const std::set<std::string>& made, const std::set<std::string>& implied) {
        return std::any_of(made.begin(), made.end(), [&](const std::string& name) { return !implied.contains(name); });
    };
    const bool saw_any = saw_one(recording.syscalls, recording.implied_syscalls) ||
                         saw_one(recording.compat_syscalls, recording.compat_implied_syscalls);
    if (!saw_any) {
        return Error{EINVAL, prefix + "it allows no syscall"};
    }
    if (!allowed.contains("execve") && !allowed.contains("execveat")) {
        return Error{EINVAL, prefix + "no execve (nor execveat)"};
    }
    if (!allowed.contains("exit_group") && !allowed.contains("exit")) {
        return Error{EINVAL, prefix + "no exit_group (nor exit)"};
    }
    return {};
}

}  // namespace cradle
