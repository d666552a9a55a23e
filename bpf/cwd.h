/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The working directory of an exec or failed exec, resolved in the kernel (cwd.bpf.c). */
#ifndef BOOTSTRAP_CWD_H
#define BOOTSTRAP_CWD_H

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/*
 * The working directory's components at `base` in this CPU's record (base is at most
 * BOOTSTRAP_CWD_AT_MOST(the argv cap)); returns their length. A global function: the verifier
 * checks its loop once.
 */
u32 copy_cwd_of(u64 fs_address, u32 base);

static __always_inline u32 copy_cwd(struct fs_struct *fs, u32 base)
{
	u32 len = copy_cwd_of((u64)fs, base);

	return len > BOOTSTRAP_CWD_MAX ? BOOTSTRAP_CWD_MAX
				       : len; /* never taken; for the verifier */
}

#endif /* BOOTSTRAP_CWD_H */
