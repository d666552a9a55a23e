// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The working directory, walked from its leaf up to the task's root (cwd.h). Linked into every
 * variant: the exec program needs it, and so does the failed-exec one.
 */
#include "cwd.h"
#include "record.h"

/* A component is at most NAME_MAX bytes. */
#define NAME_BYTES 256

/* This CPU's walk. */
static __always_inline struct cwd_walk *cwd_walk(void)
{
	u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&cwd_walks, &cpu);
}

/*
 * One step up: a component copied into this CPU's record, or a mount crossed. Returns 1 once the
 * walk is over. A global function: the verifier checks it once, on its own, however deep the walk
 * goes. It finds the walk in this CPU's cwd_walks entry: kernels before 5.12 take no pointer to
 * the stack in a global function.
 */
__noinline int cwd_step(void)
{
	struct cwd_walk *walk = cwd_walk();
	struct dentry *dentry, *parent;
	struct vfsmount *vfsmnt;
	struct exec_record *rec = scratch_space();
	const unsigned char *name;
	struct hlist_bl_node **hashed;
	u32 len;
	u64 offset;
	long copied;
	bool leaf;

	if (!walk || !rec)
		return 1;
	dentry = walk->dentry;
	vfsmnt = walk->vfsmnt;
	len = walk->len;
	leaf = walk->leaf;
	walk->leaf = false;

	if (dentry == walk->root_dentry && vfsmnt == walk->root_mnt)
		goto done;
	if (dentry == walk->mnt_root) { /* the top of a mount: on to its mountpoint */
		struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
		struct mount *up;
		struct dentry *mountpoint;

		READ_FIELDS(mnt, 6, mnt_parent, up, mnt_mountpoint, mountpoint);
		if (up == mnt) /* the top of the mount tree */
			goto done;
		walk->dentry = mountpoint;
		walk->vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
		walk->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	/* The parent and the name, and whether the dcache still holds the dentry: one read. */
	READ_FIELDS(dentry, 6, d_hash.pprev, hashed, d_parent, parent, d_name.name, name);
	if (parent == dentry)
		goto done;
	/* Removed: unhashed, and not a root (fs/dcache.c, d_unlinked()). */
	if (leaf && !hashed)
		rec->flags |= EXEC_CWD_DELETED;
	if (len > BOOTSTRAP_CWD_MAX - NAME_BYTES) /* a path too long: cut */
		return 1;
	/*
	 * A bound known at load time, checked in 64 bits on the value then used (older verifiers do
	 * not carry a check over to a copy of the value the compiler reloads).
	 */
	offset = (u64)walk->base + len;
	if (offset > BOOTSTRAP_ENV_AT_MOST(settings.max_args_bytes)) /* the cwd's end, at most */
		return 1;
	barrier_var(offset);
	copied = bpf_probe_read_kernel_str(exec_data(rec) + offset, NAME_BYTES, name);
	if (copied <= 0)
		return 1;
	walk->len = len + copied;
	walk->dentry = parent;
	return 0;
done:
	walk->done = true;
	return 1;
}

/*
 * Resolved here, at exec: by the time user space could read /proc/PID/cwd a short-lived process is
 * gone. A global function, like cwd_step(): the verifier checks its loop once. Inlined, the loop
 * was checked again for every combination of copy lengths the caller arrived with (30,000
 * instructions and 40 ms at every start on 6.18).
 */
__noinline u32 copy_cwd_of(u64 fs_address, u32 base)
{
	struct fs_struct *fs = (struct fs_struct *)fs_address;
	struct exec_record *rec = scratch_space();
	struct cwd_walk *walk = cwd_walk();
	struct mount *mnt;

	if (!rec || !walk)
		return 0;
	*walk = (struct cwd_walk){.base = base, .leaf = true};
	/* root and pwd, side by side */
	READ_FIELDS(fs, 4, root.mnt, walk->root_mnt, root.dentry, walk->root_dentry, pwd.mnt,
		    walk->vfsmnt, pwd.dentry, walk->dentry);
	/* Through struct mount, not vfsmount, whose name shares a CO-RE cache entry: see
	 * pid_ns_inum(). */
	mnt = (void *)walk->vfsmnt - bpf_core_field_offset(struct mount, mnt);
	walk->mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	for (u32 i = 0; i < BOOTSTRAP_CWD_DEPTH; i++)
		if (cwd_step())
			break;
	if (!walk->done)
		rec->flags |= EXEC_CWD_TRUNCATED;
	return walk->len > BOOTSTRAP_CWD_MAX ? BOOTSTRAP_CWD_MAX : walk->len;
}
