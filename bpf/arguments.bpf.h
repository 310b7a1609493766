/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The arguments of the few syscalls a profile filters by argument (enum
 * cradle_argument_syscall): socket's address family, the namespace flags of clone, clone3 and
 * unshare, personality's persona. ORed into the container's record like the syscall sets, not
 * sent as events. Included once, by cradle.bpf.c. */
#ifndef CRADLE_ARGUMENTS_BPF_H
#define CRADLE_ARGUMENTS_BPF_H

#include "bits.bpf.h"
#include "cradle_abi.h"

/* Set by the collector between open and load: the number of each syscall of enum
 * cradle_argument_syscall on each ABI (enum cradle_abi), from libseccomp; -1 where the ABI has
 * none of its own (x86's socket is also reached through socketcall, whose arguments are in
 * user memory: not recorded, see README). */
const volatile __s32 nr_argument_syscalls[CRADLE_ABI_COUNT][CRADLE_ARGS_COUNT] = {
	{ -1, -1, -1, -1, -1 },
	{ -1, -1, -1, -1, -1 },
};

/* Which syscall of enum cradle_argument_syscall `id` is on `abi`, or -1 (every other syscall:
 * this is all they pay). */
static __always_inline int argument_syscall(long id, __u32 abi)
{
	abi &= CRADLE_ABI_COUNT - 1;
#pragma unroll
	for (int n = 0; n < CRADLE_ARGS_COUNT; n++) {
		if (id == nr_argument_syscalls[abi][n])
			return n;
	}
	return -1;
}

/* The syscall's first argument as the syscall itself takes it. */
static __always_inline __u64 first_argument(struct pt_regs *regs, __u32 abi)
{
#ifdef __TARGET_ARCH_x86
	/* An i386 syscall takes its arguments from ebx, ecx, ...: 32 bits (the __ia32_sys_
	 * wrappers truncate the registers). */
	if (abi == CRADLE_ABI_COMPAT)
		return (__u32)BPF_CORE_READ(regs, bx);
#endif
	return PT_REGS_PARM1_CORE_SYSCALL(regs);
}

/* Adds persona `value` to `args`; false when it cannot be kept (no free slot). */
static __always_inline bool add_persona(struct cradle_arguments *args, __u64 value)
{
	__u64 stored = value + 1, old;

#pragma unroll
	for (int i = 0; i < CRADLE_PERSONAS; i++) {
		old = READ_ONCE(args->personas[i]);
		if (old == 0)
			old = __sync_val_compare_and_swap(&args->personas[i], 0, stored);
		/* 0: this CPU took the free slot; `stored`: another one holds the value already. */
		if (old == 0 || old == stored)
			return true;
	}
	return false;
}

/* Records in `args` (the record's arrays for the syscall's phase) the arguments of syscall
 * `which` (enum cradle_argument_syscall), made on `abi` with `regs`. */
static __always_inline void record_arguments(struct cradle_arguments *args, int which, struct pt_regs *regs,
					     __u32 abi)
{
	__u64 arg = first_argument(regs, abi);
	struct clone_args *user_args;
	bool kept = true;
	__u64 flags;

	switch (which) {
	case CRADLE_ARGS_SOCKET:
		if (arg < 64)
			set_bit(&args->socket_families, 1ULL << arg);
		else
			kept = false;
		break;
	case CRADLE_ARGS_CLONE:
		set_bits(&args->clone_namespaces, arg & CRADLE_CLONE_NAMESPACES);
		break;
	case CRADLE_ARGS_CLONE3:
		/* Read without faulting: a page not present is a value not kept. */
		user_args = (struct clone_args *)arg;
		if (bpf_probe_read_user(&flags, sizeof(flags), &user_args->flags) == 0)
			set_bits(&args->clone3_namespaces, flags & (CRADLE_CLONE_NAMESPACES | CRADLE_CLONE_NEWTIME));
		else
			kept = false;
		break;
	case CRADLE_ARGS_UNSHARE:
		set_bits(&args->unshare_namespaces, arg & (CRADLE_CLONE_NAMESPACES | CRADLE_CLONE_NEWTIME));
		break;
	case CRADLE_ARGS_PERSONALITY:
		kept = arg <= 0xffffffffULL && add_persona(args, arg);
		break;
	default:
		return;
	}
	if (!kept)
		set_bits(&args->any, 1u << which);
	/* After the value: a reader that finds the bit finds the value. */
	set_bits(&args->recorded, 1u << which);
}

#endif /* CRADLE_ARGUMENTS_BPF_H */
