/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the programs take from the kernel beyond helpers and tracepoint arguments: macros that
 * vmlinux.h cannot carry, kfuncs, and reads of kernel-private structures. */
#ifndef CRADLE_KERNEL_QUIRKS_BPF_H
#define CRADLE_KERNEL_QUIRKS_BPF_H

#include "cradle_abi.h"

#define TS_COMPAT 0x0002    /* arch/x86/include/asm/thread_info.h */
#define EEXIST 17

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline __u32 task_abi(struct task_struct *task)
{
#ifdef __TARGET_ARCH_x86
	if (task->thread_info.status & TS_COMPAT)
		return CRADLE_ABI_COMPAT;
#endif
	return CRADLE_ABI_NATIVE;
}

static __always_inline bool on_default_hierarchy(struct cgroup *cgrp)
{
	/* cgroup2 is hierarchy 0, the "0::" line of /proc/<pid>/cgroup; v1 hierarchies on a
	 * hybrid host have their own cgroup ids, which must not be confused with v2 ones. */
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

/* The open-coded task iterator (6.7+); weak, so that an object holding calls to it still
 * loads its other programs where the kernel lacks it. */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task, unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;

#endif /* CRADLE_KERNEL_QUIRKS_BPF_H */
