// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The global functions of throttle.h, and the per-cgroup counting behind them. Linked into every
 * variant. */
#include "throttle.h"

/*
 * The current task's cgroup at settings.cgroup_level, or its own when it lives above that level:
 * walked up from its own (bpf_get_current_ancestor_cgroup_id serves tracing programs on recent
 * kernels only).
 */
static __always_inline u64 counted_cgroup(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup *cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	int level = BPF_CORE_READ(cgroup, level);

	for (int i = 0; i < BOOTSTRAP_CGROUP_DEPTH && level > (int)settings.cgroup_level;
	     i++, level--)
		cgroup = (void *)BPF_CORE_READ(cgroup, self.parent) -
			 bpf_core_field_offset(struct cgroup, self);
	return BPF_CORE_READ(cgroup, kn, id);
}

/*
 * The cgroup's slot (events.h). Two CPUs that take one free slot for two new cgroups at the same
 * instant can both write its id: the read after the write sees which one won, and the other probes
 * on. (A compare-and-swap would close that gap, but 5.10 has none.)
 */
static __always_inline struct cgroup_load *load_of(u64 cgroup)
{
	u32 first = (u32)((cgroup * 0x9E3779B97F4A7C15ULL) >> 32), index;
	volatile struct cgroup_load *slot;

	for (u32 i = 0; i < BOOTSTRAP_CGROUP_PROBES; i++) {
		index = (first + i) & (BOOTSTRAP_CGROUP_SLOTS - 1);
		slot = bpf_map_lookup_elem(&cgroup_loads, &index);
		if (!slot)
			break;
		if (!slot->cgroup_id)
			slot->cgroup_id = cgroup;
		if (slot->cgroup_id == cgroup)
			return (struct cgroup_load *)slot;
	}
	index = BOOTSTRAP_CGROUP_SLOTS;
	return bpf_map_lookup_elem(&cgroup_loads, &index);
}

/* --cgroup-rate: whether the cgroup may write one more record this second. */
static __always_inline bool within_rate(struct cgroup_load *load, u64 now)
{
	if (now - load->second_start_ns >= 1000000000ULL) {
		load->second_start_ns = now;
		load->second_records = 0;
	}
	return ++load->second_records <= settings.cgroup_rate;
}

/*
 * Under pressure: whether the cgroup may write more. One that had written window_bytes in a window
 * when it writes again is throttled for the rest of the spell: with the reader stalled, what any
 * cgroup is let write stays in the ring, so the flood must stop, not slow down.
 */
static __always_inline bool within_share(struct cgroup_load *load, u64 size, u64 now)
{
	u64 spell = pressure_spell;

	if (load->throttled_spell == spell)
		return false;
	if (now - load->window_start_ns >= BOOTSTRAP_THROTTLE_WINDOW_NS) {
		load->window_start_ns = now;
		load->window_bytes = 0;
	}
	if (load->window_bytes >= settings.window_bytes) {
		load->throttled_spell = spell;
		return false;
	}
	load->window_bytes += size;
	return true;
}

/* throttle.h's admitted(), past its fast path. Returns 1 when the record may be written. */
__noinline int throttle_record(u64 size, u32 exit, u64 now, u32 pressure)
{
	struct cgroup_load *load = load_of(counted_cgroup());

	if (!load)
		return 1;
	if ((!settings.cgroup_rate || within_rate(load, now)) &&
	    (!pressure || within_share(load, size, now)))
		return 1;
	if (load->spell_start_ns <= load->reported_ns) /* the first drop since the last report */
		load->spell_start_ns = now;
	load->last_drop_ns = now;
	if (exit)
		__sync_fetch_and_add(&load->dropped_exits, 1);
	else
		__sync_fetch_and_add(&load->dropped_execs, 1);
	__sync_fetch_and_add(&throttled_records, 1);
	return 0;
}

__noinline int count_lost_record(void)
{
	struct cgroup_load *load = load_of(counted_cgroup());

	__sync_fetch_and_add(&lost_records, 1);
	if (load)
		__sync_fetch_and_add(&load->lost, 1);
	return 0;
}
