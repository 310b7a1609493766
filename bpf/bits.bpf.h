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

/* Sets every bit of `mask` (none when it is 0) in a word of any width: the atomic OR only runs
 * while one of them is missing. For one bit of a __u64, set_bit is the same. */
#define set_bits(word, mask)                                          \
	do {                                                          \
		typeof(*(word)) bits_mask = (mask);                   \
		if ((READ_ONCE(*(word)) & bits_mask) != bits_mask)    \
			__sync_fetch_and_or((word), bits_mask);       \
	} while (0)

#endif /* CRADLE_BITS_BPF_H */
