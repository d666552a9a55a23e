/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the programs keep per process (struct task_state), on the thread-group leader: in task local
 * storage where tracing programs may use it (5.13), else in the process_states hash map (maps.h).
 * settings.task_storage says which at load time, so the verifier only ever sees one of the two.
 */
#ifndef BOOTSTRAP_PROCESS_STATE_H
#define BOOTSTRAP_PROCESS_STATE_H

#include "maps.h"
#include <bpf/bpf_core_read.h>

/* Read through the pointer as any pointer: `leader` may come from a task's copy (task.h). */
static __always_inline struct process_key process_key_of(struct task_struct *leader)
{
	struct process_key key = {};

	key.start_time_ns = BPF_CORE_READ(leader, start_time);
	key.tgid = BPF_CORE_READ(leader, tgid);
	return key;
}

/* The process's state; with `create`, made if it has none (NULL only when that fails). */
static __always_inline struct task_state *process_state(struct task_struct *leader, bool create)
{
	struct task_state fresh = {}, *state;
	struct process_key key;

	if (settings.task_storage)
		return bpf_task_storage_get(&task_states, leader, 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	key = process_key_of(leader);
	state = bpf_map_lookup_elem(&process_states, &key);
	if (state || !create)
		return state;
	bpf_map_update_elem(&process_states, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&process_states, &key);
}

/*
 * Whether this thread is the one to report its process's end, among threads that may see the group
 * dead at the same time: the first to claim the process. A compare-and-swap on its state would do
 * on 5.12 and later, but an older kernel refuses an object that holds the instruction anywhere, so
 * the claim is an insertion, which the map makes atomic, on every kernel.
 */
static __always_inline bool claim_process_end(struct task_struct *leader)
{
	struct process_key key = process_key_of(leader);
	u8 claimed = 1;

	return bpf_map_update_elem(&exit_claims, &key, &claimed, BPF_NOEXIST) == 0;
}

/* The process ended: a hash map's entry goes (task storage goes with the task). */
static __always_inline void forget_process(struct task_struct *leader)
{
	struct process_key key;

	if (settings.task_storage)
		return;
	key = process_key_of(leader);
	bpf_map_delete_elem(&process_states, &key);
}

#endif /* BOOTSTRAP_PROCESS_STATE_H */
