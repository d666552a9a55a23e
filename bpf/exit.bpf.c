// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every process exit (with --threads, every thread exit): one RECORD_EXIT with the wait status and
 * the whole process's times and counters, built in place in the ring. Linked into every variant.
 */
#include "filters.h"
#include "process_state.h"
#include "record.h"

/* Kernels before 6.16 do not say whether the exiting thread is the last one. */
static __always_inline bool group_dead_without_tp_arg(struct task_struct *leader,
						      struct signal_struct *signal)
{
	if (signal->live.counter != 0)
		return false;
	/*
	 * live is decremented before the tracepoint, so two threads exiting together can both read
	 * 0. The first to claim the process reports it.
	 */
	return claim_process_end(leader);
}

/* wait(2) semantics: a group exit (exit_group, fatal signal) wins over the leader's own code. */
static __always_inline u32 process_wait_status(struct task_struct *leader,
					       struct signal_struct *signal)
{
	if (signal->flags & SIGNAL_GROUP_EXIT)
		return signal->group_exit_code;
	return leader->exit_code;
}

/*
 * Adds one task's times and counters. The exiting task's sum_exec_runtime was last brought up to
 * date at a scheduler tick or switch, so its current slice (under one tick) is not in it: there is
 * no clock here to measure that slice against (se.exec_start is on the runqueue's task clock, which
 * leaves out IRQ and steal time and runs seconds behind bpf_ktime_get_ns on a VM).
 */
/*
 * The exiting task has one more voluntary switch ahead of it: its last, in do_task_dead(), which
 * wait4() counts. Added here so the record agrees with wait4.
 */
#define FINAL_SWITCH 1

static __always_inline void add_task_counters(struct exit_record *rec, struct task_struct *t)
{
	rec->utime_ns += t->utime;
	rec->stime_ns += t->stime;
	rec->runtime_ns += t->se.sum_exec_runtime;
	rec->min_flt += t->min_flt;
	rec->maj_flt += t->maj_flt;
	rec->nvcsw += t->nvcsw;
	rec->nivcsw += t->nivcsw;
}

/*
 * Whether this exit ends the process. Kernel 6.16 gave the tracepoint a group_dead argument, and
 * its trace event a field of that name. This check is resolved against the running kernel at load
 * (by libbpf, or by the kernel for the light skeleton); the verifier then never looks at the branch
 * not taken, so reading ctx[1] is safe where it is absent.
 */
static __always_inline bool ends_process(unsigned long long *ctx, struct task_struct *leader,
					 struct signal_struct *signal)
{
	if (bpf_core_field_exists(struct trace_event_raw_sched_process_exit, group_dead))
		return (bool)ctx[1];
	return group_dead_without_tp_arg(leader, signal);
}

/* The process ended: its leader's name, its wait status, and every thread's counters. */
static __always_inline void fill_process_end(struct exit_record *rec, struct task_struct *task,
					     struct task_struct *leader,
					     struct signal_struct *signal)
{
	/* The process's name is its leader's: the last thread may have named itself otherwise. */
	bpf_probe_read_kernel_str(rec->hdr.comm, sizeof(rec->hdr.comm), leader->comm);
	rec->status = process_wait_status(leader, signal);
	/*
	 * Threads already released were folded into signal; this thread and a leader that exited
	 * earlier (a zombie until the group is reaped) are still counted on their own.
	 */
	rec->utime_ns = signal->utime;
	rec->stime_ns = signal->stime;
	rec->runtime_ns = signal->sum_sched_runtime;
	rec->min_flt = signal->min_flt;
	rec->maj_flt = signal->maj_flt;
	rec->nvcsw = signal->nvcsw;
	rec->nivcsw = signal->nivcsw;
	add_task_counters(rec, task);
	rec->nvcsw += FINAL_SWITCH;
	if (leader != task) /* a zombie: its times are final */
		add_task_counters(rec, leader);
}

/* --threads: one thread ended and the process goes on. */
static __always_inline void fill_thread_end(struct exit_record *rec, struct task_struct *task)
{
	rec->flags |= EXIT_THREAD_ONLY;
	rec->status = task->exit_code;
	rec->utime_ns = rec->stime_ns = rec->runtime_ns = 0;
	rec->min_flt = rec->maj_flt = rec->nvcsw = rec->nivcsw = 0;
	add_task_counters(rec, task);
	rec->nvcsw += FINAL_SWITCH;
}

/*
 * The exit record, built in place in the ring: no scratch space, no copy. Lost when the ring is
 * full, and counted, unless it was for the process table only: no one would have seen it, and the
 * table finds the process gone by itself.
 */
static __always_inline void emit_exit(struct task_struct *task, struct task_struct *leader,
				      struct signal_struct *signal, bool group_dead, u64 exec_time,
				      u32 flags, u64 now)
{
	struct exit_record *rec;

	/* An exit for the process table only is never throttled: it is what makes the table forget.
	 */
	if (!(flags & EXIT_UNREPORTED) && !admitted(sizeof(*rec), true, now))
		return;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		if (!(flags & EXIT_UNREPORTED))
			count_lost();
		return;
	}
	fill_header(&rec->hdr, RECORD_EXIT, task, now);
	rec->flags = flags | (exec_time ? EXIT_EXEC_SEEN : 0);
	rec->exec_time_ns = exec_time;
	if (group_dead)
		fill_process_end(rec, task, leader, signal);
	else
		fill_thread_end(rec, task);
	rec->max_rss_pages = signal->maxrss;
	bpf_ringbuf_submit(rec, wakeup_flags(now));
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	u64 now = bpf_ktime_get_ns();
	struct task_struct *leader = task->group_leader;
	struct signal_struct *signal = task->signal;
	struct task_state *state;
	bool group_dead = ends_process(ctx, leader, signal);
	bool traced, wanted, known = false;
	u64 exec_time = 0;
	u32 flags;

	if (!group_dead && !settings.report_thread_exits)
		return 0;
	traced = in_traced_tree(task);
	if (traced && group_dead && settings.filter_traced_tree) {
		u32 tgid = process_id(task);

		bpf_map_delete_elem(&traced_tgids, &tgid);
	}
	/* A process exit is filtered, and named, by its leader: the last thread may have renamed
	 * itself. */
	wanted = traced && settings.report_exits && passes_filters(group_dead ? leader : task);
	if (!wanted && !settings.exits_of_known) {
		if (group_dead)
			forget_process(leader);
		return 0;
	}

	state = process_state(leader, false);
	if (state) {
		exec_time = state->exec_time_ns;
		known = state->known;
	}
	if (group_dead)
		forget_process(leader);
	/* -d: the lifetime since exec, or since fork for a process whose exec came before tracing.
	 */
	if (wanted && settings.min_duration_ns &&
	    now - (exec_time ? exec_time : leader->start_time) < settings.min_duration_ns)
		wanted = false;
	if (wanted)
		flags = 0;
	else if (group_dead && known) /* the process table must forget it */
		flags = EXIT_UNREPORTED;
	else
		return 0;
	emit_exit(task, leader, signal, group_dead, exec_time, flags, now);
	return 0;
}
