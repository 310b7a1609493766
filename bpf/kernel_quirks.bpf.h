/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the programs take from the kernel beyond helpers and tracepoint arguments: macros that
 * vmlinux.h cannot carry, kfuncs, and reads of kernel-private structures, each with the kernel
 * commit or source it depends on. (The task storage cache that attribution_from_cache reads
 * is cited there; CAP_OPT_NOAUDIT in capability.bpf.h.) */
#ifndef CRADLE_KERNEL_QUIRKS_BPF_H
#define CRADLE_KERNEL_QUIRKS_BPF_H

#include "cradle_abi.h"

#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */
#define EEXIST 17

/* The id of task's cgroup on the default hierarchy (cgroup2): the kernfs node id, which is
 * what bpf_get_current_cgroup_id() returns and what user space reads as the cgroup
 * directory's inode number. */
static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/* Which syscall table task's current syscall belongs to: x86 sets TS_COMPAT in thread_info's
 * status (kernel-private) while a task runs a 32-bit syscall. */
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

/* The open-coded task iterator, since 6.7: c68a78ffe2cb ("bpf: Introduce task open coded
 * iterator kfuncs"). Weak, so that an object holding calls to it still loads its other
 * programs where the kernel lacks it (the collector then loads cgroup_attach_task instead of
 * cgroup_attach_task_threads). */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task, unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;

#endif /* CRADLE_KERNEL_QUIRKS_BPF_H */
