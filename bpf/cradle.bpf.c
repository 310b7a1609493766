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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_MODE_FILTER 2
#define PR_SET_SECCOMP 22
#define CAP_OPT_NOAUDIT 0x2 /* include/linux/security.h, since 5.1 */
#define TS_COMPAT 0x0002    /* arch/x86/include/asm/thread_info.h */
#define EEXIST 17

#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* pid_mark.mark, packed in one word so that it is written and read whole:
 *   bit 0       valid (0: no mark here, look in task storage)
 *   bits 1-6    the pid's bits above the CRADLE_PID_MARK_INDEX_BITS that index the array
 *   bits 7-26   the container's slot
 *   bits 27-63  the low 37 bits of the slot's generation; 0: not traced */
#define PID_MARK_VALID 1ULL
#define PID_MARK_HIGH_SHIFT 1
#define PID_MARK_HIGH_BITS 6 /* pids are below 2^22 (PID_MAX_LIMIT) */
#define PID_MARK_SLOT_SHIFT (PID_MARK_HIGH_SHIFT + PID_MARK_HIGH_BITS)
#define PID_MARK_SLOT_BITS 20
#define PID_MARK_TAG_SHIFT (PID_MARK_SLOT_SHIFT + PID_MARK_SLOT_BITS)
#define PID_MARK_TAG_MASK ((1ULL << (64 - PID_MARK_TAG_SHIFT)) - 1)
#define LOW_BITS(value, shift, bits) (((value) >> (shift)) & ((1ULL << (bits)) - 1))

static __always_inline struct pid_mark *pid_mark_of(__u32 pid)
{
	__u32 index = pid & (CRADLE_PID_MARKS - 1);

	return bpf_map_lookup_elem(&pid_marks, &index);
}

static __always_inline bool pid_mark_is_for(__u64 mark, __u32 pid)
{
	return (mark & PID_MARK_VALID) &&
	       LOW_BITS(mark, PID_MARK_HIGH_SHIFT, PID_MARK_HIGH_BITS) == pid >> CRADLE_PID_MARK_INDEX_BITS;
}

/* Set by the collector between open and load. */
const volatile __s32 nr_seccomp = -1; /* native numbers, from libseccomp */
const volatile __s32 nr_prctl = -1;
const volatile struct cradle_text_range cap_capable_text = {};
const volatile struct cradle_text_range security_capable_text = {};
const volatile struct cradle_text_range noaudit_callers[CRADLE_NOAUDIT_CALLERS] = {};

/* The container of the current task, from its cgroup: for the kprobe fallback (kernels
 * without fexit may not offer task storage to kprobes), and for a task whose storage could
 * not be read. */
static __always_inline struct cradle_container *container_of_cgroup(__u64 cgroup_id, __u32 **slot)
{
	*slot = bpf_map_lookup_elem(&cgroup_slots, &cgroup_id);
	return *slot ? bpf_map_lookup_elem(&containers, *slot) : NULL;
}

static __always_inline struct cradle_container *current_container_by_cgroup(void)
{
	__u32 *slot;

	return container_of_cgroup(bpf_get_current_cgroup_id(), &slot);
}

static __always_inline struct cradle_record *current_record_by_cgroup(void)
{
	struct cradle_container *container = current_container_by_cgroup();

	return container ? &container->record : NULL;
}

#define CACHE_CASE(i)                                                                  \
	case i:                                                                        \
		sdata = storage->cache[i];                                             \
		break

/* Copies task's mark to *mark, read where bpf_task_storage_get() looks first: the task's
 * storage cache, at the index the kernel gave task_slots. Skipping the helper's call and its
 * per-CPU busy lock saves a traced syscall about 30 ns on the development VM (bpf_stats in
 * bench/overhead.sh). The loads are the verifier's fault-tolerant ones, and the programs run
 * under RCU, which is what frees storage. False when the cache holds no mark of task_slots
 * (not looked up since it was made, or another task storage map has the same index). */
static __always_inline bool cached_task_mark(struct task_struct *task, struct cradle_task *mark)
{
	struct bpf_local_storage_map *smap = (struct bpf_local_storage_map *)&task_slots;
	struct bpf_local_storage *storage = task->bpf_storage;
	struct bpf_local_storage_data *sdata = NULL;
	struct cradle_task *cached;

	if (!storage)
		return false;
	/* The verifier takes only constant offsets into kernel structs. */
	switch (smap->cache_idx) {
	CACHE_CASE(0); CACHE_CASE(1); CACHE_CASE(2); CACHE_CASE(3);
	CACHE_CASE(4); CACHE_CASE(5); CACHE_CASE(6); CACHE_CASE(7);
	CACHE_CASE(8); CACHE_CASE(9); CACHE_CASE(10); CACHE_CASE(11);
	CACHE_CASE(12); CACHE_CASE(13); CACHE_CASE(14); CACHE_CASE(15);
	default:
		return false;
	}
	if (!sdata || sdata->smap != smap)
		return false;
	cached = (struct cradle_task *)sdata->data;
	mark->generation = cached->generation;
	mark->slot = cached->slot;
	mark->joined = cached->joined;
	return true;
}
#undef CACHE_CASE

/* Copies task's mark to *mark through the helper, which also puts it in the cache. False
 * when task_slots holds none (storage of other programs only), or when task storage is busy
 * (before 6.2). Not inlined: the verifier refuses one load instruction for two kinds of
 * pointer, and the compiler would otherwise share this copy with cached_task_mark's. */
static __noinline bool task_mark(struct task_struct *task, struct cradle_task *mark)
{
	struct cradle_task *traced = bpf_task_storage_get(&task_slots, task, NULL, 0);

	if (!traced)
		return false;
	mark->generation = traced->generation;
	mark->slot = traced->slot;
	mark->joined = traced->joined;
	return true;
}

/* The container the pid mark `mark` (valid, and for the current task) names, or NULL. */
static __always_inline struct cradle_container *container_of_pid_mark(__u64 mark)
{
	__u32 slot = LOW_BITS(mark, PID_MARK_SLOT_SHIFT, PID_MARK_SLOT_BITS);
	__u64 tag = mark >> PID_MARK_TAG_SHIFT;
	struct cradle_container *container;

	if (!tag)
		return NULL;
	container = bpf_map_lookup_elem(&containers, &slot);
	if (!container || (container->generation & PID_MARK_TAG_MASK) != tag)
		return NULL;
	return container;
}

/* The pid_marks entry of task with its mark in *mark, or NULL when the entry holds another
 * pid's mark or none (then task storage holds task's). */
static __always_inline struct pid_mark *own_pid_mark(struct task_struct *task, __u64 *mark)
{
	struct pid_mark *entry = pid_mark_of(task->pid);

	if (!entry)
		return NULL;
	*mark = READ_ONCE(entry->mark);
	return pid_mark_is_for(*mark, task->pid) ? entry : NULL;
}

/* The container of a task without a pid mark of its own, from its task storage. *joined: the
 * task joined the container after its workload started (joiners have no pid mark). */
static __always_inline struct cradle_container *container_of_task_storage(struct task_struct *task, bool *joined)
{
	struct cradle_container *container;
	struct cradle_task mark;

	if (!cached_task_mark(task, &mark) && !task_mark(task, &mark))
		return current_container_by_cgroup();
	container = bpf_map_lookup_elem(&containers, &mark.slot);
	/* Generation 0: unmarked, and also what a free (zeroed) slot holds. */
	if (!container || !mark.generation || container->generation != mark.generation)
		return NULL;
	*joined = mark.joined;
	return container;
}

/* The container of a task: the hot path. A task that no BPF program gave task storage costs
 * one load of a field of current, which the syscall has touched already. A marked task's
 * mark is found in pid_marks (one cold page), else in its task storage (two: the storage and
 * the element); reading its cgroup would cost three. */
static __always_inline struct cradle_container *container_of_task(struct task_struct *task, bool *joined)
{
	__u64 mark;

	*joined = false;
	if (!task->bpf_storage)
		return NULL;
	if (own_pid_mark(task, &mark))
		return container_of_pid_mark(mark);
	return container_of_task_storage(task, joined);
}

static __always_inline __u32 current_phase(struct cradle_record *record)
{
	__u32 phase = READ_ONCE(record->phase);

	return phase < CRADLE_PHASE_COUNT ? phase : CRADLE_PHASE_WORKLOAD;
}

/* The phase what task does belongs to: its container's, or its own while it is a joiner. */
static __always_inline __u32 phase_of(struct task_struct *task, struct cradle_record *record, bool joined)
{
	__u32 tgid = task->tgid;
	__u32 *phase;

	if (joined) {
		phase = bpf_map_lookup_elem(&joiner_phases, &tgid);
		if (phase && *phase < CRADLE_PHASE_COUNT)
			return *phase;
	}
	return current_phase(record);
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
	*phase = phase_of(task, &container->record, joined);
	return &container->record;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

#define NO_PID_MARK (~0U) /* publish_pid_mark's slot for "look in task storage" */

/* Writes task's pid mark: in `slot` with `generation`, or not traced (generation 0). A mark
 * that does not pack (a slot beyond 20 bits, such as NO_PID_MARK, or a generation whose tag
 * is 0) is written as none, which sends readers to task storage. An entry holds the mark of
 * the task marked last with its pid: every task is marked when it is created, so a reused
 * pid never finds the mark of the task that had it before. One store: a reader sees the
 * old mark or the new one, never a mix. */
static __always_inline void publish_pid_mark(struct task_struct *task, __u32 slot, __u64 generation)
{
	__u32 pid = task->pid;
	struct pid_mark *entry = pid_mark_of(pid);
	__u64 tag = generation & PID_MARK_TAG_MASK;
	__u64 mark = 0;
	int i;

	/* A task the iterator holds may have died and given up its pid, which a new task with
	 * its own mark may have now: then write nothing, or take back what was written. */
	if (!entry || !task->thread_pid)
		return;
	if (slot < (1U << PID_MARK_SLOT_BITS) && (tag || !generation))
		mark = tag << PID_MARK_TAG_SHIFT | (__u64)slot << PID_MARK_SLOT_SHIFT |
		       (__u64)(pid >> CRADLE_PID_MARK_INDEX_BITS) << PID_MARK_HIGH_SHIFT | PID_MARK_VALID;
	if (READ_ONCE(entry->mark) != mark) {
		/* No mark while `seen` is cleared, so that no reader takes the old bits for the
		 * new mark. (In this order on x86, where stores are seen in program order.) */
		WRITE_ONCE(entry->mark, 0);
		for (i = 0; i < PID_MARK_SEEN_WORDS; i++)
			WRITE_ONCE(entry->seen[i], 0);
		WRITE_ONCE(entry->mark, mark);
	}
	if (!READ_ONCE(task->thread_pid))
		WRITE_ONCE(entry->mark, 0);
}

/* What a marking makes of a task's joiner state (joiner_phases). */
enum joining {
	JOINING_KEEP,    /* as it was, while the task stays with the same container */
	JOINING_IF_LATE, /* a task moved in: a joiner if the container's workload has started */
	JOINING_INHERIT, /* a task a joiner created: a joiner too */
	JOINING_END,     /* the task exec'd: its container's phase is its own again */
};

/* Whether `traced`, about to be marked for `container` in `slot`, is a joiner. */
static __always_inline bool joins(const struct cradle_task *traced, struct cradle_container *container,
				  __u32 slot, enum joining joining)
{
	bool same = traced->generation == container->generation && traced->slot == slot;

	switch (joining) {
	case JOINING_IF_LATE:
		/* The container's own tasks moving between its cgroups are no joiners. */
		return same ? traced->joined : READ_ONCE(container->record.phase) == CRADLE_PHASE_WORKLOAD;
	case JOINING_INHERIT:
		return true;
	case JOINING_END:
		return false;
	default:
		return same && traced->joined;
	}
}

/* Marks `task` for the container that traces its cgroup (cgroup2), or unmarks it when none
 * does, in task storage and in pid_marks. Unmarking zeroes the generation instead of
 * deleting: a lookup works where a delete can be refused (task storage busy). A joiner gets
 * no pid mark, so that the syscall path finds its joiner state in task storage. Returns the
 * cgroup id the mark was decided by. */
static __always_inline __u64 mark_task(struct task_struct *task, enum joining joining, bool *marked)
{
	__u64 cgroup_id = task_cgroup_id(task);
	struct cradle_container *container;
	struct cradle_task *traced;
	__u32 tgid = task->tgid;
	__u32 setup = CRADLE_PHASE_SETUP;
	bool joined;
	__u32 *slot;

	container = container_of_cgroup(cgroup_id, &slot);
	*marked = container != NULL;
	if (!container) {
		if (task->bpf_storage) {
			traced = bpf_task_storage_get(&task_slots, task, NULL, 0);
			if (traced) {
				traced->generation = 0;
				traced->joined = 0;
			}
		}
		publish_pid_mark(task, 0, 0);
		return cgroup_id;
	}
	traced = bpf_task_storage_get(&task_slots, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!traced) {
		__sync_fetch_and_add(&container->record.lost_tasks, 1);
		publish_pid_mark(task, NO_PID_MARK, 0);
		return cgroup_id;
	}
	joined = joins(traced, container, *slot, joining);
	/* A process joins in its setup phase; its threads moved with it share the entry. */
	if (joined && !traced->joined && joining == JOINING_IF_LATE)
		bpf_map_update_elem(&joiner_phases, &tgid, &setup, BPF_ANY);
	traced->slot = *slot;
	traced->generation = container->generation;
	traced->joined = joined;
	publish_pid_mark(task, joined ? NO_PID_MARK : *slot, container->generation);
	return cgroup_id;
}

/* mark_task, once more if the decision is out of date by the time it is written: the task
 * moved meanwhile (a migration's own tracepoint may have run between the cgroup read and the
 * mark), or its cgroup was published or forgotten (the iterator user space runs after a
 * publish may have marked a task that task_newtask, deciding before the publish, then
 * unmarked). Neither decision may overwrite the later one. */
static __always_inline void adopt(struct task_struct *task, enum joining joining)
{
	__u64 decided_by, cgroup_id;
	bool marked;

	decided_by = mark_task(task, joining, &marked);
	cgroup_id = task_cgroup_id(task);
	if (cgroup_id != decided_by || marked != (bpf_map_lookup_elem(&cgroup_slots, &cgroup_id) != NULL))
		mark_task(task, joining, &marked);
}

/* Whether task is a joiner. Through the helper alone, off the syscall path: with the cache
 * read beside it, the compiler would load `joined` through two kinds of pointer. */
static __always_inline bool is_joiner(struct task_struct *task)
{
	struct cradle_task mark;

	return task->bpf_storage && task_mark(task, &mark) && mark.joined;
}

/* Sets a bit once: the atomic OR only runs the first time, so hot syscalls cost a load. */
static __always_inline void set_bit(__u64 *word, __u64 mask)
{
	if (!(READ_ONCE(*word) & mask))
		__sync_fetch_and_or(word, mask);
}

static __always_inline __u32 task_abi(struct task_struct *task)
{
#ifdef __TARGET_ARCH_x86
	if (task->thread_info.status & TS_COMPAT)
		return CRADLE_ABI_COMPAT;
#endif
	return CRADLE_ABI_NATIVE;
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

/* Whether the task whose pid mark `entry` holds has recorded native syscall `id` in its
 * container's workload phase under that mark already. */
static __always_inline bool seen_in_workload(struct pid_mark *entry, long id, __u32 abi)
{
	__u64 word = (__u64)id / 64;

	/* Bounded on its own: from the bound on id alone the verifier would allow one word more. */
	barrier_var(word);
	return abi == CRADLE_ABI_NATIVE && id >= 0 && word < PID_MARK_SEEN_WORDS &&
	       (READ_ONCE(entry->seen[word]) & (1ULL << (id % 64)));
}

/* Notes in `entry` that native syscall `id` is recorded in the workload phase under `mark`.
 * A new mark published meanwhile clears `seen` before or after the bit is set: after, and it
 * is gone; before, and the mark read again is not `mark`, so the bit is taken back. */
static __always_inline void note_seen_in_workload(struct pid_mark *entry, __u64 mark, long id)
{
	__u64 word = (__u64)id / 64, bit = 1ULL << (id % 64);

	barrier_var(word); /* as in seen_in_workload */
	if (id < 0 || word >= PID_MARK_SEEN_WORDS)
		return;
	__sync_fetch_and_or(&entry->seen[word], bit);
	if (READ_ONCE(entry->mark) != mark)
		__sync_fetch_and_and(&entry->seen[word], ~bit);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cradle_container *container;
	struct cradle_record *record;
	__u32 phase, abi, tgid, nr;
	struct pid_mark *entry;
	__u32 *joiner_phase;
	bool joined = false;
	__u64 mark = 0;

	/* container_of_task, with a stop at the pid mark's `seen` on the way */
	if (!task->bpf_storage)
		return 0;
	abi = task_abi(task);
	entry = own_pid_mark(task, &mark);
	if (entry) {
		if (seen_in_workload(entry, id, abi))
			return 0;
		container = container_of_pid_mark(mark);
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
	phase = phase_of(task, record, joined);
	/* No change to id, which is below the bound: a bound older verifiers keep track of. */
	nr = id;
	barrier_var(nr);
	nr &= CRADLE_SYSCALL_SLOTS - 1;
	set_bit(&record->syscalls[phase][abi][nr / 64], 1ULL << (nr % 64));
	/* A task with a pid mark is no joiner: its phase is its container's, and once that is
	 * the workload it stays so. */
	if (entry && phase == CRADLE_PHASE_WORKLOAD && abi == CRADLE_ABI_NATIVE)
		note_seen_in_workload(entry, mark, id);

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
	 * leader's pid mark: mark it as itself. A joiner's exec starts its part of the workload. */
	if ((old_pid != task->pid && task->bpf_storage) || joined)
		adopt(task, JOINING_END);
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

static __always_inline bool in_text(const volatile struct cradle_text_range *range, __u64 address)
{
	return address >= range->start && address < range->end;
}

static __always_inline void record_check(struct cradle_record *record, __u32 phase, int cap, int ret, __u32 kind)
{
	struct cradle_capability_checks *checks;

	if (cap < 0 || cap >= CRADLE_CAPABILITY_SLOTS) {
		__sync_fetch_and_add(&record->lost_capabilities, 1);
		return;
	}
	checks = &record->checks[phase < CRADLE_PHASE_COUNT ? phase : CRADLE_PHASE_WORKLOAD][kind & 1];
	if (ret == 0)
		set_bit(&checks->granted, 1ULL << cap);
	else
		set_bit(&checks->denied, 1ULL << cap);
}

/* The tracepoint carries no opts, so a no-audit probe is told by who asked: the function
 * that called cap_capable (or, through security_capable, the function that called that).
 * CAP_OPT_NOAUDIT is chosen by the caller, and the callers that always pass it are known
 * (collector/kernel_symbols.cpp). A caller that is not found leaves the check audited: a
 * requirement is never dropped, at worst a probe is kept. */
static __always_inline __u32 classify_by_caller(void *ctx, struct cradle_record *record)
{
	__u64 frames[CRADLE_STACK_DEPTH] = {};
	__u64 caller = 0;
	long size;
	int i, j;

	size = bpf_get_stack(ctx, frames, sizeof(frames), 0);
	if (size <= 0)
		goto unclassified;
	for (i = 0; i < CRADLE_STACK_DEPTH - 1; i++) {
		if (!in_text(&cap_capable_text, frames[i]))
			continue;
		caller = frames[i + 1];
		if (in_text(&security_capable_text, caller))
			caller = i + 2 < CRADLE_STACK_DEPTH ? frames[i + 2] : 0;
		break;
	}
	if (!caller)
		goto unclassified;
	for (j = 0; j < CRADLE_NOAUDIT_CALLERS; j++) {
		if (in_text(&noaudit_callers[j], caller))
			return CRADLE_CHECK_PROBE;
	}
	return CRADLE_CHECK_AUDITED;

unclassified:
	__sync_fetch_and_add(&record->unclassified_checks, 1);
	return CRADLE_CHECK_AUDITED;
}

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
		record_check(record, phase, cap, ret,
			     opts & CAP_OPT_NOAUDIT ? CRADLE_CHECK_PROBE : CRADLE_CHECK_AUDITED);
	return 0;
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_capable_entry, const struct cred *cred, struct user_namespace *ns, int cap,
	       unsigned int opts)
{
	__u64 task = bpf_get_current_pid_tgid();
	struct pending_check check = { .cap = cap, .opts = opts };
	struct cradle_record *record = current_record_by_cgroup();

	if (!record)
		return 0;
	if (bpf_map_update_elem(&pending_checks, &task, &check, BPF_ANY))
		__sync_fetch_and_add(&record->lost_capabilities, 1);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(cap_capable_return, int ret)
{
	__u64 task = bpf_get_current_pid_tgid();
	struct pending_check *check = bpf_map_lookup_elem(&pending_checks, &task);
	struct cradle_record *record;

	if (!check)
		return 0;
	record = current_record_by_cgroup();
	if (record)
		record_check(record, current_phase(record), check->cap, ret,
			     check->opts & CAP_OPT_NOAUDIT ? CRADLE_CHECK_PROBE : CRADLE_CHECK_AUDITED);
	bpf_map_delete_elem(&pending_checks, &task);
	return 0;
}

static __always_inline bool on_default_hierarchy(struct cgroup *cgrp)
{
	/* cgroup2 is hierarchy 0, the "0::" line of /proc/<pid>/cgroup; v1 hierarchies on a
	 * hybrid host have their own cgroup ids, which must not be confused with v2 ones. */
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

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
		adopt(task, JOINING_KEEP);
		return 0;
	}
	/* A thread of a joiner shares its process's entry; a child process gets a copy. */
	adopt(task, JOINING_INHERIT);
	phase = bpf_map_lookup_elem(&joiner_phases, &creator_tgid);
	if (phase && tgid != creator_tgid)
		bpf_map_update_elem(&joiner_phases, &tgid, phase, BPF_ANY);
	return 0;
}

/* A task moved into (or out of) a traced cgroup, e.g. by `runc exec` or by writing
 * cgroup.procs. With `threadgroup` the kernel moves every thread of the process but reports
 * the leader only. The collector loads one of the two programs below. */

/* The open-coded task iterator (6.7+); weak, so that an object holding calls to it still
 * loads its other programs where the kernel lacks it. */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task, unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;

/* Where the kernel has the task iterator: every thread of a moved process. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_threads, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct bpf_iter_task threads;
	struct task_struct *thread;

	if (!on_default_hierarchy(dst_cgrp))
		return 0;
	if (!threadgroup) {
		adopt(task, JOINING_IF_LATE);
		return 0;
	}
	if (bpf_iter_task_new(&threads, task, BPF_TASK_ITER_PROC_THREADS))
		adopt(task, JOINING_IF_LATE); /* the leader at least */
	while ((thread = bpf_iter_task_next(&threads)))
		adopt(thread, JOINING_IF_LATE);
	bpf_iter_task_destroy(&threads);
	return 0;
}

/* Elsewhere: the leader only. Threads that already ran keep what they had (see README,
 * known limitations); threads started later are marked by their cgroup. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	if (!on_default_hierarchy(dst_cgrp))
		return 0;
	adopt(task, JOINING_IF_LATE);
	return 0;
}

/* Run by user space after it publishes a cgroup: marks every task already in a traced
 * cgroup, such as the runtime's init process, waiting to exec the workload; over every task,
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
		adopt(task, JOINING_KEEP);
	return 0;
}
