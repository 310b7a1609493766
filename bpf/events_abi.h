/* The contract between the event programs (bpf/events.bpf.c, loaded by `cradle events` only
 * while a stream runs) and their reader (cli/event_stream.cpp).
 *
 * Plain C, included by bpf/events.bpf.c and by C++ (which pins the layout with static_assert in
 * cli/event_stream.cpp). Fixed-width fields, largest first.
 *
 * Maps user space reads or writes:
 *   events       RINGBUF  struct events_record, variable length: the header, then `data_size`
 *                         bytes of items (struct events_item and its bytes, each item padded
 *                         to 4 bytes). Sized by `cradle events --buffer-pages`. Records wake
 *                         the reader in batches (EVENTS_WAKEUP_MAX), execs at once: the reader
 *                         also reads on a timeout.
 *   lost_events  PERCPU_ARRAY(1) u64: events the kernel side selected and could not report,
 *                         each counted once: records it could not put in `events` (the buffer
 *                         was full), syscalls whose task storage could not be made, and
 *                         capability checks the kprobe source could not hold from entry to
 *                         return (pending_checks, capability.bpf.h). The sum over CPUs is the
 *                         exact count of events lost since load, but for one limit of the
 *                         kprobe source: a check whose return the kretprobe missed (the kernel
 *                         counts those in the kretprobe's nmissed, where no program sees them)
 *                         is lost uncounted. The other sources miss nothing.
 *   lost_cgroups ARRAY(1) u64: cgroups made beneath a `container=ID` cgroup that did not fit
 *                         in filter_cgroups (EVENTS_MAX_FILTER_CGROUPS): their tasks are not
 *                         reported. Not events (how many such tasks would have made is not
 *                         known): the reader adds those it found at the start that did not
 *                         fit, warns and reports the sum in its summary.
 *   filter_pids  HASH     u32 host tgid -> u8: `pid=N` (user space fills it before attaching).
 *   filter_cgroups HASH   u64 cgroup id -> u8: `container=ID`: the collector's cgroup of ID (user
 *                         space) and every cgroup beneath it: those there at the start (user
 *                         space lists them once the programs are attached, each added before
 *                         its children are listed; one that does not fit is counted) and
 *                         those made since (the kernel side, at cgroup_mkdir; removed at
 *                         cgroup_rmdir; one that does not fit is counted in lost_cgroups).
 *   new_pid_ns   HASH     u32 pid namespace inode -> u8: namespaces created since load
 *                         (`container=new`); kernel side only.
 *   new_pids     HASH     u32 host tgid -> u8: processes created since load (`pid=new`);
 *                         kernel side only.
 * Settings (const volatile, set between open and load): the filters of struct events_filter,
 * which syscalls to report and what to capture of each (events_capture below), for the native
 * ABI and for the 32-bit one a 64-bit kernel also runs (x86's i386), each by its own numbers.
 */
#ifndef CRADLE_EVENTS_ABI_H
#define CRADLE_EVENTS_ABI_H

#ifdef __cplusplus
#include <cstdint>
typedef std::uint64_t events_u64;
typedef std::int64_t events_s64;
typedef std::uint32_t events_u32;
typedef std::uint16_t events_u16;
typedef std::uint8_t events_u8;
#else
typedef __u64 events_u64;
typedef __s64 events_s64;
typedef __u32 events_u32;
typedef __u16 events_u16;
typedef __u8 events_u8;
#endif

#define EVENTS_SYSCALL_SLOTS 512 /* syscall numbers reported: 0..511 */
#define EVENTS_SYSCALL_WORDS (EVENTS_SYSCALL_SLOTS / 64)
#define EVENTS_ARGS 6
#define EVENTS_COMM_SIZE 16
#define EVENTS_UTS_SIZE 72      /* the nodename (at most 64 bytes) + NUL, padded */
#define EVENTS_STRING_SIZE 256  /* bytes read of a string argument, NUL included */
#define EVENTS_ARGV_COUNT 20    /* elements read of an argv-like array */
#define EVENTS_ARGV_SIZE 128    /* bytes read of each of its elements, NUL included */
#define EVENTS_SOCKADDR_SIZE 128 /* bytes read of a sockaddr: sizeof(struct sockaddr_storage) */
#define EVENTS_DATA_SIZE 4096   /* the items of one record, at most */
#define EVENTS_WAKEUP_MAX (256 * 1024) /* unread bytes between wakeups of the reader, at most */
#define EVENTS_MAX_FILTER_PIDS 1024
#define EVENTS_MAX_FILTER_CGROUPS 1024
#define EVENTS_MAX_NEW_PIDS 65536
#define EVENTS_MAX_NEW_PID_NS 4096

/* What a record is about. */
enum events_kind {
	EVENTS_KIND_SYSCALL = 0,    /* entry and exit of syscall `nr`, `ret` its return value */
	EVENTS_KIND_CAPABILITY = 1, /* args[0] capability, args[1] events_check_kind, ret the answer
	                             * (0 granted, else -EPERM) */
	EVENTS_KIND_EXEC = 2,       /* an item (arg 0) with the file name the kernel executed */
	EVENTS_KIND_EXIT = 3,       /* args[0] the process's exit code (as wait() reports it) */
};

/* What the kernel side captures of one argument of a syscall: 4 bits an argument, argument i
 * at bits 4*i, in `syscall_capture[nr]`; bit 31 marks a syscall that does not return
 * (exit, exit_group), reported at entry; bit 30 one whose record wakes the reader at once. */
enum events_capture {
	EVENTS_CAPTURE_VALUE = 0,        /* the register alone */
	EVENTS_CAPTURE_STRING = 1,       /* a NUL-terminated string at entry */
	EVENTS_CAPTURE_ARGV = 2,         /* a NULL-terminated array of strings at entry */
	EVENTS_CAPTURE_SOCKADDR = 3,     /* a sockaddr at entry, its length the next argument */
	EVENTS_CAPTURE_SOCKADDR_EXIT = 4, /* a sockaddr at exit, its length at the next argument's
	                                   * pointer (accept, getsockname) */
	EVENTS_CAPTURE_CLONE_ARGS = 5,   /* a struct clone_args at entry, its size the next argument:
	                                  * an item of its flags and exit_signal (16 bytes), of its
	                                  * flags alone when the size stops before exit_signal
	                                  * (8 bytes, truncated), or of nothing when it stops before
	                                  * the end of flags (0 bytes, truncated) */
};
#define EVENTS_CAPTURE_BITS 4
#define EVENTS_CAPTURE_NORETURN (1u << 31)
#define EVENTS_CAPTURE_URGENT (1u << 30) /* wakes the reader at once (execve, execveat) */

/* Whether a capability check is a requirement or a probe: cradle_abi.h's cradle_check_kind. */
enum events_check_kind {
	EVENTS_CHECK_AUDITED = 0,
	EVENTS_CHECK_PROBE = 1,
	EVENTS_CHECK_UNCLASSIFIED = 2, /* the source cannot tell (kept as a requirement) */
};

#define EVENTS_RECORD_COMPAT 0x1u /* a syscall made through the 32-bit ABI: `nr` is that ABI's,
                                   * args[] its registers (ebx, ecx, ... on x86) zero-extended */

/* Filters (struct events_filter's `flags`); every one set must hold. */
#define EVENTS_FILTER_CONTAINER_NEW 0x1u /* the task's pid namespace is in new_pid_ns */
#define EVENTS_FILTER_CGROUP 0x2u        /* the task's cgroup is in filter_cgroups (which holds
                                          * the descendants of the containers' cgroups too) */
#define EVENTS_FILTER_PID_NEW 0x4u       /* the task's process is in new_pids */
#define EVENTS_FILTER_PID 0x8u           /* the task's process is in filter_pids */
#define EVENTS_FILTER_COMM 0x10u         /* the task's comm is one of `comms` */
#define EVENTS_FILTER_UID 0x20u          /* the task's uid is `uid` */

/* Events reported beside syscalls (struct events_filter's `events`). */
#define EVENTS_REPORT_CAPABILITY 0x1u
#define EVENTS_REPORT_EXEC 0x2u
#define EVENTS_REPORT_EXIT 0x4u

#define EVENTS_FILTER_COMMS 8

struct events_filter {
	char comms[EVENTS_FILTER_COMMS][EVENTS_COMM_SIZE]; /* comm=NAME, NUL-padded */
	events_u32 flags;      /* EVENTS_FILTER_* */
	events_u32 events;     /* EVENTS_REPORT_* */
	events_u32 uid;        /* uid=N */
	events_u32 comm_count; /* names used in `comms` */
};

/* One record of the events ring buffer. */
struct events_record {
	events_u64 boot_ns;          /* bpf_ktime_get_boot_ns() at exit (at entry: no-return syscalls) */
	events_u64 cgroup_id;        /* the task's cgroup v2 id */
	events_u64 args[EVENTS_ARGS]; /* the syscall's argument registers; see events_kind else */
	events_s64 ret;              /* the return value */
	events_u32 kind;             /* enum events_kind */
	events_u32 nr;               /* the syscall number (syscall records) */
	events_u32 host_pid;         /* tgid and thread id as the host sees them */
	events_u32 host_tid;
	events_u32 pid;              /* tgid, thread id and parent's tgid in the task's pid namespace */
	events_u32 tid;              /* (ppid 0 when the parent is outside it) */
	events_u32 ppid;
	events_u32 uid;              /* real uid, as the host sees it */
	events_u32 mnt_ns;           /* mount and pid namespace inode numbers */
	events_u32 pid_ns;
	events_u32 flags;            /* EVENTS_RECORD_* */
	events_u32 data_size;        /* bytes of items after the header */
	char comm[EVENTS_COMM_SIZE];
	char uts_name[EVENTS_UTS_SIZE];
};

#define EVENTS_ITEM_TRUNCATED 0x1u  /* cut at the reader's bound (string, array, sockaddr) */
#define EVENTS_ITEM_UNREADABLE 0x2u /* the memory could not be read: no bytes follow */
#define EVENTS_ITEM_ARRAY 0x4u      /* one element of an argv-like array, in order */

/* An item: a captured argument (strings: NUL excluded), followed by `size` bytes and padding to
 * 4 bytes. An array is one item per element, in order. */
struct events_item {
	events_u16 size;
	events_u8 arg;   /* the argument's index, 0..5 */
	events_u8 flags; /* EVENTS_ITEM_* */
};

#endif /* CRADLE_EVENTS_ABI_H */
