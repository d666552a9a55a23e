/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Who is traced: the filters on a task, checked before any record is assembled. */
#ifndef BOOTSTRAP_FILTERS_H
#define BOOTSTRAP_FILTERS_H

#include "pid_ns.h"

static __always_inline bool comm_matches(struct task_struct *task)
{
	int i;

	for (i = 0; i < BOOTSTRAP_COMM_LEN; i++) {
		if (task->comm[i] != settings.target_comm[i])
			return false;
		if (!settings.target_comm[i])
			break;
	}
	return true;
}

static __always_inline bool in_traced_tree(struct task_struct *task)
{
	u32 tgid = process_id(task);

	return !settings.filter_traced_tree || bpf_map_lookup_elem(&traced_tgids, &tgid);
}

/* Filters on who the task is, checked before any record is assembled. */
static __always_inline bool passes_filters(struct task_struct *task)
{
	if (settings.pidns_inum && !process_id(task)) /* outside the tracer's pid namespace */
		return false;
	if (settings.filter_pidns && own_pid_namespace(task) != settings.target_pidns)
		return false;
	if (settings.filter_ppid &&
	    process_id_of(BPF_CORE_READ(task, real_parent)) != settings.target_ppid)
		return false;
	if (settings.filter_uid && (u32)bpf_get_current_uid_gid() != settings.target_uid)
		return false;
	if (settings.filter_comm && !comm_matches(task))
		return false;
	if (settings.filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

static __always_inline bool wanted(struct task_struct *task)
{
	return in_traced_tree(task) && passes_filters(task);
}

#endif /* BOOTSTRAP_FILTERS_H */
