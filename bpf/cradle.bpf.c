// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Cradle's kernel side: per traced container, the set of syscalls it made and the
 * capability checks it needed, aggregated in maps (a bitmap per container, not an event
 * per syscall, so nothing is lost to a full buffer). The maps are in maps.bpf.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cradle_abi.h"
#include "maps.bpf.h"
#include "task_attribution.bpf.h"
#include "phase.bpf.h"
#include "capability.bpf.h"
#include "arguments.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Syscalls: raw_syscalls:sys_enter, which fires after seccomp let the syscall through
 * (syscall_trace_enter() in kernel/entry/common.c): a syscall a filter refused is not seen.
 */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cradle_container *container;
	struct cradle_record *record;
	__u32 phase, abi, tgid, nr;
	struct pid_table_entry *entry;
	__u32 *joiner_phase;
	bool joined = false;
	__u64 tag = 0;
	int which;

	/* container_of_task, with a stop at the pid entry's `seen` on the way */
	if (!task->bpf_storage)
		return 0;
	abi = task_abi(task);
	entry = own_pid_entry(task, &tag);
	if (entry) {
		if (seen_in_workload(entry, id, abi))
			return 0;
		container = container_of_pid_tag(tag);
	} else {
		container = container_of_task_storage(task, &joined);
	}
	if (!container || id < 0)
		return 0;
	record = &container->record;
	if (id >= CRADLE_SYSCALL_SLOTS) {
		__sync_fetch_and_add(&record->lost_syscalls, 1);
		return 0;
	}
	phase = task_phase(task, record, joined);
	/* No change to id, which is below the bound: a bound older verifiers keep track of. */
	nr = id;
	barrier_var(nr);
	nr &= CRADLE_SYSCALL_SLOTS - 1;
	set_bit(&record->syscalls[phase][abi][nr / 64], 1ULL << (nr % 64));
	which = argument_syscall(id, abi);
	if (which >= 0) {
		/* Never noted as seen: its next call may bring a value not recorded yet
		 * (socket(AF_PACKET) after socket(AF_INET)). */
		record_arguments(&record->arguments[phase], which, regs, abi);
	} else if (entry && phase == CRADLE_PHASE_WORKLOAD && abi == CRADLE_ABI_NATIVE) {
		/* A task with a pid tag is no joiner: its phase is its container's, and once that
		 * is the workload it stays so. */
		note_seen_in_workload(entry, tag, id);
	}

	if (phase != CRADLE_PHASE_SETUP || abi != CRADLE_ABI_NATIVE || !installs_seccomp_filter(regs, id))
		return 0;
	if (!joined) {
		__sync_val_compare_and_swap(&record->phase, CRADLE_PHASE_SETUP, CRADLE_PHASE_RUNTIME);
		return 0;
	}
	tgid = task->tgid;
	joiner_phase = bpf_map_lookup_elem(&joiner_phases, &tgid);
	if (joiner_phase)
		__sync_val_compare_and_swap(joiner_phase, CRADLE_PHASE_SETUP, CRADLE_PHASE_RUNTIME);
	return 0;
}

/*
 * Capability checks: the collector loads the first of these the kernel accepts
 * (collector/tracer.cpp): the capability:cap_capable tracepoint (6.14+, see capability.bpf.h),
 * fexit on cap_capable, or a kprobe with a kretprobe on it.
 */

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_tp, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	__u32 phase;
	struct cradle_record *record = current_record(&phase);

	if (!record)
		return 0;
	record_check(record, phase, cap, ret, classify_by_caller(ctx, record));
	return 0;
}

SEC("fexit/cap_capable")
int BPF_PROG(cap_capable_fexit, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	__u32 phase;
	struct cradle_record *record = current_record(&phase);

	if (record)
		record_check(record, phase, cap, ret, check_kind(opts));
	return 0;
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_capable_entry, const struct cred *cred, struct user_namespace *ns, int cap,
	       unsigned int opts)
{
	if (current_record_by_cgroup() && !hold_check(cap, opts))
		count_kernel_error(lost_pending_checks);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(cap_capable_return, int ret)
{
	struct cradle_record *record;
	__u32 kind;
	int cap;

	if (!take_check(&cap, &kind))
		return 0;
	record = current_record_by_cgroup();
	if (record)
		record_check(record, container_phase(record), cap, ret, kind);
	return 0;
}

/*
 * Cgroups
 */

/* A cgroup created beneath a traced one belongs to the same container. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct cradle_container *container;
	__u64 id, parent_id;
	__u32 *slot;
	long error;

	if (!on_default_hierarchy(cgrp))
		return 0;
	parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
	slot = bpf_map_lookup_elem(&cgroup_slots, &parent_id);
	if (!slot)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	/* EEXIST: user space's walk, or a second program set during a restart, was first. */
	error = bpf_map_update_elem(&cgroup_slots, &id, slot, BPF_NOEXIST);
	if (error == 0 || error == -EEXIST)
		return 0;
	container = bpf_map_lookup_elem(&containers, slot);
	if (container)
		__sync_fetch_and_add(&container->record.lost_cgroups, 1);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	struct cradle_container *container;
	__u64 id;
	__u32 *slot;

	if (!on_default_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	slot = bpf_map_lookup_elem(&cgroup_slots, &id);
	if (!slot)
		return 0;
	container = bpf_map_lookup_elem(&containers, slot);
	if (container && container->cgroup_id == id) {
		__sync_fetch_and_or(&container->record.flags, CRADLE_RECORD_CGROUP_REMOVED);
		/* When the buffer is full (no collector reads it), the collector's periodic scan
		 * finds the flag instead. */
		bpf_ringbuf_output(&gone_cgroups, slot, sizeof(*slot), BPF_RB_FORCE_WAKEUP);
	}
	bpf_map_delete_elem(&cgroup_slots, &id);
	return 0;
}

/* A task moved into (or out of) a traced cgroup, e.g. by `runc exec` or by writing
 * cgroup.procs. With `threadgroup` the kernel moves every thread of the process but reports
 * the leader only: cgroup_attach_task() in kernel/cgroup/cgroup.c fires the tracepoint once,
 * with the leader, after migrating the whole group. The collector loads one of the two
 * programs below. */

/* Where the kernel has the task iterator (6.7+, see kernel_quirks.bpf.h): every thread of a
 * moved process. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_threads, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct bpf_iter_task threads;
	struct task_struct *thread;

	if (!on_default_hierarchy(dst_cgrp))
		return 0;
	if (!threadgroup) {
		attribute_task(task, JOINING_IF_LATE);
		return 0;
	}
	if (bpf_iter_task_new(&threads, task, BPF_TASK_ITER_PROC_THREADS))
		attribute_task(task, JOINING_IF_LATE); /* the leader at least */
	while ((thread = bpf_iter_task_next(&threads)))
		attribute_task(thread, JOINING_IF_LATE);
	bpf_iter_task_destroy(&threads);
	return 0;
}

/* Elsewhere: the leader only. Threads that already ran keep what they had (see README,
 * known limitations); threads started later are attributed by their cgroup. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	if (!on_default_hierarchy(dst_cgrp))
		return 0;
	attribute_task(task, JOINING_IF_LATE);
	return 0;
}

/*
 * Tasks
 */

/* A new task (process, thread, or a kernel-made io_uring worker) belongs to the container of
 * the cgroup it starts in: its parent's, or the one clone3(CLONE_INTO_CGROUP) chose. Fires
 * in copy_process() after cgroup_post_fork() and before the task first runs. */
SEC("tp_btf/task_newtask")
int BPF_PROG(task_newtask, struct task_struct *task, __u64 clone_flags)
{
	struct task_struct *creator = bpf_get_current_task_btf();
	__u32 creator_tgid = creator->tgid, tgid = task->tgid;
	__u32 *phase;

	if (!is_joiner(creator)) {
		attribute_task(task, JOINING_KEEP);
		return 0;
	}
	/* A thread of a joiner shares its process's entry; a child process gets a copy. */
	attribute_task(task, JOINING_INHERIT);
	phase = bpf_map_lookup_elem(&joiner_phases, &creator_tgid);
	if (phase && tgid != creator_tgid && bpf_map_update_elem(&joiner_phases, &tgid, phase, BPF_ANY))
		count_kernel_error(lost_inherited_phases);
	return 0;
}

/* The container init's exec starts the workload. Execs of other processes before it (the
 * runtime's createContainer/startContainer hooks run from init's children in the container's
 * cgroup) and every later exec change nothing. (The collector registers no container
 * without its init's pid.) */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cradle_container *container;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bool joined = is_joiner(task);

	/* A thread other than the leader exec'd and took the leader's pid, and with it the
	 * leader's pid tag: attribute it as itself. A joiner's exec starts its part of the workload. */
	if ((old_pid != task->pid && task->bpf_storage) || joined)
		attribute_task(task, JOINING_END);
	if (joined)
		bpf_map_delete_elem(&joiner_phases, &tgid);
	container = container_of_task(task, &joined); /* the tracepoint's task is current */

	if (!container || READ_ONCE(container->record.phase) == CRADLE_PHASE_WORKLOAD)
		return 0;
	if (container->init_pid != tgid)
		return 0;
	WRITE_ONCE(container->record.phase, CRADLE_PHASE_WORKLOAD);
	return 0;
}

/* Run by user space after it publishes a cgroup: attributes ("adopts") every task already in
 * a traced cgroup, such as the runtime's init process, waiting to exec the workload; over every task,
 * or over the threads of one process. Idempotent. */
SEC("iter/task")
int adopt_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	const char visited = 1;
	__u64 cgroup_id;

	if (!task)
		return 0;
	/* One byte a task: user space counts them, to tell a walk that ended early. */
	bpf_seq_write(ctx->meta->seq, &visited, sizeof(visited));
	cgroup_id = task_cgroup_id(task);
	if (bpf_map_lookup_elem(&cgroup_slots, &cgroup_id))
		attribute_task(task, JOINING_KEEP);
	return 0;
}
