// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `cradle events`: one record per syscall (entry and exit paired), capability check, exec and
 * process exit of the tasks the filters select, in a ring buffer. Loaded and attached by the
 * command alone, only while it runs; it shares no map with cradle.bpf.c. The record layout and
 * the maps are described in events_abi.h.
 *
 * The hot path: a syscall that is not reported costs a load of its bit in report_syscalls; a
 * task that the filters reject costs a few loads and one map lookup per filter. Only a
 * selected task pays for reading strings and its own task storage. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events_abi.h"
#include "kernel_quirks.bpf.h"
#include "capability.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* libbpf before 1.2 names five syscall arguments only. */
#ifndef PT_REGS_PARM6_SYSCALL
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6_SYSCALL(x) ((x)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6_SYSCALL(x) (((const struct user_pt_regs *)(x))->regs[5])
#endif
#endif

/* Set by the reader between open and load. */
const volatile struct events_filter filter = {};
/* Syscalls by number on each ABI: the native one, and the 32-bit one a 64-bit kernel also runs
 * (x86's i386), whose numbers are its own. report_syscalls is the union of the two, for the
 * first test every syscall makes. */
const volatile __u64 report_syscalls[EVENTS_SYSCALL_WORDS] = {}; /* bit nr: nr is reported on some ABI */
const volatile __u64 report_native[EVENTS_SYSCALL_WORDS] = {};   /* bit nr: report native syscall nr */
const volatile __u64 report_compat[EVENTS_SYSCALL_WORDS] = {};   /* bit nr: report 32-bit syscall nr */
const volatile __u32 syscall_capture[EVENTS_SYSCALL_SLOTS] = {}; /* enum events_capture per argument */
const volatile __u32 compat_syscall_capture[EVENTS_SYSCALL_SLOTS] = {}; /* the same, 32-bit numbers */
const volatile __u32 reader_tgid = 0;      /* the reader itself is never reported */
const volatile __u32 wakeup_step = 0;      /* unread bytes between wakeups (wakeup_flags) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 4096); /* set by the reader (--buffer-pages) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVENTS_MAX_FILTER_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVENTS_MAX_FILTER_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} filter_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVENTS_MAX_NEW_PID_NS);
	__type(key, __u32);
	__type(value, __u8);
} new_pid_ns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EVENTS_MAX_NEW_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} new_pids SEC(".maps");

/* A record being built: the header, then its items. */
struct events_buffer {
	struct events_record record;
	__u8 data[EVENTS_DATA_SIZE];
	__u32 active; /* sys_enter stored a syscall that sys_exit is to complete */
	__u32 padding;
};

/* task -> the syscall it is in: what sys_enter read, for sys_exit to complete. A task has one
 * once it made a reported syscall; the kernel frees it with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct events_buffer);
} pending SEC(".maps");

/* Capability checks, execs and exits are built here: they are sent at once. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct events_buffer);
} scratch SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 key = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &key);

	if (lost)
		*lost += 1; /* per CPU: no other writer */
}

/*
 * The task's identity is read by plain loads where the programs hold BTF pointers (the kernel
 * makes each a load that cannot fault): a helper call per field (BPF_CORE_READ) costs several
 * times more, on every event. An index by a variable (a pid's numbers[level]) and strings take
 * a helper.
 */

/* The pid's entry at `level`: its number there and the namespace. */
static __always_inline void read_upid(struct upid *upid, struct pid *pid, unsigned int level)
{
	bpf_probe_read_kernel(upid, sizeof(*upid), &pid->numbers[level]);
}

/* The inode of the task's own pid namespace: the one its pid was allocated in
 * (task_active_pid_ns). */
static __always_inline __u32 active_pid_ns(struct task_struct *task)
{
	struct pid *pid = task->thread_pid;
	struct upid upid = {};

	read_upid(&upid, pid, pid->level);
	return BPF_CORE_READ(upid.ns, ns.inum);
}

/* A process's tgid as seen in the pid namespace `ns` at `level`; 0 when it has none there. */
static __always_inline __u32 tgid_in(struct task_struct *task, unsigned int level, struct pid_namespace *ns)
{
	struct pid *pid = task->group_leader->thread_pid;
	struct upid upid = {};

	if (!pid || pid->level < level)
		return 0;
	read_upid(&upid, pid, level);
	return upid.ns == ns ? upid.nr : 0;
}

static __always_inline bool comm_selected(struct task_struct *task)
{
	char comm[EVENTS_COMM_SIZE] = {};
	__u32 i, j;

	bpf_probe_read_kernel(comm, sizeof(comm), task->comm);
	for (i = 0; i < EVENTS_FILTER_COMMS; i++) {
		bool same = true;

		if (i >= filter.comm_count)
			break;
		for (j = 0; j < EVENTS_COMM_SIZE; j++) {
			if (comm[j] != filter.comms[i][j]) {
				same = false;
				break;
			}
			if (!comm[j])
				break;
		}
		if (same)
			return true;
	}
	return false;
}

/* Whether the filters select `task`. The cheap ones first; each filter costs one lookup. */
static __always_inline bool selected(struct task_struct *task)
{
	__u32 flags = filter.flags;
	__u32 tgid = task->tgid;

	if (tgid == reader_tgid)
		return false;
	if (flags & EVENTS_FILTER_UID && task->cred->uid.val != filter.uid)
		return false;
	if (flags & EVENTS_FILTER_PID && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (flags & EVENTS_FILTER_PID_NEW && !bpf_map_lookup_elem(&new_pids, &tgid))
		return false;
	if (flags & EVENTS_FILTER_CGROUP) {
		__u64 cgroup = task_cgroup_id(task);

		if (!bpf_map_lookup_elem(&filter_cgroups, &cgroup))
			return false;
	}
	if (flags & EVENTS_FILTER_CONTAINER_NEW) {
		/* The namespace the task's children get is its own, or one of its descendants when
		 * it unshared or entered another (the kernel allows no other): the same one exactly
		 * when the levels are equal. Loads alone, no read of the pid's entry. */
		struct pid_namespace *children = task->nsproxy->pid_ns_for_children;
		__u32 ns = children->ns.inum;

		if (children->level != task->thread_pid->level || !bpf_map_lookup_elem(&new_pid_ns, &ns))
			return false;
	}
	if (flags & EVENTS_FILTER_COMM && !comm_selected(task))
		return false;
	return true;
}

/* The first `size` bytes (a multiple of 8) of a char array in a kernel object the program holds
 * a BTF pointer to, into `to`, 8 bytes a load: a helper call per string costs more. A string
 * being rewritten meanwhile may be read half old, half new, as a helper would read it. */
static __always_inline void copy_kernel_chars(char *to, const char *from, __u32 size)
{
	__u32 i;

#pragma unroll
	for (i = 0; i < size / 8; i++)
		((__u64 *)to)[i] = ((const __u64 *)from)[i];
}

/* The task's identity, namespaces and the time, into `record`. */
static __always_inline void fill_task(struct events_record *record, struct task_struct *task)
{
	struct pid *pid = task->thread_pid;
	unsigned int level = pid->level;
	struct nsproxy *nsproxy = task->nsproxy;
	struct upid upid = {};

	record->boot_ns = bpf_ktime_get_boot_ns();
	record->cgroup_id = bpf_get_current_cgroup_id();
	record->host_pid = task->tgid;
	record->host_tid = task->pid;
	read_upid(&upid, pid, level);
	record->tid = upid.nr;
	/* Most tasks give their children their own namespace: its number by loads. */
	if ((__u64)upid.ns == (__u64)nsproxy->pid_ns_for_children)
		record->pid_ns = nsproxy->pid_ns_for_children->ns.inum;
	else
		record->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	/* A process's main thread (most tasks) is its own group leader: its tid is the tgid. */
	record->pid = task->group_leader == task ? upid.nr : tgid_in(task, level, upid.ns);
	record->ppid = tgid_in(task->real_parent, level, upid.ns);
	record->uid = task->cred->uid.val;
	record->mnt_ns = nsproxy->mnt_ns->ns.inum;
	/* nodename holds at most 64 bytes and a NUL; comm 15 and a NUL (the kernel keeps both
	 * terminated). */
	copy_kernel_chars(record->uts_name, nsproxy->uts_ns->name.nodename, 64);
	*(__u64 *)&record->uts_name[64] = 0;
	copy_kernel_chars(record->comm, task->comm, sizeof(record->comm));
}

/* When a record wakes the reader. Waking it for each record (the ring buffer's default when the
 * reader keeps up) costs the traced task an interrupt (irq_work) and the reader a wakeup per
 * event, which at a high rate cost more than the event itself. So a record wakes the reader only
 * when the unread data crosses a multiple of wakeup_step (set by the reader: an eighth of the
 * buffer, EVENTS_WAKEUP_MAX at most, a batch of a few thousand records; 0 keeps the ring
 * buffer's own way); the reader reads what is below that on a short timeout
 * (cli/event_stream.cpp), which bounds the latency. A multiple, not the first step alone:
 * producers on two CPUs may both step over the first without either seeing it crossed. An exec
 * wakes the reader at once: it is when a container's workload starts, and the reader asks
 * cradled for the container while it still runs. */
static __always_inline __u64 wakeup_flags(__u32 size, bool urgent)
{
	__u64 unread;

	if (urgent)
		return BPF_RB_FORCE_WAKEUP;
	if (!wakeup_step)
		return 0;
	unread = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return unread / wakeup_step != (unread + size) / wakeup_step ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void send(struct events_buffer *buffer, bool urgent)
{
	__u32 size = buffer->record.data_size;

	if (size > EVENTS_DATA_SIZE)
		size = EVENTS_DATA_SIZE;
	size += sizeof(buffer->record);
	if (bpf_ringbuf_output(&events, buffer, size, wakeup_flags(size, urgent)))
		count_lost();
}

/*
 * Items: each starts at a 4-byte boundary of data[], a struct events_item then its bytes.
 */

#define ITEM_ROOM(max) (EVENTS_DATA_SIZE - sizeof(struct events_item) - (max))

static __always_inline __u32 item_end(__u32 offset, __u32 size)
{
	return offset + sizeof(struct events_item) + ((size + 3) & ~3u);
}

/* An item of no bytes with `flags` (EVENTS_ITEM_*) as item `arg` at `offset`, when there is room
 * for one. Returns the next offset. */
static __always_inline __u32 put_empty(struct events_buffer *buffer, __u32 offset, __u32 arg, __u32 flags)
{
	struct events_item *item;

	if (offset > ITEM_ROOM(0))
		return offset;
	item = (struct events_item *)&buffer->data[offset];
	item->arg = arg;
	item->flags = flags;
	item->size = 0;
	return item_end(offset, 0);
}

/*
 * The writers of items are global functions: the verifier checks each once, with any offset,
 * instead of once per path that leads to it (a path per argument and per element read or
 * not is more paths than it takes).
 */

#define PUT_USER 0x100    /* put_string: user memory (else kernel memory) */
#define PUT_ELEMENT 0x200 /* put_string: an array's element, EVENTS_ARGV_SIZE bytes at most */

/* A string read at `source` as item `arg` at `offset`: `how` holds the item's EVENTS_ITEM_*
 * flags and PUT_*. Returns the next offset. No room left: nothing is written, and the
 * argument reads as not captured. */
__noinline __u32 put_string(struct events_buffer *buffer, __u32 offset, __u32 arg, __u64 source, __u32 how)
{
	__u32 max = how & PUT_ELEMENT ? EVENTS_ARGV_SIZE : EVENTS_STRING_SIZE;
	struct events_item *item;
	long read;

	if (!buffer || offset > ITEM_ROOM(EVENTS_STRING_SIZE))
		return offset;
	item = (struct events_item *)&buffer->data[offset];
	if (how & PUT_ELEMENT)
		read = bpf_probe_read_user_str(&buffer->data[offset + sizeof(*item)], EVENTS_ARGV_SIZE,
					       (const void *)source);
	else if (how & PUT_USER)
		read = bpf_probe_read_user_str(&buffer->data[offset + sizeof(*item)], EVENTS_STRING_SIZE,
					       (const void *)source);
	else
		read = bpf_probe_read_kernel_str(&buffer->data[offset + sizeof(*item)], EVENTS_STRING_SIZE,
						 (const void *)source);
	item->arg = arg;
	item->flags = how & 0xff;
	if (read <= 0) {
		item->flags |= EVENTS_ITEM_UNREADABLE;
		item->size = 0;
		return item_end(offset, 0);
	}
	if (read == max)
		item->flags |= EVENTS_ITEM_TRUNCATED;
	item->size = read - 1;
	return item_end(offset, read - 1);
}

/* An argv-like array: one item per element, EVENTS_ARGV_COUNT at most. `compat`: a 32-bit
 * task's, whose pointers are 4 bytes (read into the low half: x86 and arm are little-endian). */
__noinline __u32 put_argv(struct events_buffer *buffer, __u32 offset, __u32 arg, __u64 array, __u32 compat)
{
	__u64 width = compat ? 4 : 8;
	__u64 element = 0;
	long error;
	__u32 i;

	if (!buffer)
		return offset;
	for (i = 0; i < EVENTS_ARGV_COUNT; i++) {
		const void *at = (const void *)(array + i * width);

		error = compat ? bpf_probe_read_user(&element, 4, at) : bpf_probe_read_user(&element, 8, at);
		if (error)
			return put_empty(buffer, offset, arg, EVENTS_ITEM_ARRAY | EVENTS_ITEM_UNREADABLE);
		if (!element)
			return offset;
		offset = put_string(buffer, offset, arg, element, EVENTS_ITEM_ARRAY | PUT_USER | PUT_ELEMENT);
	}
	/* More elements than read: a last, empty one says so. */
	return put_empty(buffer, offset, arg, EVENTS_ITEM_ARRAY | EVENTS_ITEM_TRUNCATED);
}

/* `length` bytes of a sockaddr at `source`, EVENTS_SOCKADDR_SIZE at most. */
__noinline __u32 put_sockaddr(struct events_buffer *buffer, __u32 offset, __u32 arg, __u64 source, __u64 length)
{
	struct events_item *item;
	__u32 size = length > EVENTS_SOCKADDR_SIZE ? EVENTS_SOCKADDR_SIZE : length;

	if (!buffer || offset > ITEM_ROOM(EVENTS_SOCKADDR_SIZE))
		return offset;
	item = (struct events_item *)&buffer->data[offset];
	item->arg = arg;
	item->flags = length > EVENTS_SOCKADDR_SIZE ? EVENTS_ITEM_TRUNCATED : 0;
	size &= 2 * EVENTS_SOCKADDR_SIZE - 1;
	if (size > EVENTS_SOCKADDR_SIZE)
		size = EVENTS_SOCKADDR_SIZE;
	if (size == 0 || bpf_probe_read_user(&buffer->data[offset + sizeof(*item)], size, (const void *)source)) {
		item->flags |= EVENTS_ITEM_UNREADABLE;
		item->size = 0;
		return item_end(offset, 0);
	}
	item->size = size;
	return item_end(offset, size);
}

/* Of the struct clone_args at `source` whose size clone3 was given as `size`: its flags
 * (offset 0) and exit_signal (offset 32), as far as `size` covers them (the kernel itself
 * refuses a size below CLONE_ARGS_SIZE_VER0, 64; the record shows what was asked). */
__noinline __u32 put_clone_args(struct events_buffer *buffer, __u32 offset, __u32 arg, __u64 source, __u64 size)
{
	struct events_item *item;
	__u8 *bytes;

	if (!buffer || offset > ITEM_ROOM(16))
		return offset;
	item = (struct events_item *)&buffer->data[offset];
	bytes = &buffer->data[offset + sizeof(*item)];
	item->arg = arg;
	item->flags = size < 40 ? EVENTS_ITEM_TRUNCATED : 0;
	item->size = size < 8 ? 0 : size < 40 ? 8 : 16;
	if (size < 8)
		return item_end(offset, 0);
	if (bpf_probe_read_user(bytes, 8, (const void *)source) ||
	    (size >= 40 && bpf_probe_read_user(bytes + 8, 8, (const void *)(source + 32)))) {
		item->flags |= EVENTS_ITEM_UNREADABLE;
		item->size = 0;
		return item_end(offset, 0);
	}
	return item_end(offset, item->size);
}

static __always_inline __u32 capture_of(__u32 capture, __u32 arg)
{
	return (capture >> (arg * EVENTS_CAPTURE_BITS)) & ((1u << EVENTS_CAPTURE_BITS) - 1);
}

/* What sys_enter reads of the arguments, as syscall_capture says. */
static __always_inline __u32 capture_at_entry(struct events_buffer *buffer, __u32 capture, __u32 compat)
{
	__u64 *args = buffer->record.args;
	__u32 offset = 0;
	__u32 i;

	for (i = 0; i < EVENTS_ARGS; i++) {
		__u32 what = capture_of(capture, i);

		if (what == EVENTS_CAPTURE_STRING)
			offset = put_string(buffer, offset, i, args[i], PUT_USER);
		else if (what == EVENTS_CAPTURE_ARGV)
			offset = put_argv(buffer, offset, i, args[i], compat);
		else if (what == EVENTS_CAPTURE_SOCKADDR && i + 1 < EVENTS_ARGS && args[i])
			offset = put_sockaddr(buffer, offset, i, args[i], args[i + 1]);
		else if (what == EVENTS_CAPTURE_CLONE_ARGS && i + 1 < EVENTS_ARGS)
			offset = put_clone_args(buffer, offset, i, args[i], args[i + 1]);
	}
	return offset;
}

/* What sys_exit reads: the addresses accept and getsockname wrote, when they succeeded. */
static __always_inline __u32 capture_at_exit(struct events_buffer *buffer, __u32 capture, __u32 offset)
{
	__u64 *args = buffer->record.args;
	__u32 length = 0;
	__u32 i;

	if (buffer->record.ret < 0)
		return offset;
	for (i = 0; i + 1 < EVENTS_ARGS; i++) {
		if (capture_of(capture, i) != EVENTS_CAPTURE_SOCKADDR_EXIT || !args[i] || !args[i + 1])
			continue;
		if (bpf_probe_read_user(&length, sizeof(length), (const void *)args[i + 1]))
			continue;
		offset = put_sockaddr(buffer, offset, i, args[i], length);
	}
	return offset;
}

/*
 * Syscalls: raw_syscalls:sys_enter and sys_exit through BTF (no tracefs needed). sys_enter
 * reads the arguments and what they point to before the kernel uses them; sys_exit adds the
 * return value and sends one record.
 */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct events_buffer *buffer;
	__u32 nr, capture, compat;

	if (id < 0 || id >= EVENTS_SYSCALL_SLOTS)
		return 0;
	nr = id;
	barrier_var(nr);
	nr &= EVENTS_SYSCALL_SLOTS - 1;
	if (!(report_syscalls[nr / 64] & (1ULL << (nr % 64))))
		return 0;
	compat = task_abi(task) == CRADLE_ABI_COMPAT;
	if (!((compat ? report_compat : report_native)[nr / 64] & (1ULL << (nr % 64))))
		return 0;
	if (!selected(task))
		return 0;
	buffer = bpf_task_storage_get(&pending, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!buffer) {
		count_lost();
		return 0;
	}
	buffer->record.kind = EVENTS_KIND_SYSCALL;
	buffer->record.nr = nr;
	buffer->record.flags = compat ? EVENTS_RECORD_COMPAT : 0;
	buffer->record.ret = 0;
	buffer->record.args[0] = PT_REGS_PARM1_SYSCALL(regs);
	buffer->record.args[1] = PT_REGS_PARM2_SYSCALL(regs);
	buffer->record.args[2] = PT_REGS_PARM3_SYSCALL(regs);
	buffer->record.args[3] = PT_REGS_PARM4_SYSCALL(regs);
	buffer->record.args[4] = PT_REGS_PARM5_SYSCALL(regs);
	buffer->record.args[5] = PT_REGS_PARM6_SYSCALL(regs);
#ifdef __TARGET_ARCH_x86
	if (compat) {
		/* An i386 syscall takes its arguments from ebx, ecx, edx, esi, edi and ebp, 32 bits
		 * each (the __ia32_sys_ wrappers truncate them). */
		buffer->record.args[0] = (__u32)regs->bx;
		buffer->record.args[1] = (__u32)regs->cx;
		buffer->record.args[2] = (__u32)regs->dx;
		buffer->record.args[3] = (__u32)regs->si;
		buffer->record.args[4] = (__u32)regs->di;
		buffer->record.args[5] = (__u32)regs->bp;
	}
#endif
	capture = compat ? compat_syscall_capture[nr] : syscall_capture[nr];
	/* Most syscalls capture nothing (event=all's, read, write): no walk of their arguments. */
	buffer->record.data_size = capture ? capture_at_entry(buffer, capture, compat) : 0;
	if (capture & EVENTS_CAPTURE_NORETURN) {
		/* exit and exit_group never reach sys_exit. */
		buffer->active = 0;
		fill_task(&buffer->record, task);
		send(buffer, false);
		return 0;
	}
	buffer->active = 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct events_buffer *buffer;
	__u32 nr, capture;

	/* Most tasks have no task storage at all: one load. */
	if (!task->bpf_storage)
		return 0;
	buffer = bpf_task_storage_get(&pending, task, NULL, 0);
	if (!buffer || !buffer->active)
		return 0;
	buffer->active = 0;
	buffer->record.ret = ret;
	nr = buffer->record.nr & (EVENTS_SYSCALL_SLOTS - 1);
	capture = buffer->record.flags & EVENTS_RECORD_COMPAT ? compat_syscall_capture[nr] : syscall_capture[nr];
	if (capture)
		buffer->record.data_size =
			capture_at_exit(buffer, capture, buffer->record.data_size & (EVENTS_DATA_SIZE - 1));
	fill_task(&buffer->record, task);
	send(buffer, capture & EVENTS_CAPTURE_URGENT);
	return 0;
}

/*
 * Cgroups: container=ID selects the container's cgroup and every cgroup beneath it (systemd in
 * a container, a nested runtime). User space lists those there at the start; those made since
 * are added here, as the collector's programs do for the containers it traces (cradle.bpf.c).
 * Loaded only under container=ID.
 */

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	const __u8 mark = 1;
	__u64 id, parent_id, *lost;
	__u32 key = 0;

	if (!on_default_hierarchy(cgrp))
		return 0;
	parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
	if (!bpf_map_lookup_elem(&filter_cgroups, &parent_id))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	/* A full map leaves the cgroup out, and its tasks unreported: the reader is told
	 * (EVENTS_MAX_FILTER_CGROUPS is far above what containers make). */
	if (bpf_map_update_elem(&filter_cgroups, &id, &mark, BPF_ANY)) {
		lost = bpf_map_lookup_elem(&lost_cgroups, &key);
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (!on_default_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&filter_cgroups, &id);
	return 0;
}

/*
 * Processes
 */

/* What is new since the stream started: every process created from now on (pid=new), and
 * every pid namespace a new process is the first of (container=new: a runtime's container
 * init is created in the namespace it asked for with clone(CLONE_NEWPID) or after
 * unshare(CLONE_NEWPID); nothing needs to be told about containers). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	const __u8 mark = 1;
	__u32 tgid = child->tgid;

	if (child->pid != tgid)
		return 0; /* a thread: its process is what counts */
	if (filter.flags & EVENTS_FILTER_PID_NEW)
		bpf_map_update_elem(&new_pids, &tgid, &mark, BPF_ANY);
	if (filter.flags & EVENTS_FILTER_CONTAINER_NEW) {
		__u32 ns = active_pid_ns(child);

		if (ns != active_pid_ns(parent))
			bpf_map_update_elem(&new_pid_ns, &ns, &mark, BPF_ANY);
	}
	return 0;
}

/* This CPU's buffer for a record of `kind` sent at once, its header cleared but for what
 * fill_task writes. */
static __always_inline struct events_buffer *scratch_buffer(__u32 kind)
{
	__u32 key = 0;
	struct events_buffer *buffer = bpf_map_lookup_elem(&scratch, &key);

	if (!buffer)
		return NULL;
	buffer->record.kind = kind;
	buffer->record.nr = 0;
	buffer->record.flags = 0;
	buffer->record.ret = 0;
	buffer->record.data_size = 0;
	__builtin_memset(buffer->record.args, 0, sizeof(buffer->record.args));
	return buffer;
}

/* The program the kernel executed: bprm's file name, the kernel's own copy of the path it
 * opened, read after the exec succeeded (a program that rewrites its argument buffer cannot
 * change it). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct events_buffer *buffer;

	if (!(filter.events & EVENTS_REPORT_EXEC) || !selected(task))
		return 0;
	buffer = scratch_buffer(EVENTS_KIND_EXEC);
	if (!buffer)
		return 0;
	buffer->record.args[0] = old_pid;
	buffer->record.data_size = put_string(buffer, 0, 0, (__u64)BPF_CORE_READ(bprm, filename), 0);
	fill_task(&buffer->record, task);
	send(buffer, true);
	return 0;
}

/* A process ends when its last thread does (signal->live reached 0 before the tracepoint). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct events_buffer *buffer;
	__u32 tgid = task->tgid;

	if (task->signal->live.counter != 0)
		return 0;
	if (filter.events & EVENTS_REPORT_EXIT && selected(task)) {
		buffer = scratch_buffer(EVENTS_KIND_EXIT);
		if (buffer) {
			buffer->record.args[0] = task->exit_code;
			fill_task(&buffer->record, task);
			send(buffer, false);
		}
	}
	if (filter.flags & EVENTS_FILTER_PID_NEW)
		bpf_map_delete_elem(&new_pids, &tgid);
	return 0;
}

/*
 * Capability checks: the reader loads the first of these the kernel accepts, as the collector
 * does (collector/tracer.cpp), with the same classification (capability.bpf.h): the
 * capability:cap_capable tracepoint, fexit on cap_capable, or a kprobe with a kretprobe on it
 * (kernels with BTF but no BPF trampolines). The kprobe pair reads the task as the others do:
 * kprobe programs may call bpf_get_current_task_btf and load through its pointer since 5.11,
 * 3ca1032ab7ab ("bpf: Implement get_current_task_btf and RET_PTR_TO_BTF_ID"), so one
 * selected() serves every source.
 */

_Static_assert(EVENTS_CHECK_AUDITED == CRADLE_CHECK_AUDITED && EVENTS_CHECK_PROBE == CRADLE_CHECK_PROBE,
	       "events_check_kind follows cradle_check_kind");

/* Called for a selected task only: classifying by caller reads the stack. */
static __always_inline void send_check(struct task_struct *task, int cap, int ret, __u32 kind)
{
	struct events_buffer *buffer = scratch_buffer(EVENTS_KIND_CAPABILITY);

	if (!buffer)
		return;
	buffer->record.args[0] = cap;
	buffer->record.args[1] = kind;
	buffer->record.ret = ret;
	fill_task(&buffer->record, task);
	send(buffer, false);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_tp, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 kind = CRADLE_CHECK_AUDITED;

	if (!(filter.events & EVENTS_REPORT_CAPABILITY) || !selected(task))
		return 0;
	if (!classify_caller(ctx, &kind))
		kind = EVENTS_CHECK_UNCLASSIFIED;
	send_check(task, cap, ret, kind);
	return 0;
}

SEC("fexit/cap_capable")
int BPF_PROG(cap_capable_fexit, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts,
	     int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!(filter.events & EVENTS_REPORT_CAPABILITY) || !selected(task))
		return 0;
	send_check(task, cap, ret, check_kind(opts));
	return 0;
}

/* The filters decide at entry; the return reports what the entry held. A check whose entry
 * could not be held is an event lost, counted as one in lost_events. A check not held drops
 * what a missed return left (drop_check): a lookup per check of every task on the host, paid
 * by the kprobe fallback alone. */
SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_capable_entry, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!(filter.events & EVENTS_REPORT_CAPABILITY) || !selected(task)) {
		drop_check();
		return 0;
	}
	if (!hold_check(cap, opts))
		count_lost();
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(cap_capable_return, int ret)
{
	__u32 kind;
	int cap;

	if (take_check(&cap, &kind))
		send_check(bpf_get_current_task_btf(), cap, ret, kind);
	return 0;
}
