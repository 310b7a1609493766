/* The contract between Cradle's BPF programs and its user-space code.
 *
 * Plain C, included by bpf/cradle.bpf.c and by C++ (which pins the layout with
 * static_assert in profilegen/kernel_record.cpp). Fixed-width fields, largest first.
 *
 * Maps user space reads or writes (bpf/maps.bpf.h defines them and the kernel side's own):
 *   cgroup_slots  HASH   u64 cgroup id -> u32 slot. A traced container's cgroup and every
 *                        cgroup created beneath it map to the container's slot.
 *   containers    ARRAY  slot -> struct cradle_container. User space owns the metadata and
 *                        zeroes a slot before it publishes the slot in cgroup_slots; the
 *                        kernel side only ORs bits into `record` and counts losses.
 *   runtime_baseline ARRAY(1) struct cradle_runtime_baseline, user space only.
 *   gone_cgroups  RINGBUF  u32 slot, sent when a traced container's own cgroup is removed, so
 *                        the collector flushes it at once (poststop may come late or never).
 * User space pins every map under the collector's --pin-dir (so a restart loses nothing) except
 * pid_marks and joiner_phases, which start empty with each load.
 *
 * User space runs the adopt_tasks iterator (iter/task) after it publishes a cgroup in
 * cgroup_slots: it attributes every task already in a traced cgroup to the container. From then
 * on the kernel side itself follows the tasks created in or moved into traced cgroups.
 */
#ifndef CRADLE_ABI_H
#define CRADLE_ABI_H

#ifdef __cplusplus
#include <cstdint>
typedef std::uint64_t cradle_u64;
typedef std::uint32_t cradle_u32;
#else
typedef __u64 cradle_u64;
typedef __u32 cradle_u32;
#endif

#define CRADLE_SYSCALL_SLOTS 512 /* syscall numbers recorded per ABI: 0..511 */
#define CRADLE_SYSCALL_WORDS (CRADLE_SYSCALL_SLOTS / 64)
#define CRADLE_CAPABILITY_SLOTS 64  /* capability numbers recorded: 0..63 */
#define CRADLE_MAX_CONTAINERS 1024  /* containers traced at once (default; --max-containers) */
#define CRADLE_MAX_CGROUPS 16384    /* their cgroups, children included (default; --max-cgroups) */
#define CRADLE_ID_SIZE 128          /* container id, NUL-terminated, truncated */
#define CRADLE_NAME_SIZE 136        /* expanded profile name (at most 128) + NUL */
#define CRADLE_RUNTIME_NAME_SIZE 32 /* runtime or manager name (at most 31) + NUL */
#define CRADLE_RUNTIME_PATH_SIZE 128 /* runtime path (at most 127) + NUL */
#define CRADLE_NOAUDIT_CALLERS 8    /* kernel functions known to make no-audit checks */
#define CRADLE_PERSONAS 8           /* distinct personality() values kept per phase */

/* Where in a container's life a syscall or capability check happened. */
enum cradle_phase {
	/* The runtime prepares the container (mounts, pivot_root, ...): information only. */
	CRADLE_PHASE_SETUP = 0,
	/* The runtime installed a seccomp filter and has not exec'd the workload yet: these
	 * syscalls must be allowed by any profile, or the container cannot start. */
	CRADLE_PHASE_RUNTIME = 1,
	/* From the container init's exec on: the workload. */
	CRADLE_PHASE_WORKLOAD = 2,
	CRADLE_PHASE_COUNT = 3,
};

/* Which syscall table a number belongs to. */
enum cradle_abi {
	CRADLE_ABI_NATIVE = 0, /* e.g. x86_64 */
	CRADLE_ABI_COMPAT = 1, /* e.g. i386 int 0x80 / sysenter from a 64-bit kernel */
	CRADLE_ABI_COUNT = 2,
};

/* Whether a capability check is a requirement or only a probe. */
enum cradle_check_kind {
	CRADLE_CHECK_AUDITED = 0, /* an ordinary check: the caller needs the capability */
	CRADLE_CHECK_PROBE = 1,   /* CAP_OPT_NOAUDIT: the caller copes with either answer */
	CRADLE_CHECK_KIND_COUNT = 2,
};

/* How capability checks are observed; reported by the collector. */
enum cradle_capability_source {
	CRADLE_CAPS_NONE = 0,
	CRADLE_CAPS_TP_BTF = 1, /* tp_btf/cap_capable (kernel 6.14+), probes told by caller */
	CRADLE_CAPS_FEXIT = 2,  /* fexit/cap_capable, probes told by the opts argument */
	CRADLE_CAPS_KPROBE = 3, /* kprobe + kretprobe on cap_capable, probes told by opts */
};

/* The syscalls whose arguments the kernel side records, for the profile's argument filters:
 * bit (1 << n) of struct cradle_arguments' `recorded` and `any` stands for syscall n. */
enum cradle_argument_syscall {
	CRADLE_ARGS_SOCKET = 0,      /* argument 0, the address family */
	CRADLE_ARGS_CLONE = 1,       /* argument 0, the flags: their namespace flags */
	CRADLE_ARGS_CLONE3 = 2,      /* clone_args.flags in user memory: their namespace flags */
	CRADLE_ARGS_UNSHARE = 3,     /* argument 0, the flags: their namespace flags */
	CRADLE_ARGS_PERSONALITY = 4, /* argument 0, the persona */
	CRADLE_ARGS_COUNT = 5,
};

/* The namespace flags (CLONE_NEW*, include/uapi/linux/sched.h) the kernel side keeps: those
 * clone() takes, and CLONE_NEWTIME (0x80), which only clone3() and unshare() take (in clone()
 * the bit belongs to the exit signal). */
#define CRADLE_CLONE_NAMESPACES 0x7e020000ULL /* NEWNS NEWCGROUP NEWUTS NEWIPC NEWUSER NEWPID NEWNET */
#define CRADLE_CLONE_NEWTIME 0x80ULL

#define CRADLE_RECORD_CGROUP_REMOVED 0x1u /* the container's own cgroup was removed */

struct cradle_capability_checks {
	cradle_u64 granted; /* bit n: a check for capability n succeeded */
	cradle_u64 denied;  /* bit n: a check for capability n failed */
};

/* What the syscalls of enum cradle_argument_syscall were called with, in one phase, on either
 * ABI (the values mean the same on both). Each field only ever gains bits or values. */
struct cradle_arguments {
	cradle_u64 socket_families;    /* bit n: socket(n, ...), for n in 0..63 */
	cradle_u64 clone_namespaces;   /* the CRADLE_CLONE_NAMESPACES flags clone() was given, ORed */
	cradle_u64 clone3_namespaces;  /* ... and CRADLE_CLONE_NEWTIME, given to clone3(), ORed */
	cradle_u64 unshare_namespaces; /* ... and CRADLE_CLONE_NEWTIME, given to unshare(), ORed */
	cradle_u64 personas[CRADLE_PERSONAS]; /* personality(p): p + 1 (0: a free slot), p below
	                                       * 2^32, each value once (two CPUs racing may
	                                       * store one twice) */
	cradle_u32 recorded; /* bit (1 << n): syscall n was made, its arguments are above */
	cradle_u32 any;      /* bit (1 << n): a value of syscall n was not kept (a family above 63,
	                      * a persona above 2^32-1 or beyond CRADLE_PERSONAS, a clone_args
	                      * that could not be read): take it as made with any value */
};

/* What one container did; written by the kernel side only. */
struct cradle_record {
	cradle_u64 syscalls[CRADLE_PHASE_COUNT][CRADLE_ABI_COUNT][CRADLE_SYSCALL_WORDS];
	struct cradle_capability_checks checks[CRADLE_PHASE_COUNT][CRADLE_CHECK_KIND_COUNT];
	struct cradle_arguments arguments[CRADLE_PHASE_COUNT];
	cradle_u64 lost_syscalls;       /* syscall numbers outside 0..CRADLE_SYSCALL_SLOTS-1 */
	cradle_u64 lost_capabilities;   /* capability numbers outside 0..63 */
	cradle_u64 lost_cgroups;        /* child cgroups not attributed: cgroup_slots was full */
	cradle_u64 unclassified_checks; /* checks whose caller was not found: kept as audited */
	cradle_u64 lost_tasks;          /* tasks of its cgroups not attributed: task storage could not
	                                 * be made (no memory, or task storage busy) */
	cradle_u32 phase;               /* enum cradle_phase, only ever advanced */
	cradle_u32 flags;               /* CRADLE_RECORD_* */
};

/* One slot of the containers map. */
struct cradle_container {
	struct cradle_record record;
	cradle_u64 cgroup_id;        /* the container's own cgroup (cgroup2 inode number) */
	cradle_u64 registered_at;    /* CLOCK_REALTIME seconds at registration */
	cradle_u64 generation;       /* CLOCK_BOOTTIME ns at registration: new with each use of
	                              * the slot, so a task still attributed to an earlier owner is
	                              * not taken for the current one */
	cradle_u32 in_use;           /* 1 while the slot belongs to a container */
	cradle_u32 init_pid;         /* its init process (host pid); its exec starts the workload */
	char id[CRADLE_ID_SIZE];     /* the runtime's container id */
	char name[CRADLE_NAME_SIZE]; /* the expanded profile name */
	/* The runtime that created the container and what drove it, as the hook told
	 * (common/container_runtime.h); "" when unknown. Kept here so that a restarted collector
	 * still knows them; the kernel side never reads them. In ContainerRuntime's order. */
	char runtime_name[CRADLE_RUNTIME_NAME_SIZE];
	char runtime_path[CRADLE_RUNTIME_PATH_SIZE];
	char runtime_manager[CRADLE_RUNTIME_NAME_SIZE];
};

/* The runtime's post-filter syscalls, as measured so far on this machine: the union of the
 * CRADLE_PHASE_RUNTIME sets of every forgotten container that installed a seccomp filter.
 * Every recording's own window is joined with it, and it stands in for the window of
 * containers recorded without a filter. Written by user space only. */
struct cradle_runtime_baseline {
	cradle_u64 syscalls[CRADLE_ABI_COUNT][CRADLE_SYSCALL_WORDS];
	struct cradle_arguments arguments; /* the windows' arguments, joined likewise */
	cradle_u64 samples;                /* containers that contributed */
};

/* Failures of the kernel side that no counter of struct cradle_record (whose layout the pins
 * fix) counts: the one entry of the kernel_errors map, pinned (a collector restart keeps
 * it). Written by the kernel side only. */
struct cradle_kernel_errors {
	cradle_u64 lost_pending_checks;   /* kprobe fallback: capability checks whose entry for the
	                                   * kretprobe could not be stored (pending_checks): their
	                                   * result is not recorded. A check whose return the
	                                   * kretprobe missed is lost too, and counted nowhere
	                                   * (capability.bpf.h) */
	cradle_u64 lost_joiner_phases;    /* processes that joined a container after its workload
	                                   * started whose phase could not be stored (joiner_phases):
	                                   * until their exec, what they do counts in their
	                                   * container's phase */
	cradle_u64 lost_inherited_phases; /* processes a joiner created whose copy of its phase
	                                   * could not be stored: likewise */
};

/* A kernel function's text, [start, end), as found in /proc/kallsyms. */
struct cradle_text_range {
	cradle_u64 start;
	cradle_u64 end;
};

#endif /* CRADLE_ABI_H */
