/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The context of an exec or failed exec: who (effective and audit ids), from where (session,
 * terminal) and in which namespaces.
 */
#ifndef BOOTSTRAP_EXEC_CONTEXT_H
#define BOOTSTRAP_EXEC_CONTEXT_H

#include "record.h"

/*
 * What fill_context() read that later steps use again: the credentials the exec left (to tell what
 * it raised) and the task's fs (for the working directory).
 */
struct exec_context {
	const struct cred *cred;
	u32 uid;
	u32 gid;
	u32 euid;
	u32 egid;
	struct fs_struct *fs;
};

static __always_inline void read_creds(struct task_struct *task, struct exec_context *context)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);

	/* uid, gid, suid, sgid, euid, egid */
	READ_FIELDS(cred, 4, uid.val, context->uid, gid.val, context->gid, euid.val, context->euid,
		    egid.val, context->egid);
	context->cred = cred;
}

/* The controlling terminal's device number: the driver's major and minor_start plus the index. */
static __always_inline u32 terminal(struct tty_struct *tty)
{
	struct tty_driver *driver;
	int index, major, minor_start;

	if (!tty)
		return 0;
	READ_FIELDS(tty, 6, driver, driver, index, index);
	READ_FIELDS(driver, 6, major, major, minor_start, minor_start);
	return (major << 20) | (minor_start + index);
}

/*
 * Who, from where, in which namespaces: for exec and failed exec records. `task` is a trusted
 * pointer (a program argument, or the current task's BTF pointer).
 */
static __always_inline void fill_context(struct exec_record *rec, struct task_struct *task,
					 struct exec_context *context)
{
	struct signal_struct *signal;
	struct nsproxy *nsproxy;
	/* After exec the task is the leader; a failed exec may come from another thread. */
	struct pid *pid = task->pid == task->tgid ? BPF_CORE_READ(task, thread_pid)
						  : BPF_CORE_READ(task, group_leader, thread_pid);
	u32 level = BPF_CORE_READ(pid, level);
	struct upid *own = &pid->numbers[level]; /* the pid as its own namespace numbers it */
	struct pid_namespace *pid_ns;
	struct pid *session;
	struct tty_struct *tty;

	/* fs, files, io_uring, nsproxy, signal */
	READ_FIELDS(task, 5, fs, context->fs, nsproxy, nsproxy, signal, signal);
	read_creds(task, context);
	rec->euid = context->euid;
	rec->egid = context->egid;
	/* A number, not a pointer: loaded directly, without a helper call. */
	rec->auid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : -1;
	/* Sessions and namespaces: the sid as the tracer sees it, the pid as the process does. */
	READ_FIELDS(signal, 6, pids[PIDTYPE_SID], session, tty, tty);
	rec->sid = number_seen(session);
	rec->tty = terminal(tty);
	if (level == 0) { /* the host's namespace: its numbers are the host's, its inode is fixed */
		rec->ns_pid = task->tgid;
		rec->pid_ns = PROC_PID_INIT_INO;
	} else {
		READ_FIELDS(own, 6, nr, rec->ns_pid, ns, pid_ns);
		rec->pid_ns = pid_ns_inum((u64)pid_ns);
	}
	rec->mnt_ns = BPF_CORE_READ(nsproxy, mnt_ns, ns.inum);
	rec->cwd_len = rec->env_len = 0;
}

#endif /* BOOTSTRAP_EXEC_CONTEXT_H */
