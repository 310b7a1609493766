/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which task belongs to which container: task storage (task_slots), the pid-indexed table
 * (pid_marks), and the marking of tasks whenever they could change container. Included once,
 * by cradle.bpf.c. */
#ifndef CRADLE_TASK_ATTRIBUTION_BPF_H
#define CRADLE_TASK_ATTRIBUTION_BPF_H

#include "bits.bpf.h"
#include "kernel_quirks.bpf.h"
#include "maps.bpf.h"

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

#endif /* CRADLE_TASK_ATTRIBUTION_BPF_H */
