/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Isolation: a flood of records from one cgroup must not take the ring from the others. While the
 * ring is under pressure (half full, until it drains to a quarter), a cgroup that writes more than
 * a quarter of the ring per second (settings.window_bytes in a 100 ms window) has its records
 * dropped, and counted, until that spell of pressure ends; the others write on. --cgroup-rate adds
 * a fixed limit of records per second per cgroup. Nothing is looked up while the ring is not under
 * pressure and no rate is set. Cgroups are counted at one level of the tree
 * (settings.cgroup_level): a process that makes cgroups of its own below it cannot spread its flood
 * over them.
 */
#ifndef BOOTSTRAP_THROTTLE_H
#define BOOTSTRAP_THROTTLE_H

#include "maps.h"
#include <bpf/bpf_core_read.h>

/* Whether the ring is under pressure: from pressure_bytes waiting until fewer than relief_bytes. */
static __always_inline bool ring_under_pressure(void)
{
	u64 waiting;

	if (!settings.pressure_bytes)
		return false;
	waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (waiting >= settings.pressure_bytes) {
		if (!ring_pressure) { /* a new spell of pressure */
			ring_pressure = 1;
			__sync_fetch_and_add(&pressure_spell, 1);
		}
	} else if (waiting < settings.relief_bytes) {
		ring_pressure = 0;
	}
	return ring_pressure;
}

/*
 * Global functions, defined in throttle.bpf.c: the verifier checks each once, however many programs
 * and call sites use it. throttle_record() is called only under pressure or with --cgroup-rate.
 */
int throttle_record(u64 size, u32 exit, u64 now, u32 pressure);
int count_lost_record(void);

/*
 * Whether a record of `size` bytes from the current task may go into the ring. If not, it is
 * counted on its cgroup, as an exit or an exec, and in throttled_records.
 */
static __always_inline bool admitted(u64 size, bool exit, u64 now)
{
	bool pressure = ring_under_pressure();

	if (!pressure && !settings.cgroup_rate)
		return true;
	return throttle_record(size, exit, now, pressure);
}

/* A record the full ring could not take: counted in total, and on its cgroup. */
static __always_inline void count_lost(void)
{
	count_lost_record();
}

#endif /* BOOTSTRAP_THROTTLE_H */
