/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where in its container's life a task's syscall or capability check happens (enum
 * cradle_phase): the container's phase, advanced from setup to runtime when the runtime
 * installs its seccomp filter and to workload at the container init's exec, or a joiner's own
 * phase (joiner_phases). Included once, by cradle.bpf.c. */
#ifndef CRADLE_PHASE_BPF_H
#define CRADLE_PHASE_BPF_H

#include "bits.bpf.h"
#include "maps.bpf.h"
#include "task_attribution.bpf.h"

/* From include/uapi/linux/seccomp.h and prctl.h: vmlinux.h carries no macros. */
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_MODE_FILTER 2
#define PR_SET_SECCOMP 22

/* Set by the collector between open and load: native syscall numbers, from libseccomp. */
const volatile __s32 nr_seccomp = -1;
const volatile __s32 nr_prctl = -1;

/* The phase of the container whose record this is. */
static __always_inline __u32 container_phase(struct cradle_record *record)
{
	__u32 phase = READ_ONCE(record->phase);

	return phase < CRADLE_PHASE_COUNT ? phase : CRADLE_PHASE_WORKLOAD;
}

/* The phase of what task does: its container's, or its own while it is a joiner. */
static __always_inline __u32 task_phase(struct task_struct *task, struct cradle_record *record, bool joined)
{
	__u32 tgid = task->tgid;
	__u32 *phase;

	if (joined) {
		phase = bpf_map_lookup_elem(&joiner_phases, &tgid);
		if (phase && *phase < CRADLE_PHASE_COUNT)
			return *phase;
	}
	return container_phase(record);
}

/* The record of the current task's container, and in *phase the phase of what it does. */
static __always_inline struct cradle_record *current_record(__u32 *phase)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cradle_container *container;
	bool joined;

	container = container_of_task(task, &joined);
	if (!container)
		return NULL;
	*phase = task_phase(task, &container->record, joined);
	return &container->record;
}

/* seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
 * prog): from here on the runtime runs under the filter it was given. A NULL prog is
 * libseccomp probing which flags the kernel knows, not an install. Runtimes are native
 * processes, so only the native ABI is checked. */
static __always_inline bool installs_seccomp_filter(struct pt_regs *regs, long id)
{
	if (id == nr_seccomp)
		return PT_REGS_PARM1_CORE_SYSCALL(regs) == SECCOMP_SET_MODE_FILTER &&
		       PT_REGS_PARM3_CORE_SYSCALL(regs) != 0;
	if (id == nr_prctl)
		return PT_REGS_PARM1_CORE_SYSCALL(regs) == PR_SET_SECCOMP &&
		       PT_REGS_PARM2_CORE_SYSCALL(regs) == SECCOMP_MODE_FILTER &&
		       PT_REGS_PARM3_CORE_SYSCALL(regs) != 0;
	return false;
}

#endif /* CRADLE_PHASE_BPF_H */
