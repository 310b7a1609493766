/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which task belongs to which container. The words, here and in the programs:
 *
 *   attribution  a task's struct task_attribution in task storage (task_slots): the container
 *                it belongs to (slot and generation; generation 0: none), and whether it
 *                joined that container late.
 *   pid entry    a pid's struct pid_table_entry in the pid table (pid_marks).
 *   pid tag      the word of a pid entry that packs the attribution of the task attributed
 *                last with that pid, so that the syscall path finds it in one cold page.
 *   attribute    decide a task's container from its cgroup (cgroup_slots) and write its
 *                attribution and pid tag (write_attribution; attribute_task writes again when
 *                the decision went out of date meanwhile).
 *
 * Which container a task belongs to, named after what is read: container_of_task answers it
 * on the syscall path, from the task's pid tag (own_pid_entry, container_of_pid_tag) or else
 * its attribution (container_of_task_storage); sys_enter takes these steps apart.
 * container_of_cgroup answers from a cgroup id, to attribute; container_of_current_cgroup from
 * the current task's cgroup, for the kprobe fallback and a task whose storage cannot be read.
 *
 * Included once, by cradle.bpf.c. */
#ifndef CRADLE_TASK_ATTRIBUTION_BPF_H
#define CRADLE_TASK_ATTRIBUTION_BPF_H

#include "bits.bpf.h"
#include "kernel_quirks.bpf.h"
#include "maps.bpf.h"

/*
 * The pid table.
 */

/* pid_entry.tag, packed in one word so that it is written and read whole:
 *   bit 0       valid (0: no tag here, look in task storage)
 *   bits 1-6    the pid's bits above the PID_INDEX_BITS that index the table
 *   bits 7-26   the container's slot
 *   bits 27-63  the stamp of the slot's generation (its low 37 bits); 0: not traced */
#define PID_TAG_VALID 1ULL
#define PID_TAG_HIGH_SHIFT 1
#define PID_TAG_HIGH_BITS 6 /* pids are below 2^22 (PID_MAX_LIMIT) */
#define PID_TAG_SLOT_SHIFT (PID_TAG_HIGH_SHIFT + PID_TAG_HIGH_BITS)
#define PID_TAG_SLOT_BITS 20
#define PID_TAG_STAMP_SHIFT (PID_TAG_SLOT_SHIFT + PID_TAG_SLOT_BITS)
#define PID_TAG_STAMP_MASK ((1ULL << (64 - PID_TAG_STAMP_SHIFT)) - 1)

#define NO_PID_TAG (~0U) /* publish_pid_tag's slot for "no tag: look in task storage" */

static __always_inline struct pid_table_entry *pid_entry_of(__u32 pid)
{
	__u32 index = pid & (PID_ENTRIES - 1);

	return bpf_map_lookup_elem(&pid_marks, &index);
}

/* Whether `tag` is valid and was written for `pid`, not for another pid of the same entry. */
static __always_inline bool pid_tag_is_for(__u64 tag, __u32 pid)
{
	return (tag & PID_TAG_VALID) &&
	       LOW_BITS(tag, PID_TAG_HIGH_SHIFT, PID_TAG_HIGH_BITS) == pid >> PID_INDEX_BITS;
}

/* The pid entry of task with its tag in *tag, or NULL when the entry holds another pid's tag
 * or none (then task storage holds task's attribution). */
static __always_inline struct pid_table_entry *own_pid_entry(struct task_struct *task, __u64 *tag)
{
	struct pid_table_entry *entry = pid_entry_of(task->pid);

	if (!entry)
		return NULL;
	*tag = READ_ONCE(entry->tag);
	return pid_tag_is_for(*tag, task->pid) ? entry : NULL;
}

/* The container the pid tag `tag` (valid, and for the current task) names, or NULL. */
static __always_inline struct cradle_container *container_of_pid_tag(__u64 tag)
{
	__u32 slot = LOW_BITS(tag, PID_TAG_SLOT_SHIFT, PID_TAG_SLOT_BITS);
	__u64 stamp = tag >> PID_TAG_STAMP_SHIFT;
	struct cradle_container *container;

	if (!stamp)
		return NULL;
	container = bpf_map_lookup_elem(&containers, &slot);
	if (!container || (container->generation & PID_TAG_STAMP_MASK) != stamp)
		return NULL;
	return container;
}

/* Writes task's pid tag: for `slot` with `generation`, or not traced (generation 0). An
 * attribution that does not pack (a slot beyond 20 bits, such as NO_PID_TAG, or a generation
 * whose stamp is 0) is written as no tag, which sends readers to task storage. An entry holds
 * the tag of the task attributed last with its pid: every task is attributed when it is
 * created, so a reused pid never finds the tag of the task that had it before. One store: a
 * reader sees the old tag or the new one, never a mix. */
static __always_inline void publish_pid_tag(struct task_struct *task, __u32 slot, __u64 generation)
{
	__u32 pid = task->pid;
	struct pid_table_entry *entry = pid_entry_of(pid);
	__u64 stamp = generation & PID_TAG_STAMP_MASK;
	__u64 tag = 0;
	int i;

	/* A task the iterator holds may have died and given up its pid, which a new task with
	 * its own tag may have now: then write nothing, or take back what was written. */
	if (!entry || !task->thread_pid)
		return;
	if (slot < (1U << PID_TAG_SLOT_BITS) && (stamp || !generation))
		tag = stamp << PID_TAG_STAMP_SHIFT | (__u64)slot << PID_TAG_SLOT_SHIFT |
		      (__u64)(pid >> PID_INDEX_BITS) << PID_TAG_HIGH_SHIFT | PID_TAG_VALID;
	if (READ_ONCE(entry->tag) != tag) {
		/* No tag while `seen` is cleared, so that no reader takes the old bits for the
		 * new tag. (In this order on x86, where stores are seen in program order.) */
		WRITE_ONCE(entry->tag, 0);
		for (i = 0; i < PID_SEEN_WORDS; i++)
			WRITE_ONCE(entry->seen[i], 0);
		WRITE_ONCE(entry->tag, tag);
	}
	if (!READ_ONCE(task->thread_pid))
		WRITE_ONCE(entry->tag, 0);
}

/* Whether the task whose pid tag `entry` holds has recorded native syscall `id` in its
 * container's workload phase under that tag already. */
static __always_inline bool seen_in_workload(struct pid_table_entry *entry, long id, __u32 abi)
{
	__u64 word = (__u64)id / 64;

	/* Bounded on its own: from the bound on id alone the verifier would allow one word more. */
	barrier_var(word);
	return abi == CRADLE_ABI_NATIVE && id >= 0 && word < PID_SEEN_WORDS &&
	       (READ_ONCE(entry->seen[word]) & (1ULL << (id % 64)));
}

/* Notes in `entry` that native syscall `id` is recorded in the workload phase under `tag`.
 * A new tag published meanwhile clears `seen` before or after the bit is set: after, and it
 * is gone; before, and the tag read again is not `tag`, so the bit is taken back. */
static __always_inline void note_seen_in_workload(struct pid_table_entry *entry, __u64 tag, long id)
{
	__u64 word = (__u64)id / 64, bit = 1ULL << (id % 64);

	barrier_var(word); /* as in seen_in_workload */
	if (id < 0 || word >= PID_SEEN_WORDS)
		return;
	__sync_fetch_and_or(&entry->seen[word], bit);
	if (READ_ONCE(entry->tag) != tag)
		__sync_fetch_and_and(&entry->seen[word], ~bit);
}

/*
 * Reading attributions.
 */

/* The container that traces cgroup `cgroup_id` (cgroup2), or NULL; its slot in *slot. */
static __always_inline struct cradle_container *container_of_cgroup(__u64 cgroup_id, __u32 **slot)
{
	*slot = bpf_map_lookup_elem(&cgroup_slots, &cgroup_id);
	return *slot ? bpf_map_lookup_elem(&containers, *slot) : NULL;
}

/* The container of the current task from its cgroup alone, or NULL. */
static __always_inline struct cradle_container *container_of_current_cgroup(void)
{
	__u32 *slot;

	return container_of_cgroup(bpf_get_current_cgroup_id(), &slot);
}

/* The record of the current task's container, from its cgroup: for the kprobe fallback
 * (kernels without fexit may not offer task storage to kprobes). */
static __always_inline struct cradle_record *current_record_by_cgroup(void)
{
	struct cradle_container *container = container_of_current_cgroup();

	return container ? &container->record : NULL;
}

#define CACHE_CASE(i)                                                                  \
	case i:                                                                        \
		sdata = storage->cache[i];                                             \
		break

/* Reads kernel-private structures: the local storage cache, bpf_local_storage->cache[16]
 * indexed by bpf_local_storage_map->cache_idx, from 6ac99e8f23d4 ("bpf: Introduce bpf sk local
 * storage", 5.2), which task storage uses since 4cf1bc1f1045 ("bpf: Implement task local
 * storage", 5.11; it added task_struct->bpf_storage too); and task_slots as the kernel's
 * struct bpf_local_storage_map, which a program may read since 41c48f3a9823 ("bpf: Support
 * access to bpf map fields"). Through CO-RE: a kernel that renames these fields refuses the
 * programs rather than let them misread.
 *
 * Copies task's attribution to *attribution, read where bpf_task_storage_get() looks first:
 * the task's storage cache, at the index the kernel gave task_slots. Skipping the helper's
 * call and its per-CPU busy lock saves a traced syscall about 30 ns on the development VM
 * (bpf_stats in bench/overhead.sh). The loads are the verifier's fault-tolerant ones, and the
 * programs run under RCU, which is what frees storage. False when the cache holds no
 * attribution of task_slots (not looked up since it was made, or another task storage map
 * has the same index). */
static __always_inline bool attribution_from_cache(struct task_struct *task, struct task_attribution *attribution)
{
	struct bpf_local_storage_map *smap = (struct bpf_local_storage_map *)&task_slots;
	struct bpf_local_storage *storage = task->bpf_storage;
	struct bpf_local_storage_data *sdata = NULL;
	struct task_attribution *cached;

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
	cached = (struct task_attribution *)sdata->data;
	attribution->generation = cached->generation;
	attribution->slot = cached->slot;
	attribution->joined = cached->joined;
	return true;
}
#undef CACHE_CASE

/* Copies task's attribution to *attribution through the helper, which also puts it in the
 * cache. False when task_slots holds none (storage of other programs only), or, before 6.2,
 * when task storage is busy on this CPU: bc235cdb423a ("bpf: Prevent deadlock from recursive
 * bpf_task_storage_[get|delete]") made a lookup fail while the CPU's busy counter is held,
 * and e8b02296a6b8 ("bpf: Avoid taking spinlock in bpf_task_storage_get if potential deadlock
 * is detected", 6.2) lets it go ahead, uncached. Not inlined: the verifier refuses one load
 * instruction for two kinds of pointer, and the compiler would otherwise share this copy with
 * attribution_from_cache's. */
static __noinline bool attribution_from_helper(struct task_struct *task, struct task_attribution *attribution)
{
	struct task_attribution *stored = bpf_task_storage_get(&task_slots, task, NULL, 0);

	if (!stored)
		return false;
	attribution->generation = stored->generation;
	attribution->slot = stored->slot;
	attribution->joined = stored->joined;
	return true;
}

/* The container of a task (current) without a pid tag of its own, from its attribution in
 * task storage, or from its cgroup when that cannot be read. *joined: the task joined the
 * container after its workload started (joiners have no pid tag). */
static __always_inline struct cradle_container *container_of_task_storage(struct task_struct *task, bool *joined)
{
	struct cradle_container *container;
	struct task_attribution attribution;

	if (!attribution_from_cache(task, &attribution) && !attribution_from_helper(task, &attribution))
		return container_of_current_cgroup();
	container = bpf_map_lookup_elem(&containers, &attribution.slot);
	/* Generation 0: attributed to none, and also what a free (zeroed) slot holds. */
	if (!container || !attribution.generation || container->generation != attribution.generation)
		return NULL;
	*joined = attribution.joined;
	return container;
}

/* The container of a task (current), or NULL: the hot path. A task that no BPF program gave
 * task storage costs one load of a field of current, which the syscall has touched already.
 * An attributed task's pid tag is found in pid_marks (one cold page), else its attribution in
 * task storage (two: the storage and the element); reading its cgroup would cost three. */
static __always_inline struct cradle_container *container_of_task(struct task_struct *task, bool *joined)
{
	__u64 tag;

	*joined = false;
	if (!task->bpf_storage)
		return NULL;
	if (own_pid_entry(task, &tag))
		return container_of_pid_tag(tag);
	return container_of_task_storage(task, joined);
}

/* Whether task is a joiner. Through the helper alone, off the syscall path: with the cache
 * read beside it, the compiler would load `joined` through two kinds of pointer. */
static __always_inline bool is_joiner(struct task_struct *task)
{
	struct task_attribution attribution;

	return task->bpf_storage && attribution_from_helper(task, &attribution) && attribution.joined;
}

/*
 * Attributing.
 */

/* What attributing a task makes of its joiner state (joiner_phases). */
enum joining {
	JOINING_KEEP,    /* as it was, while the task stays with the same container */
	JOINING_IF_LATE, /* a task moved in: a joiner if the container's workload has started */
	JOINING_INHERIT, /* a task a joiner created: a joiner too */
	JOINING_END,     /* the task exec'd: its container's phase is its own again */
};

/* Whether a task attributed as `old`, about to be attributed to `container` in `slot`, is a
 * joiner. */
static __always_inline bool joins(const struct task_attribution *old, struct cradle_container *container,
				  __u32 slot, enum joining joining)
{
	bool same = old->generation == container->generation && old->slot == slot;

	switch (joining) {
	case JOINING_IF_LATE:
		/* The container's own tasks moving between its cgroups are no joiners. */
		return same ? old->joined : READ_ONCE(container->record.phase) == CRADLE_PHASE_WORKLOAD;
	case JOINING_INHERIT:
		return true;
	case JOINING_END:
		return false;
	default:
		return same && old->joined;
	}
}

/* Attributes `task` to the container that traces its cgroup (cgroup2), or to none when no
 * container does, in task storage and in its pid tag. Attributing to none zeroes the
 * generation instead of deleting: since 6.2 a lookup works where a delete can be refused, and
 * so can the creation of storage, while task storage is busy on this CPU (bc235cdb423a,
 * e8b02296a6b8; see attribution_from_helper): lost_tasks counts those. A joiner gets no pid
 * tag, so that the syscall path finds its joiner state in task storage. *traced: whether a
 * container traces the cgroup. Returns the cgroup id the decision was made by. */
static __always_inline __u64 write_attribution(struct task_struct *task, enum joining joining, bool *traced)
{
	__u64 cgroup_id = task_cgroup_id(task);
	struct cradle_container *container;
	struct task_attribution *attribution;
	__u32 tgid = task->tgid;
	__u32 setup = CRADLE_PHASE_SETUP;
	bool joined;
	__u32 *slot;

	container = container_of_cgroup(cgroup_id, &slot);
	*traced = container != NULL;
	if (!container) {
		if (task->bpf_storage) {
			attribution = bpf_task_storage_get(&task_slots, task, NULL, 0);
			if (attribution) {
				attribution->generation = 0;
				attribution->joined = 0;
			}
		}
		publish_pid_tag(task, 0, 0);
		return cgroup_id;
	}
	attribution = bpf_task_storage_get(&task_slots, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!attribution) {
		__sync_fetch_and_add(&container->record.lost_tasks, 1);
		publish_pid_tag(task, NO_PID_TAG, 0);
		return cgroup_id;
	}
	joined = joins(attribution, container, *slot, joining);
	/* A process joins in its setup phase; its threads moved with it share the entry. */
	if (joined && !attribution->joined && joining == JOINING_IF_LATE &&
	    bpf_map_update_elem(&joiner_phases, &tgid, &setup, BPF_ANY))
		count_kernel_error(lost_joiner_phases);
	attribution->slot = *slot;
	attribution->generation = container->generation;
	attribution->joined = joined;
	publish_pid_tag(task, joined ? NO_PID_TAG : *slot, container->generation);
	return cgroup_id;
}

/* Attributes `task` (write_attribution), once more if the decision is out of date by the time
 * it is written: the task moved meanwhile (a migration's own tracepoint may have run between
 * the cgroup read and the write), or its cgroup was published or forgotten (the iterator user
 * space runs after a publish may have attributed a task that task_newtask, deciding before
 * the publish, then attributed to none). Neither decision may overwrite the later one. */
static __always_inline void attribute_task(struct task_struct *task, enum joining joining)
{
	__u64 decided_by, cgroup_id;
	bool traced;

	decided_by = write_attribution(task, joining, &traced);
	cgroup_id = task_cgroup_id(task);
	if (cgroup_id != decided_by || traced != (bpf_map_lookup_elem(&cgroup_slots, &cgroup_id) != NULL))
		write_attribution(task, joining, &traced);
}

#endif /* CRADLE_TASK_ATTRIBUTION_BPF_H */
