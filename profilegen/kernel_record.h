// Turning what the kernel side recorded for one container (cradle_abi.h) into a Recording.
// Unit tests feed synthetic records through this same path.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "cradle_abi.h"
#include "profilegen/recording.h"

namespace cradle {

struct Architectures {
    std::string native;                 // e.g. "x86_64": the table of CRADLE_ABI_NATIVE numbers
    std::optional<std::string> compat;  // e.g. "x86": the table of CRADLE_ABI_COMPAT numbers
};

// The Recording of `record`:
// - syscalls: the workload's native syscalls plus the runtime's post-filter syscalls: those of the
//   record itself (when the runtime installed a seccomp filter while traced) joined with
//   `baseline`, every window measured on this machine, as one run of a runtime may make a
//   syscall the next does not (counter runtime_syscalls_from_baseline = 1 when the baseline
//   added any); when neither has any, the recording is marked incomplete, since a profile
//   without them cannot start, and when the workload started, the execve or execveat of the
//   setup phase count as the runtime's (the exec that started the workload, which comes after
//   wherever a filter would be installed); plus the
//   implied_syscalls (rt_sigreturn and sigreturn when a signal handler was installed,
//   restart_syscall always, and exit_group when the workload started but never ended through
//   exit or exit_group: killed by a signal, which its next run may not be) that the recording's
//   architectures have and it did not see;
// - compat_syscalls: the same for the compat ABI, named from the compat architecture's table,
//   which `architectures` then lists (with its implied syscalls in compat_implied_syscalls);
//   runtime_syscalls lists the runtime's window of both ABIs;
// - capabilities: capabilities whose audited checks in the workload were granted;
//   denied_capabilities those only ever refused; probed_capabilities those only probed;
// - setup_syscalls: what the runtime did before its filter point, information only;
// - arguments: for the allowed syscalls of profilegen/syscall_arguments.h that the kernel side
//   recorded values for, those of the workload and of the runtime window (the record's joined
//   with the baseline's), never the setup's;
// - counters for every loss, and an incomplete reason for each loss that matters.
// Numbers that the architecture tables do not name are a loss, not an invented name.
Recording decode_record(const cradle_record& record, const cradle_runtime_baseline& baseline,
                        const Architectures& architectures);

// Adds what the kernel side lost while the container was traced but could not charge to any
// container (struct cradle_kernel_errors, as a difference since its registration): capability
// checks the kprobe fallback could not pair with their result may have been its own, so a
// non-zero `lost_pending_checks` is a counter of that name and an incomplete reason. Zero adds
// nothing, so that tracefiles of machines without the loss stay as they are.
void add_unattributed_losses(Recording& recording, std::uint64_t lost_pending_checks);

// The runtime window of `record` (its syscalls and argument values) added to `baseline`: what
// forgetting a container feeds back, so that every later recording is joined with it. Returns
// false when the record has none.
bool add_to_baseline(cradle_runtime_baseline& baseline, const cradle_record& record);

// Whether the record saw the workload start (the exec of the container's init).
inline bool workload_started(const cradle_record& record) { return record.phase == CRADLE_PHASE_WORKLOAD; }

// "setup", "runtime" or "workload".
const char* phase_name(std::uint32_t phase);

// This machine's architectures, from libseccomp.
Architectures host_architectures();

}  // namespace cradle
