/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Cradle's maps, each described where it is defined. The maps user space reads or writes have
 * their contract in cradle_abi.h; the others are the kernel side's own. pending_checks, which
 * the programs of `cradle events` have too, is in capability.bpf.h.
 *
 * The collector pins every map under its --pin-dir, so that a restart loses nothing, except
 * pid_marks and joiner_phases (collector/tracer.cpp): those start empty with each load.
 *
 * Included once, by cradle.bpf.c: it defines the maps. */
#ifndef CRADLE_MAPS_BPF_H
#define CRADLE_MAPS_BPF_H

#include "cradle_abi.h"

/* u64 cgroup id -> u32 slot; see cradle_abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CRADLE_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} cgroup_slots SEC(".maps");

/* slot -> struct cradle_container; see cradle_abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CRADLE_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct cradle_container);
} containers SEC(".maps");

/* struct cradle_runtime_baseline, user space only; see cradle_abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cradle_runtime_baseline);
} runtime_baseline SEC(".maps");

/* u32 slot of a traced container whose own cgroup was removed; see cradle_abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} gone_cgroups SEC(".maps");

/* A task's attribution: the container it belongs to, as `slot` and the slot's `generation`,
 * which makes it valid while containers[slot].generation equals it (0: the task belongs to
 * none). Written by write_attribution (task_attribution.bpf.h) alone. */
struct task_attribution {
	__u64 generation;
	__u32 slot;
	__u32 joined; /* 1: the task joined the container after its workload started (runc exec),
	               * and has not exec'd since: its phase is its process's own (joiner_phases),
	               * not the container's */
};
/* task_slots is pinned: a new layout would not load over an old collector's pins. */
_Static_assert(sizeof(struct task_attribution) == 16, "task_slots value layout");

/* task -> struct task_attribution: the attribution of every task that is or was in a traced
 * cgroup (named after the slot it holds). Pinned, kernel side only. The syscall path reads
 * only this and pid_marks (a task without BPF task storage costs one load); cgroup_slots
 * decides, whenever a task could change container: when it is created (task_newtask), moved
 * between cgroups, and when user space registers a cgroup (the adopt_tasks iterator walks
 * every task). A task whose storage cannot be read falls back to cgroup_slots. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_attribution);
} task_slots SEC(".maps");

#define PID_INDEX_BITS 16 /* pid_marks is indexed by a pid's low 16 bits */
#define PID_ENTRIES (1u << PID_INDEX_BITS)
#define PID_SEEN_WORDS 7 /* native syscalls 0..447 */

/* One cache line a pid: the pid tag (task_attribution.bpf.h), the attribution of the task
 * attributed last with that pid, packed in one word; and the native syscalls that task has
 * recorded in its container's workload phase under that tag. A syscall found in `seen` is not
 * looked up again: the workload phase never ends, so it is in the record already, and the
 * task's next call of it touches this entry's page alone, not the container's (each page
 * costs a TLB walk on every syscall where the kernel runs without PCID). Only the task itself
 * sets bits; a new tag clears them (publish_pid_tag). */
struct pid_table_entry {
	__u64 tag;
	__u64 seen[PID_SEEN_WORDS];
};

/* pid % PID_ENTRIES -> struct pid_table_entry: the pid table, so that the syscall path reads
 * one cold page instead of the two of task storage, and no other for a syscall it made before.
 * (Its name, which collector/tracer.cpp uses, dates from when pid tags were called marks.)
 * Written with every attribution (task_newtask attributes every task, so a reused pid never
 * finds its predecessor's tag); a pid whose entry belongs to another pid is looked up in
 * task_slots. Not pinned: each load starts it empty, and the load's own walk of every task
 * fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PID_ENTRIES);
	__type(key, __u32);
	__type(value, struct pid_table_entry);
} pid_marks SEC(".maps");

/* u32 tgid -> u32 enum cradle_phase: the phase of each process that joined a container after
 * its workload started (runc exec, a write to cgroup.procs), until it execs: what it does
 * before is the joining mechanism's setup, or, once it installs a seccomp filter, the
 * runtime's window, not the workload. Its tasks have task_attribution.joined set and no pid
 * tag. Not pinned (after a reload a joiner falls back to its container's phase). LRU: the
 * entry of a joiner that died before its exec goes in time. An entry that cannot be made is
 * counted in kernel_errors (lost_joiner_phases, lost_inherited_phases). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} joiner_phases SEC(".maps");

/* Failures no container's record counts; see struct cradle_kernel_errors. One entry, pinned
 * like the records, so that a collector restart forgets no loss; only ever added to
 * (count_kernel_error). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cradle_kernel_errors);
} kernel_errors SEC(".maps");

/* Adds one to the kernel_errors counter `field`. */
#define count_kernel_error(field)                                                      \
	do {                                                                           \
		__u32 zero = 0;                                                        \
		struct cradle_kernel_errors *errors = bpf_map_lookup_elem(&kernel_errors, &zero); \
		if (errors)                                                            \
			__sync_fetch_and_add(&errors->field, 1);                       \
	} while (0)

#endif /* CRADLE_MAPS_BPF_H */
