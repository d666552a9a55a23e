/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Building a record: the per-CPU scratch space it is assembled in, the header every record starts
 * with, the filename that starts an exec record's data, and its way into the ring.
 *
 * Programs are tp_btf, so they need BTF but no tracefs, and read scalar task fields directly (BTF
 * pointer loads, no helper call per field). Pointers the verifier would have to classify
 * (real_parent, mm) are followed with CO-RE reads instead: for each direct load of one, a recent
 * verifier searches the whole kernel BTF by name for the field's trust annotations (mm alone added
 * 2 ms to every start on 6.18). Records are assembled in a per-CPU scratch buffer and copied into
 * the ring with their exact length, so a short command line costs little. The reader is woken only
 * when enough data waits; otherwise it drains the ring on a short timer.
 */
#ifndef BOOTSTRAP_RECORD_H
#define BOOTSTRAP_RECORD_H

#include "kernel.h"
#include <bpf/bpf_tracing.h>
#include "pid_ns.h"
#include "process_state.h"
#include "throttle.h"
#include "window.h"

/* exits_of_known: a record names this process (its leader), so the process table holds it. */
static __always_inline void mark_known(struct task_struct *leader)
{
	struct task_state *state;

	if (!settings.exits_of_known)
		return;
	state = process_state(leader, true);
	if (state)
		state->known = 1;
}

/*
 * A wake-up costs far more than the copy (an interrupt raised from the traced process's exec or
 * exit, tens of microseconds on a VM), so the reader is woken only when a batch waits or when the
 * last wake-up is long enough ago: the first event after a quiet spell goes out at once, a burst
 * wakes the reader at most every BOOTSTRAP_WAKEUP_INTERVAL_NS, and the reader drains on its own
 * timer in between.
 */
static __always_inline u64 wakeup_flags(u64 now)
{
	if (now < reader_timer_ns)
		return BPF_RB_NO_WAKEUP;
	if (now - last_wakeup_ns >= BOOTSTRAP_WAKEUP_INTERVAL_NS ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= settings.wakeup_bytes) {
		last_wakeup_ns = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* An exec, failed exec or fork record into the ring. Forks, which the process table needs, are
 * never throttled. */
static __always_inline void emit(void *record, u64 size, u64 now)
{
	if (((struct record_header *)record)->type != RECORD_FORK && !admitted(size, false, now))
		return;
	if (bpf_ringbuf_output(&events, record, size, wakeup_flags(now)))
		count_lost();
}

static __always_inline void *scratch_space(void)
{
	u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/*
 * The exec count of the parent's image that forked `task`. The kernel keeps it in parent_exec_id,
 * and it is the real parent's as long as that is the process that forked: one the task was
 * re-parented to is a reaper (a pid namespace's init, or a subreaper), whose image now is named
 * instead. A parent that has not exec'd since the fork has the same count either way, which spares
 * the reaper's flags.
 */
static __always_inline u64 parent_exec_seq(struct task_struct *task, struct task_struct *parent)
{
	u64 now = BPF_CORE_READ(parent, self_exec_id), at_fork = task->parent_exec_id;
	struct signal_struct *signal;

	if (at_fork >= now) /* the same image; or more: another process's count, so a reaper's */
		return now;
	signal = BPF_CORE_READ(parent, signal);
	if ((BPF_CORE_READ(signal, flags) & SIGNAL_UNKILLABLE) ||
	    BPF_CORE_READ_BITFIELD_PROBED(signal, is_child_subreaper))
		return now;
	return at_fork;
}

/*
 * The process's image and its parent's. The parent is the thread that forked it (or a reaper), so
 * the start time is that of its group leader. The parent through CO-RE reads: see the top of this
 * file; `task` must be a trusted pointer.
 */
static __always_inline void fill_images(struct record_header *hdr, struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	int parent_pid, parent_tgid;

	READ_FIELDS(parent, 6, pid, parent_pid, tgid, parent_tgid);
	/* 0 for a namespace's init: its parent is outside */
	hdr->ppid = settings.pidns_inum ? process_id_of(parent) : parent_tgid;
	/* A leader's start time is its own: one hop fewer, and a direct load for `task`. */
	hdr->image.start_time_ns = task->pid == task->tgid
				       ? task->start_time
				       : BPF_CORE_READ(task, group_leader, start_time);
	hdr->image.exec_seq = task->self_exec_id;
	if (hdr->ppid) {
		hdr->parent_image.start_time_ns =
		    parent_pid == parent_tgid ? BPF_CORE_READ(parent, start_time)
					      : BPF_CORE_READ(parent, group_leader, start_time);
		hdr->parent_image.exec_seq = parent_exec_seq(task, parent);
	} else {
		hdr->parent_image.start_time_ns = hdr->parent_image.exec_seq = 0;
	}
}

static __always_inline void fill_header(struct record_header *hdr, u32 type,
					struct task_struct *task, u64 now)
{
	u64 uid_gid = bpf_get_current_uid_gid();

	hdr->type = type;
	hdr->pid = process_id(task);
	hdr->tid = thread_id(task);
	fill_images(hdr, task);
	hdr->uid = (u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->time_ns = now;
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/* The variable part that follows the fixed exec_record: filename, then argv. */
static __always_inline char *exec_data(struct exec_record *rec)
{
	return (char *)(rec + 1);
}

/* Copies the filename (kernel or user memory) to the start of the record's data; returns its
 * length. */
static __always_inline u32 copy_filename(struct exec_record *rec, const char *filename, bool user)
{
	long len =
	    user ? bpf_probe_read_user_str(exec_data(rec), BOOTSTRAP_FILENAME_MAX, filename)
		 : bpf_probe_read_kernel_str(exec_data(rec), BOOTSTRAP_FILENAME_MAX, filename);

	if (len <= 0) {
		exec_data(rec)[0] = '\0';
		len = 1;
	}
	return len > BOOTSTRAP_FILENAME_MAX ? BOOTSTRAP_FILENAME_MAX : len;
}

#endif /* BOOTSTRAP_RECORD_H */
