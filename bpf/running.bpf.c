// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The processes running now, one RECORD_RUNNING each (--existing, --ancestors), read by the user
 * side through an iterator it creates once at start. Not attached to anything: it runs only while
 * that iterator is read. Not linked into the exec-and-exit-only variant.
 */
#include "record.h"

SEC("iter/task")
int dump_processes(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct record_header rec = {};

	if (!task || task->pid != task->tgid) /* the end, or a thread other than the leader */
		return 0;
	rec.type = RECORD_RUNNING;
	rec.pid = process_id(task);
	rec.tid = thread_id(task);
	rec.uid = BPF_CORE_READ(task, real_cred, uid.val);
	rec.gid = BPF_CORE_READ(task, real_cred, gid.val);
	rec.time_ns = bpf_ktime_get_ns();
	rec.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel_str(rec.comm, sizeof(rec.comm), task->comm);
	fill_images(&rec, task);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	mark_known(task);
	return 0;
}
