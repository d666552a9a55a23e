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
/* Records throttle.h dropped, in total (per cgroup: cgroup_loads). */
extern __u64 throttled_records;
/* 1 while the ring is under pressure, and how many spells of it began (throttle.h). */
extern __u32 ring_pressure;
extern __u64 pressure_spell;

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

/*
 * The working directory's walk (cwd.bpf.c), from its leaf up to the task's root, one step per call:
 * per CPU, like the record it fills.
 */
struct cwd_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *mnt_root; /* vfsmnt's root: read once per mount crossed */
	struct dentry
	    *root_dentry; /* the task's root (a chroot, a container's): the walk ends there */
	struct vfsmount *root_mnt;
	u32 base;  /* where the components go in the record's data */
	u32 len;   /* bytes of components so far */
	bool leaf; /* the first step: at the working directory itself */
	bool done;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one per possible CPU, set before load */
	__type(key, u32);
	__type(value, struct cwd_walk);
} cwd_walks_map;
extern cwd_walks_map cwd_walks SEC(".maps");

/*
 * What throttle.h counts per cgroup, only while the ring is under pressure, --cgroup-rate applies
 * or the ring is full (struct cgroup_load): memory the user side maps.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, BOOTSTRAP_CGROUP_SLOTS + 1);
	__type(key, u32);
	__type(value, struct cgroup_load);
} cgroup_loads_map;
extern cgroup_loads_map cgroup_loads SEC(".maps");

/* Per-process state (process_state.h), of the thread-group leader. */
struct task_state {
	u64 exec_time_ns;
	u32 known; /* exits_of_known: a record named this process, so its exit is delivered */
};

/* Where tracing programs may use task local storage (5.13): freed by the kernel with the task. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states_map;
extern task_states_map task_states SEC(".maps");

/*
 * Older kernels: the same state by the process's identity (its leader's start time and tgid, which
 * no later process shares), deleted at the process's exit. Least recently used entries give way
 * when it is full, so a process whose exit was never seen cannot fill it. Sized to 1 entry where
 * task storage serves.
 */
struct process_key {
	u64 start_time_ns;
	u32 tgid;
	u32 zero;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct process_key);
	__type(value, struct task_state);
} process_states_map;
extern process_states_map process_states SEC(".maps");

/*
 * Kernels without group_dead (before 6.16): the thread that first inserts its process here reports
 * the process's end (process_state.h). Threads that race for it do so within microseconds, so the
 * least recently used claims give way long before one could be needed again.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct process_key);
	__type(value, u8);
} exit_claims_map;
extern exit_claims_map exit_claims SEC(".maps");

/*
 * Kernels without bpf_get_current_task_btf (before 5.11): per-CPU room for a copy of the current
 * task, so that failed execs read its fields as the other programs read their task's (task.h).
 * Declared with a value of 8 bytes; libbpf's skeleton gives it BOOTSTRAP_TASK_COPY_BYTES where it
 * is used.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(u32));
	__uint(value_size, 8);
} task_copy_map;
extern task_copy_map task_copy SEC(".maps");

#endif /* BOOTSTRAP_MAPS_H */
