// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Failed execs for libbpf's skeleton (failed_exec.h): argv in a bounded loop, which kernels without
 * bpf_loop (before 5.17) load too.
 */
#include "failed_exec.h"

static __always_inline void copy_failed_args(struct argv_copy *copy)
{
	for (u32 i = 0; i < BOOTSTRAP_FAILED_ARGS_MAX; i++)
		if (copy_failed_arg(i, copy))
			break;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	return failed_exec(regs, ret);
}
