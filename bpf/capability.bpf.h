/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Capability checks: what a container's tasks asked for, granted or denied, and whether each
 * check was a requirement or a probe the caller copes without. Included once by each object
 * that observes them: cradle.bpf.c (the profiles) and events.bpf.c (`cradle events`), which
 * share this classification. */
#ifndef CRADLE_CAPABILITY_BPF_H
#define CRADLE_CAPABILITY_BPF_H

#include "bits.bpf.h"
#include "cradle_abi.h"

#define CALLER_STACK_DEPTH 12 /* kernel frames read to find a check's caller */

/* The bit of cap_capable()'s `opts` that makes a check a probe (include/linux/security.h),
 * which fexit/cap_capable and kprobe/cap_capable read. Since 5.1: "LSM: generalize flag passing
 * to security_capable" (Micah Morton) turned that fourth argument from `int audit` (1: audit)
 * into these flags. */
#define CAP_OPT_NOAUDIT 0x2

/* Whether a check made with `opts` is a requirement or a probe (fexit and kprobe sources). */
static __always_inline __u32 check_kind(unsigned int opts)
{
	return opts & CAP_OPT_NOAUDIT ? CRADLE_CHECK_PROBE : CRADLE_CHECK_AUDITED;
}

/* Set by the collector between open and load, from /proc/kallsyms (tp_btf source only). */
const volatile struct cradle_text_range cap_capable_text = {};
const volatile struct cradle_text_range security_capable_text = {};
const volatile struct cradle_text_range noaudit_callers[CRADLE_NOAUDIT_CALLERS] = {};

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

/* The capability:cap_capable tracepoint, since 6.14: d48da4d5ed7b ("security: add trace event
 * for cap_capable"), carries no opts, so a no-audit probe is told by who asked: the function
 * that called cap_capable (or, through security_capable, the function that called that).
 * CAP_OPT_NOAUDIT is chosen by the caller, and the callers that always pass it are known
 * (collector/kernel_symbols.cpp). Returns false when the caller is not found (`kind` is then
 * left alone): the callers below keep such a check as audited, so a requirement is never
 * dropped, at worst a probe is kept. */
static __always_inline bool classify_caller(void *ctx, __u32 *kind)
{
	__u64 frames[CALLER_STACK_DEPTH] = {};
	__u64 caller = 0;
	long size;
	int i, j;

	size = bpf_get_stack(ctx, frames, sizeof(frames), 0);
	if (size <= 0)
		return false;
	for (i = 0; i < CALLER_STACK_DEPTH - 1; i++) {
		if (!in_text(&cap_capable_text, frames[i]))
			continue;
		caller = frames[i + 1];
		if (in_text(&security_capable_text, caller))
			caller = i + 2 < CALLER_STACK_DEPTH ? frames[i + 2] : 0;
		break;
	}
	if (!caller)
		return false;
	*kind = CRADLE_CHECK_AUDITED;
	for (j = 0; j < CRADLE_NOAUDIT_CALLERS; j++) {
		if (in_text(&noaudit_callers[j], caller)) {
			*kind = CRADLE_CHECK_PROBE;
			break;
		}
	}
	return true;
}

/* classify_caller for a container's record: a check whose caller is not found counts as
 * unclassified and is kept as audited. */
static __always_inline __u32 classify_by_caller(void *ctx, struct cradle_record *record)
{
	__u32 kind = CRADLE_CHECK_AUDITED;

	if (!classify_caller(ctx, &kind))
		__sync_fetch_and_add(&record->unclassified_checks, 1);
	return kind;
}

/*
 * The kprobe source: kprobe/cap_capable sees the arguments, kretprobe/cap_capable the result.
 * The entry, once the caller's filters chose the task, holds the check for the return.
 */

/* A capability check seen at kprobe entry, waiting for its result at return. */
struct pending_check {
	__s32 cap;
	__u32 opts;
};

/* u64 pid_tgid -> struct pending_check: a task's check between kprobe entry and return (a
 * task is in one cap_capable at a time: it neither sleeps nor recurses). Made by every object
 * that includes this file, used by the kprobe source alone. An entry that cannot be made is a
 * check lost: hold_check's caller counts it (the collector in kernel_errors.lost_pending_checks,
 * the stream in lost_events).
 *
 * A return the kretprobe misses (more tasks in cap_capable at once than it has instances)
 * leaves its entry behind: LRU, so not for good, and the task's next entry replaces it
 * (hold_check) or removes it (drop_check), so that no return takes a check not its own. The
 * kernel counts such misses (the kretprobe's nmissed) where no program sees them: the check is
 * lost, and counted by no counter of ours. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pending_check);
} pending_checks SEC(".maps");

/* At kprobe/cap_capable of a check that is not held (its task not selected, or hold_check
 * failed): removes the entry a missed return left for the current task, lest this check's
 * return take it. A lookup first: most tasks have none, and a lookup takes no lock. */
static __always_inline void drop_check(void)
{
	__u64 task = bpf_get_current_pid_tgid();

	if (bpf_map_lookup_elem(&pending_checks, &task))
		bpf_map_delete_elem(&pending_checks, &task);
}

/* At kprobe/cap_capable: holds the current task's check for take_check. Returns false when it
 * could not be stored (the caller counts the check as lost); what a missed return left for the
 * task is then dropped, as it is not this check's. */
static __always_inline bool hold_check(int cap, unsigned int opts)
{
	__u64 task = bpf_get_current_pid_tgid();
	struct pending_check check = { .cap = cap, .opts = opts };

	if (bpf_map_update_elem(&pending_checks, &task, &check, BPF_ANY) == 0)
		return true;
	drop_check();
	return false;
}

/* At kretprobe/cap_capable: the current task's check held at entry, as its capability and
 * kind, taken out of pending_checks. Returns false when there is none (the entry did not
 * select the task). */
static __always_inline bool take_check(int *cap, __u32 *kind)
{
	__u64 task = bpf_get_current_pid_tgid();
	struct pending_check *check = bpf_map_lookup_elem(&pending_checks, &task);

	if (!check)
		return false;
	*cap = check->cap;
	*kind = check_kind(check->opts);
	bpf_map_delete_elem(&pending_checks, &task);
	return true;
}

#endif /* CRADLE_CAPABILITY_BPF_H */
