// The refusal rules: what no recording of a real run can lack. A profile built from such a
// recording would stop the workload it is meant for, so none is written from it.
#pragma once

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// Whether `recording` can have come from a real run (both ABIs' allow-lists together, as
// allowed_syscalls gives them): it saw at least one syscall (the allow-list
// without the implied ones is not empty), and its allow-list holds execve or execveat (every
// container's workload is started by one, which the runtime makes) and exit_group or exit (how
// a process ends unless a signal kills it). Fails (EINVAL) naming the first rule broken:
//   "cannot have come from a real run: it allows no syscall"
//   "cannot have come from a real run: no execve (nor execveat)"
//   "cannot have come from a real run: no exit_group (nor exit)"
Result<void> check_real_run(const Recording& recording);

}  // namespace cradle
