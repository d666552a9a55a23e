// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every new process (not thread): followed under -p / command mode, and reported as a RECORD_FORK
 * for the process table's ancestry. Not linked into the exec-and-exit-only variant.
 */
#include "filters.h"
#include "record.h"

/* A new process (not a thread) under -p / command mode joins the traced set: its events are wanted.
 */
static __always_inline bool follow_fork(u32 parent_tgid, u32 child_tgid)
{
	u8 traced = 1;

	if (!bpf_map_lookup_elem(&traced_tgids, &parent_tgid))
		return false;
	if (bpf_map_update_elem(&traced_tgids, &child_tgid, &traced, BPF_ANY))
		__sync_fetch_and_add(&untracked_forks, 1); /* its events will be missing: say so */
	return true;
}

/*
 * Attached for -p / command mode (to follow forks) and for fork records. Runs in the parent, after
 * the child's task is complete: its start time and exec_seq are set.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	u64 now = bpf_ktime_get_ns();
	struct record_header *rec;

	if (parent->tgid == child->tgid) /* a new thread of a process already known */
		return 0;
	if (settings.filter_traced_tree && !follow_fork(process_id(parent), process_id(child)))
		return 0;
	if (!settings.report_forks || !passes_filters(child))
		return 0;
	rec = scratch_space();
	if (!rec)
		return 0;
	/* The parent's uid, gid, cgroup and name are the child's: it has not run yet. */
	fill_header(rec, RECORD_FORK, child, now);
	emit(rec, sizeof(*rec), now);
	mark_known(child);
	return 0;
}
