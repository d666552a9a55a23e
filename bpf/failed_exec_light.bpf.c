// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Failed execs for the light skeleton (failed_exec.h), which needs Linux 5.17 anyway: argv with
 * bpf_loop, so the verifier checks one argument's copy instead of every iteration of the loop,
 * which costs milliseconds at every start.
 */
#include "failed_exec.h"

static long copy_failed_arg_callback(u32 index, void *copy)
{
	return copy_failed_arg(index, copy);
}

static __always_inline void copy_failed_args(struct argv_copy *copy)
{
	bpf_loop(BOOTSTRAP_FAILED_ARGS_MAX, copy_failed_arg_callback, copy, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	return failed_exec(regs, ret);
}
