// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The floor: an empty program on the same attach point as cradled's syscall recorder.
 * Any tracer on raw_syscalls/sys_enter pays at least this. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}
