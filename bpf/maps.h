/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps and globals the programs share. Each is defined once, in maps.bpf.c, and declared here
 * for every other object: `bpftool gen object` (libbpf's static linker) resolves the declarations
 * to the one definition. A map's declaration must have its definition's exact type, hence the
 * typedefs.
 */
#ifndef BOOTSTRAP_MAPS_H
#define BOOTSTRAP_MAPS_H

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/*
 * Written by the user side between open and load (every field, always: the defaults live there), so
 * the verifier sees constants.
 */
extern const volatile struct tracer_settings settings;

typedef struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024); /* resized by the user side (--ring-size) */
} events_map;
extern events_map events SEC(".maps");

/*
 * Records the ring buffer could not take, and forked processes -p could not follow because the pid
 * map was full. Globals in .bss, which the user side reads through its memory mapping: no system
 * call, and no privilege needed once the capabilities are dropped.
 */
extern __u64 lost_records;
extern __u64 untracked_forks;

/* When the reader was last woken (CLOCK_MONOTONIC). Racing CPUs at worst wake it twice. */
extern __u64 last_wakeup_ns;

/*
 * Until then (CLOCK_MONOTONIC) the reader drains on a timer of its own and does not listen to the
 * ring: written by the user side while records flow, 0 otherwise. A wake-up meanwhile would be
 * wasted, and raising one is most of what a record costs beyond its copy.
 */
extern __u64 reader_timer_ns;

/*
 * The level of the tracer's pid namespace (settings.pidns_inum), found from the first task seen in
 * it: user space cannot tell it when its /proc belongs to that namespace.
 */
extern __u32 pidns_level;

/*
 * Per-CPU space to assemble a record (see BOOTSTRAP_SCRATCH_BYTES). One entry per possible CPU, set
 * before load. Tracepoint programs run with preemption disabled, so a CPU's entry has a single user
 * at a time. libbpf resizes the value to settings.max_args_bytes; the light skeleton cannot resize
 * values, so the user side loads its object only for caps up to the default.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(u32)); /* no BTF types, so that the value can be resized */
	__uint(value_size, BOOTSTRAP_SCRATCH_BYTES(BOOTSTRAP_ARGS_DEFAULT));
} scratch_map;
extern scratch_map scratch SEC(".maps");

/*
 * Processes being traced under -p / -- CMD, by tgid: seeded by the user side, extended at every
 * fork of a traced process, cleared when the process ends. Sized to 1 entry unless that filter is
 * on.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, u32);
	__type(value, u8);
} traced_tgids_map;
extern traced_tgids_map traced_tgids SEC(".maps");

/* --cgroup: the cgroup whose processes (and its descendants') are traced. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} cgroup_filter_map;
extern cgroup_filter_map cgroup_filter SEC(".maps");

/* Per-process state, kept on the thread-group leader and freed by the kernel with the task. */
struct task_state {
	u64 exec_time_ns;
	u32 exit_reported; /* kernels without group_dead: the first thread to see the group dead
			      reports it */
	u32 known; /* exits_of_known: a record named this process, so its exit is delivered */
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states_map;
extern task_states_map task_states SEC(".maps");

#endif /* BOOTSTRAP_MAPS_H */
