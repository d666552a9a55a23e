/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Failed execs (-x): the system call's error, with filename and argv read back from the caller's
 * memory. The program, handle_sys_exit, is built twice, and the two differ only in how they loop
 * over argv: failed_exec.bpf.c (libbpf's skeleton) in a bounded loop the verifier checks
 * iteration by iteration, which any kernel can load; failed_exec_light.bpf.c (the light skeleton,
 * which needs Linux 5.17 anyway) with bpf_loop, whose body the verifier checks once: that saves
 * milliseconds at every start. Each defines copy_failed_args() and includes this file.
 */
#ifndef BOOTSTRAP_FAILED_EXEC_H
#define BOOTSTRAP_FAILED_EXEC_H

#include "cwd.h"
#include "exec_context.h"
#include "filters.h"
#include "task.h"

/* One failed exec's argv copy, carried from argument to argument. */
struct argv_copy {
	struct exec_record *rec;
	const char *const *argv;
	u32 filename_len;
	u32 off;   /* bytes of argv copied */
	bool done; /* the NULL that ends argv was found, or the copy was cut */
};

/* Copies argv[index] after what is there; returns 1 once there is nothing more to copy. */
static __noinline long copy_failed_arg(u32 index, struct argv_copy *copy)
{
	const char *arg = 0;
	u32 off = copy->off, filename_len = copy->filename_len, room;
	long len;

	copy->done = true;
	if (bpf_probe_read_user(&arg, sizeof(arg), &copy->argv[index]) || !arg)
		return 1;
	/* Both bounds are checked here, against values known at load time: what the verifier needs.
	 */
	if (off >= settings.max_args_bytes || filename_len > BOOTSTRAP_FILENAME_MAX) {
		copy->rec->flags |= EXEC_ARGS_TRUNCATED;
		return 1;
	}
	room = settings.max_args_bytes - off;
	len = bpf_probe_read_user_str(exec_data(copy->rec) + filename_len + off, room, arg);
	if (len <= 0)
		return 1;
	copy->off = off + len;
	if (len >= room) { /* the argument filled what was left: it was cut */
		copy->rec->flags |= EXEC_ARGS_TRUNCATED;
		return 1;
	}
	copy->done = false;
	return 0;
}

/*
 * copy_failed_arg() for argv[0] up to argv[BOOTSTRAP_FAILED_ARGS_MAX - 1], until it returns 1:
 * defined by the object that includes this file.
 */
static __always_inline void copy_failed_args(struct argv_copy *copy);

/* Failed execs: the system call's error, with filename and argv read back from the caller's memory.
 */
static __always_inline int report_failed_exec(struct task_struct *task, long ret,
					      const char *filename, const char *const *argv)
{
	struct argv_copy copy = {.argv = argv};
	struct exec_context context;
	struct exec_record *rec;
	u32 cwd_len;
	u64 size;

	if (!wanted(task))
		return 0;
	rec = scratch_space();
	if (!rec)
		return 0;
	fill_header(&rec->hdr, RECORD_EXEC_FAILED, task, bpf_ktime_get_ns());
	rec->old_pid = rec->hdr.tid;
	rec->error = ret;
	rec->flags = 0;
	rec->interp_len = 0;
	fill_context(rec, task, &context); /* before the copies: see handle_exec() */
	copy.filename_len = copy_filename(rec, filename, true);
	rec->filename_len = copy.filename_len;
	copy.rec = rec;
	copy_failed_args(&copy);
	if (!copy.done) { /* all BOOTSTRAP_FAILED_ARGS_MAX copied: cut unless argv ends right there
			   */
		const char *more = 0;

		if (bpf_probe_read_user(&more, sizeof(more), &argv[BOOTSTRAP_FAILED_ARGS_MAX]) ||
		    more)
			rec->flags |= EXEC_ARGS_TRUNCATED;
	}
	if (copy.off > settings.max_args_bytes)
		copy.off = settings.max_args_bytes;
	if (copy.filename_len > BOOTSTRAP_FILENAME_MAX)
		copy.filename_len = BOOTSTRAP_FILENAME_MAX;
	rec->args_len = copy.off;
	cwd_len = copy_cwd(context.fs, copy.filename_len + copy.off);
	rec->cwd_len = cwd_len;
	size = sizeof(*rec) + rec->filename_len + rec->args_len + cwd_len;
	if (size >
	    BOOTSTRAP_SCRATCH_BYTES(settings.max_args_bytes)) /* never taken; for the verifier */
		return 0;
	emit(rec, size, rec->hdr.time_ns);
	mark_known(task->group_leader);
	return 0;
}

/*
 * Only loaded with -x. The raw sys_exit tracepoint runs for every system call, so the common case
 * returns after one comparison: only a failing execve/execveat goes further. (fexit on the syscall
 * would be cheaper but needs BPF trampolines, which some kernels and sandboxes do not allow; this
 * needs nothing beyond tp_btf.) The arguments are still in the saved user registers, and the
 * caller's memory is intact because a failed exec returns before the point of no return.
 */
static __always_inline int failed_exec(struct pt_regs *regs, long ret)
{
	const char *const *argv;
	const char *filename;
	struct task_struct *task;
	long nr;

	if (ret >= 0)
		return 0;
	nr = SYSCALL_NR(regs);
	if (nr != NR_execve && nr != NR_execveat)
		return 0;
	task = current_task();
	/* A 32-bit task's numbers are another table's (59 is olduname there on x86). */
	if (!task || SYSCALL_IS_COMPAT(regs, task))
		return 0;
	if (nr == NR_execve) {
		filename = (const char *)SYSCALL_ARG0(regs);
		argv = (const char *const *)SYSCALL_ARG1(regs);
	} else {
		filename = (const char *)SYSCALL_ARG1(regs);
		argv = (const char *const *)SYSCALL_ARG2(regs);
	}
	return report_failed_exec(task, ret, filename, argv); /* one call site: verified once */
}

#endif /* BOOTSTRAP_FAILED_EXEC_H */
