// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every successful exec: one RECORD_EXEC with the filename, argv, interpreter, working directory
 * and (--env) environment, the context, and what the exec raised. Linked into every variant.
 */
#include "cwd.h"
#include "exec_context.h"
#include "filters.h"
#include "process_state.h"

#define S_ISUID 04000
#define S_ISGID 02000
#define S_IXGRP 00010

/*
 * The host's uid of root in the credentials' user namespace (kernel/user_namespace.c,
 * map_id_down()), or (u32)-1 when nothing maps to it. The host's own namespace maps every id to
 * itself.
 */
static __always_inline u32 namespace_root(const struct cred *cred)
{
	struct user_namespace *ns = BPF_CORE_READ(cred, user_ns);
	struct uid_gid_extent extent = {};
	u32 count = BPF_CORE_READ(ns, uid_map.nr_extents);
	void *extents = (void *)ns + bpf_core_field_offset(ns->uid_map.extent);

	if (count >
	    UID_GID_MAP_MAX_BASE_EXTENTS) { /* sorted by first: root's, if any, comes first */
		extents = BPF_CORE_READ(ns, uid_map.forward);
		count = 1;
	}
	for (u32 i = 0; i < UID_GID_MAP_MAX_BASE_EXTENTS && i < count; i++) {
		if (bpf_probe_read_kernel(&extent, sizeof(extent), extents + i * sizeof(extent)))
			break;
		if (extent.first == 0 && extent.count)
			return extent.lower_first;
	}
	return (u32)-1;
}

/*
 * What the exec raised (or lowered), from the ids it left and the file's mode and owner. The
 * namespace's root and the capabilities are read only after a set-id bit or secureexec: both are
 * rare.
 */
static __always_inline u32 raised_privileges(bool secureexec, struct exec_context *context,
					     struct inode *inode, u32 mode)
{
	u32 flags = 0;
	u64 permitted = 0, ambient = 0;
	const struct cred *cred = context->cred;

	/* The new credentials are in place: a set-id bit that took effect left them apart. */
	if ((mode & S_ISUID) && context->euid != context->uid &&
	    context->euid == BPF_CORE_READ(inode, i_uid.val))
		flags |= EXEC_SETUID;
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && context->egid != context->gid &&
	    context->egid == BPF_CORE_READ(inode, i_gid.val))
		flags |= EXEC_SETGID;
	/* Root gains nothing from another identity: it had every privilege already. */
	if (flags)
		return context->uid == namespace_root(cred) ? flags | EXEC_SETID_LOWERED : flags;
	/*
	 * secureexec without a set-id bit (cap_bprm_creds_from_file()): for a process that is not
	 * its user namespace's root, file capabilities gave it effective capabilities or permitted
	 * ones beyond its ambient set; permitted ones it can make effective itself. So root in a
	 * container is not taken for a file's gift, nor is an effective root uid kept from an
	 * earlier exec: that process had its capabilities before.
	 */
	if (!secureexec)
		return 0;
	bpf_core_read(&permitted, sizeof(permitted), &cred->cap_permitted);
	bpf_core_read(&ambient, sizeof(ambient), &cred->cap_ambient);
	if ((permitted & ~ambient) && context->euid != namespace_root(cred))
		flags |= EXEC_FILE_CAPS;
	return flags;
}

/*
 * What the exec raised, and what kind of file the program came from. A global function: checked
 * once, and its windows are not on the exec program's stack, which the verifier caps (512 bytes
 * for the deepest chain of calls) with the cwd walk's frames added. Its arguments are numbers, the
 * context's ids two to a word: kernels before 5.12 take no pointer to the stack in a global
 * function.
 */
__noinline u32 program_flags_of(u64 file_address, u64 cred_address, u64 ids, u64 effective_ids,
				bool secureexec)
{
	struct exec_context context = {
	    .cred = (const struct cred *)cred_address,
	    .uid = (u32)ids,
	    .gid = ids >> 32,
	    .euid = (u32)effective_ids,
	    .egid = effective_ids >> 32,
	};
	struct file *file = (struct file *)file_address;
	struct inode *inode;
	struct dentry *dentry, *parent;
	struct super_block *sb;
	const unsigned char *name_address;
	u32 mode, nlink, flags;
	char name[6] = {};

	READ_FIELDS(file, 6, f_inode, inode, f_path.dentry, dentry);
	/* i_mode to i_nlink */
	READ_FIELDS(inode, 10, i_mode, mode, i_sb, sb, i_nlink, nlink);
	flags = raised_privileges(secureexec, &context, inode, mode);
	if (nlink == 0) {
		flags |= EXEC_DELETED;
		/*
		 * memfd_create names its file "memfd:NAME" (mm/memfd.c), and its inode never has a
		 * link (shmem and hugetlbfs clear it): the name is read only for such a file. Its
		 * dentry is a pseudo one, its own parent (alloc_file_pseudo()), where a deleted
		 * file of the same name keeps the directory it was in.
		 */
		READ_FIELDS(dentry, 6, d_parent, parent, d_name.name, name_address);
		bpf_probe_read_kernel(name, sizeof(name), name_address);
		if (parent == dentry && name[0] == 'm' && name[1] == 'e' && name[2] == 'm' &&
		    name[3] == 'f' && name[4] == 'd' && name[5] == ':')
			flags |= EXEC_MEMFD;
	}
	if (BPF_CORE_READ(sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
		/*
		 * struct ovl_inode (fs/overlayfs/ovl_entry.h) embeds the VFS inode and has the
		 * upper dentry right after it, set once the file exists in the upper layer.
		 */
		struct dentry *upper = 0;

		bpf_probe_read_kernel(&upper, sizeof(upper),
				      (void *)inode + bpf_core_type_size(struct inode));
		if (upper)
			flags |= EXEC_UPPER_LAYER;
	}
	return flags;
}

/* Where the new image's argv and environment are, in place on its stack. */
struct image_strings {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
};

static __always_inline void read_strings(struct task_struct *task, struct image_strings *strings)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);

	READ_FIELDS(mm, 4, arg_start, strings->arg_start, arg_end, strings->arg_end, env_start,
		    strings->env_start, env_end, strings->env_end);
}

/* --env: the new image's environment, in place on its stack like argv, after the working directory.
 */
static __always_inline u32 copy_env(struct exec_record *rec, struct image_strings *strings,
				    u64 offset)
{
	unsigned long start = strings->env_start, end = strings->env_end;
	u64 len = end > start ? end - start : 0;

	if (len > settings.max_args_bytes) {
		len = settings.max_args_bytes;
		rec->flags |= EXEC_ENV_TRUNCATED;
	}
	if (len > BOOTSTRAP_ARGS_CEILING) /* never taken; bounds the size for the verifier */
		len = BOOTSTRAP_ARGS_CEILING;
	if (offset > BOOTSTRAP_ENV_AT_MOST(settings.max_args_bytes)) /* never taken */
		return 0;
	barrier_var(offset); /* the value checked is the one used: see cwd_step() */
	barrier_var(len);
	if (len && bpf_probe_read_user(exec_data(rec) + offset, len, (void *)start)) {
		rec->flags |= EXEC_ENV_UNREADABLE;
		return 0;
	}
	return len;
}

/*
 * A script runs its interpreter: the kernel keeps the file executed in bprm->filename and puts the
 * interpreter from the #! line in bprm->interp, which otherwise is the same pointer. Copied after
 * argv (at `offset`, at most BOOTSTRAP_INTERP_AT_MOST(the argv cap)); returns its length, 0 if
 * none.
 */
static __always_inline u32 copy_interpreter(struct exec_record *rec, const char *filename,
					    const char *interp, u64 offset)
{
	long len;

	if (interp == filename)
		return 0;
	/* never taken; for the verifier */
	if (offset > BOOTSTRAP_INTERP_AT_MOST(BOOTSTRAP_ARGS_CEILING))
		return 0;
	len = bpf_probe_read_kernel_str(exec_data(rec) + offset, BOOTSTRAP_INTERP_MAX, interp);
	if (len <= 0)
		return 0;
	return len > BOOTSTRAP_INTERP_MAX ? BOOTSTRAP_INTERP_MAX : len;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	u64 now = bpf_ktime_get_ns();
	struct task_state *state;
	struct exec_record *rec;
	struct exec_context context;
	struct image_strings strings;
	u32 filename_len, interp_len, cwd_len, env_len = 0;
	u64 args_len;

	/*
	 * The exec's time, for its exit's lifetime, is kept here only when the user side will not
	 * see the exec record (exits only, -d): otherwise it pairs the exit with it. A task's
	 * storage is allocated at its first use, which was a third of this program's cost. After
	 * exec the exec'ing thread is the leader: the process's state lives on it.
	 */
	if (!settings.report_execs) {
		state = process_state(task, true);
		if (state)
			state->exec_time_ns = now;
	}

	if (!settings.report_execs || !wanted(task))
		return 0;

	rec = scratch_space();
	if (!rec)
		return 0;
	fill_header(&rec->hdr, RECORD_EXEC, task, now);
	/*
	 * old_pid is the host's number. In another pid namespace it can be translated only for a
	 * leader's exec: a thread's old pid went with the leader that de_thread() released. 0:
	 * unknown.
	 */
	if (!settings.pidns_inum)
		rec->old_pid = old_pid;
	else
		rec->old_pid = old_pid == task->pid ? rec->hdr.tid : 0;
	rec->error = 0;
	/*
	 * The context first: it has no part of variable length, so the verifier checks it once,
	 * before the copies below leave it with many combinations of lengths.
	 */
	fill_context(rec, task, &context);
	rec->flags = program_flags_of(
	    (u64)BPF_CORE_READ(bprm, file), (u64)context.cred, context.uid | (u64)context.gid << 32,
	    context.euid | (u64)context.egid << 32, BPF_CORE_READ_BITFIELD(bprm, secureexec));

	filename_len = copy_filename(rec, bprm->filename, false);
	rec->filename_len = filename_len;

	/* The new image's argv is in place on its stack at this point: read it in one copy. */
	read_strings(task, &strings);
	args_len = strings.arg_end > strings.arg_start ? strings.arg_end - strings.arg_start : 0;
	if (args_len > settings.max_args_bytes) {
		args_len = settings.max_args_bytes;
		rec->flags |= EXEC_ARGS_TRUNCATED;
	}
	if (args_len > BOOTSTRAP_ARGS_CEILING) /* never taken; bounds the size for the verifier */
		args_len = BOOTSTRAP_ARGS_CEILING;
	if (filename_len > BOOTSTRAP_FILENAME_MAX)
		filename_len = BOOTSTRAP_FILENAME_MAX;
	if (args_len && bpf_probe_read_user(exec_data(rec) + filename_len, args_len,
					    (void *)strings.arg_start)) {
		args_len = 0;
		rec->flags |= EXEC_ARGS_UNREADABLE;
	}
	rec->args_len = args_len;
	interp_len = copy_interpreter(rec, bprm->filename, bprm->interp, filename_len + args_len);
	rec->interp_len = interp_len;

	cwd_len = copy_cwd(context.fs, filename_len + args_len + interp_len);
	rec->cwd_len = cwd_len;
	if (settings.capture_env)
		env_len = copy_env(rec, &strings, filename_len + args_len + interp_len + cwd_len);
	rec->env_len = env_len;

	emit(rec, sizeof(*rec) + filename_len + args_len + interp_len + cwd_len + env_len, now);
	mark_known(task);
	return 0;
}
