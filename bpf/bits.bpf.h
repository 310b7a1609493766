/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers for words the programs share with other CPUs. Included by the other *.bpf.h. */
#ifndef CRADLE_BITS_BPF_H
#define CRADLE_BITS_BPF_H

#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

#define LOW_BITS(value, shift, bits) (((value) >> (shift)) & ((1ULL << (bits)) - 1))

/* Sets a bit once: the atomic OR only runs the first time, so hot syscalls cost a load. */
static __always_inline void set_bit(__u64 *word, __u64 mask)
{
	if (!(READ_ONCE(*word) & mask))
		__sync_fetch_and_or(word, mask);
}

#endif /* CRADLE_BITS_BPF_H */
