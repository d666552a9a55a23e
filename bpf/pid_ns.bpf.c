// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The global functions of pid_ns.h. Linked into every variant. */
#include "pid_ns.h"

/* include/linux/pid_namespace.h: namespaces nest at most this deep. */
#define MAX_PID_NS_LEVEL 32

/*
 * The kernel keeps the CO-RE candidates it found for a type name in a small table indexed by a hash
 * of the name, where pid, pid_namespace and fs_struct share an entry: each switch from one to
 * another in the relocations costs a new search of the whole kernel BTF (about half a millisecond)
 * at every start. Read in this one global function, pid_namespace comes once per program instead of
 * between every two reads of a struct pid.
 */
__noinline u32 pid_ns_inum(u64 address)
{
	struct pid_namespace *ns = (struct pid_namespace *)address;

	return BPF_CORE_READ(ns, ns.inum);
}

__noinline u32 number_in_tracer_ns_of(u64 address)
{
	struct pid *pid = (struct pid *)address;
	u32 top = BPF_CORE_READ(pid, level), level = pidns_level;

	if (!level) {
		for (u32 i = 1; i <= MAX_PID_NS_LEVEL && i <= top; i++) {
			if (pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[i].ns)) ==
			    settings.pidns_inum) {
				level = pidns_level = i;
				break;
			}
		}
		if (!level)
			return 0;
	}
	if (level > top ||
	    pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[level].ns)) != settings.pidns_inum)
		return 0;
	return BPF_CORE_READ(pid, numbers[level].nr);
}
