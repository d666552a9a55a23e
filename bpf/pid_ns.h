/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process ids as the tracer's pid namespace numbers them (settings.pidns_inum; 0 when the tracer
 * runs in the host's), and pid namespaces' inode numbers.
 */
#ifndef BOOTSTRAP_PID_NS_H
#define BOOTSTRAP_PID_NS_H

#include "maps.h"
#include <bpf/bpf_core_read.h>

/*
 * Global functions, defined in pid_ns.bpf.c: the verifier checks each once, however many places
 * call it. They take addresses as numbers because a global function's pointers must be to memory
 * the verifier knows.
 */
/* A pid namespace's inode number. */
u32 pid_ns_inum(u64 pid_namespace_address);
/*
 * A struct pid's number in the tracer's pid namespace, or 0 when it has none there (the task lives
 * outside the namespace, or has no pid any more).
 */
u32 number_in_tracer_ns_of(u64 pid_address);

static __always_inline u32 number_in_tracer_ns(struct pid *pid)
{
	return number_in_tracer_ns_of((u64)pid);
}

/*
 * Process and thread ids as the tracer's pid namespace numbers them (0: not in it). In the host's
 * namespace that is the task's own fields, and the rest is never verified. `task` must be a trusted
 * pointer (a program argument); process_id_of() takes any.
 */
static __always_inline u32 process_id(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return task->tgid;
	return number_in_tracer_ns(BPF_CORE_READ(task, group_leader, thread_pid));
}

static __always_inline u32 thread_id(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return task->pid;
	return number_in_tracer_ns(BPF_CORE_READ(task, thread_pid));
}

/* The inode number of the pid namespace the task lives in (the deepest it has a number in). */
static __always_inline u32 own_pid_namespace(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	u32 level = BPF_CORE_READ(pid, level);

	return pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[level].ns));
}

/* Any struct pid's number (a session's, a process group's) as the tracer's namespace sees it. */
static __always_inline u32 number_seen(struct pid *pid)
{
	if (!settings.pidns_inum)
		return BPF_CORE_READ(pid, numbers[0].nr);
	return number_in_tracer_ns(pid);
}

static __always_inline u32 process_id_of(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return BPF_CORE_READ(task, tgid);
	return number_in_tracer_ns(BPF_CORE_READ(task, group_leader, thread_pid));
}

#endif /* BOOTSTRAP_PID_NS_H */
