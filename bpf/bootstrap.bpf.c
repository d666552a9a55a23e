// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel side of bootstrap: one record per exec, per process exit and (optionally) per failed exec.
 *
 * Programs are tp_btf, so they need BTF but no tracefs, and read scalar task fields directly (BTF
 * pointer loads, no helper call per field). Pointers the verifier would have to classify
 * (real_parent, mm) are followed with CO-RE reads instead: for each direct load of one, a recent
 * verifier searches the whole kernel BTF by name for the field's trust annotations (mm alone added
 * 2 ms to every start on 6.18). Records are assembled in a per-CPU scratch buffer and copied into
 * the ring with their exact length, so a short command line costs little. The reader is woken only
 * when enough data waits; otherwise it drains the ring on a short timer.
 *
 * Built twice (see src/tracer/tracer.cpp): as is for libbpf's skeleton, and with BOOTSTRAP_LIGHT
 * for the light skeleton, which the kernel loads itself; the two differ only in how the failed-exec
 * program loops.
 */
#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Written by the user side between open and load (every field, always: the defaults live there), so
 * the verifier sees constants.
 */
const volatile struct tracer_settings settings = {0};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024); /* resized by the user side (--ring-size) */
} events SEC(".maps");

/*
 * Records the ring buffer could not take, and forked processes -p could not follow because the pid
 * map was full. Globals in .bss, which the user side reads through its memory mapping: no system
 * call, and no privilege needed once the capabilities are dropped.
 */
__u64 lost_records = 0;
__u64 untracked_forks = 0;

/* When the reader was last woken (CLOCK_MONOTONIC). Racing CPUs at worst wake it twice. */
__u64 last_wakeup_ns = 0;

/*
 * Until then (CLOCK_MONOTONIC) the reader drains on a timer of its own and does not listen to the
 * ring: written by the user side while records flow, 0 otherwise. A wake-up meanwhile would be
 * wasted, and raising one is most of what a record costs beyond its copy.
 */
__u64 reader_timer_ns = 0;

/*
 * The level of the tracer's pid namespace (settings.pidns_inum), found from the first task seen in
 * it: user space cannot tell it when its /proc belongs to that namespace.
 */
__u32 pidns_level = 0;

/*
 * Per-CPU space to assemble a record (see BOOTSTRAP_SCRATCH_BYTES). One entry per possible CPU, set
 * before load. Tracepoint programs run with preemption disabled, so a CPU's entry has a single user
 * at a time. libbpf resizes the value to settings.max_args_bytes; the light skeleton cannot resize
 * values, so the user side loads its object only for caps up to the default.
 */
#define SCRATCH_BYTES BOOTSTRAP_SCRATCH_BYTES(BOOTSTRAP_ARGS_DEFAULT)
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(u32)); /* no BTF types, so that the value can be resized */
	__uint(value_size, SCRATCH_BYTES);
} scratch SEC(".maps");

/*
 * Processes being traced under -p / -- CMD, by tgid: seeded by the user side, extended at every
 * fork of a traced process, cleared when the process ends. Sized to 1 entry unless that filter is
 * on.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, u32);
	__type(value, u8);
} traced_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} cgroup_filter SEC(".maps");

/* Per-process state, kept on the thread-group leader and freed by the kernel with the task. */
struct task_state {
	u64 exec_time_ns;
	u32 exit_reported; /* kernels without group_dead: the first thread to see the group dead
			      reports it */
	u32 known; /* exits_of_known: a record named this process, so its exit is delivered */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

/* exits_of_known: a record names this process (its leader), so the process table holds it. */
static __always_inline void mark_known(struct task_struct *leader)
{
	struct task_state *state;

	if (!settings.exits_of_known)
		return;
	state = bpf_task_storage_get(&task_states, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
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

static __always_inline void emit(void *record, u64 size, u64 now)
{
	if (bpf_ringbuf_output(&events, record, size, wakeup_flags(now)))
		__sync_fetch_and_add(&lost_records, 1);
}

static __always_inline void *scratch_space(void)
{
	u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/*
 * A probe read costs tens of nanoseconds whatever its size, and an exec record needs dozens of
 * kernel fields, so fields that lie together in a struct are read in one copy: a window of
 * sizeof(buf) bytes of the struct from offset `base`. Whether a field lies in the window is a
 * question about CO-RE constants (its offset in this kernel), answered at load: the verifier
 * follows only the path taken. A kernel that lays a struct out otherwise (randomized layouts)
 * reads each field on its own, at the same offset.
 */
/*
 * Taken once into a variable the compiler cannot see through: otherwise it materializes the
 * constant again at each use, each one a relocation more for the loader (and a line more in its
 * log).
 */
#define FIELD_OFFSET(src, field)                                                                   \
	({                                                                                         \
		u64 __offset = bpf_core_field_offset((src)->field);                                \
		barrier_var(__offset);                                                             \
		__offset;                                                                          \
	})
#define IN_WINDOW(buf, base, at, size) ((at) >= (base) && (at) + (size) <= (base) + sizeof(buf))
/* Windows start 8-byte aligned, as the verifier wants the pointers loaded from them. */
#define WINDOW_BASE(at1, at2) (((at1) < (at2) ? (at1) : (at2)) & ~7ULL)
#define READ_WINDOW(buf, base, src) bpf_probe_read_kernel(buf, sizeof(buf), (void *)(src) + (base))

/*
 * The field at offset `at` of *src into `value`: from the window when it is in it, else on its
 * own. Its place in the window is worked out apart: the verifier refuses a pointer moved down.
 */
#define WINDOW_FIELD(value, in_window, buf, base, src, field, at)                                  \
	({                                                                                         \
		u64 __rel = (at) - (base), __raw = 0;                                              \
		barrier_var(__rel);                                                                \
		if (in_window)                                                                     \
			value = *(typeof((src)->field) *)((void *)(buf) + __rel);                  \
		else if (!bpf_probe_read_kernel(&__raw, sizeof((src)->field),                      \
						(void *)(src) + (at)))                             \
			value = (typeof((src)->field))                                             \
			    __raw; /* a number or a pointer, in the low bytes */                   \
		else                                                                               \
			value = 0;                                                                 \
	})

/* Two fields of *src, in one read when they lie within 48 bytes of each other. */
#define READ_PAIR(src, field1, value1, field2, value2)                                             \
	({                                                                                         \
		u64 __buf[6], __at1 = FIELD_OFFSET(src, field1),                                   \
			      __at2 = FIELD_OFFSET(src, field2);                                   \
		u64 __base = WINDOW_BASE(__at1, __at2);                                            \
		bool __in = IN_WINDOW(__buf, __base, __at1, sizeof((src)->field1)) &&              \
			    IN_WINDOW(__buf, __base, __at2, sizeof((src)->field2));                \
		if (__in)                                                                          \
			READ_WINDOW(__buf, __base, src);                                           \
		WINDOW_FIELD(value1, __in, __buf, __base, src, field1, __at1);                     \
		WINDOW_FIELD(value2, __in, __buf, __base, src, field2, __at2);                     \
	})

/* include/linux/pid_namespace.h: namespaces nest at most this deep. */
#define MAX_PID_NS_LEVEL 32

/*
 * A pid namespace's inode number. The kernel keeps the CO-RE candidates it found for a type name in
 * a small table indexed by a hash of the name, where pid, pid_namespace and fs_struct share an
 * entry: each switch from one to another in the relocations costs a new search of the whole kernel
 * BTF (about half a millisecond) at every start. Read in this one global function, pid_namespace
 * comes once per program instead of between every two reads of a struct pid.
 */
__noinline u32 pid_ns_inum(u64 address)
{
	struct pid_namespace *ns = (struct pid_namespace *)address;

	return BPF_CORE_READ(ns, ns.inum);
}

/*
 * A struct pid's number in the tracer's pid namespace, or 0 when it has none there (the task lives
 * outside the namespace, or has no pid any more).
 */
__noinline u32 number_in_tracer_ns_of(u64 address)
{
	struct pid *pid = (struct pid *)address;
	u32 top = BPF_CORE_READ(pid, level), level = pidns_level;

	if (!level) {
		for (u32 i = 1; i <= MAX_PID_NS_LEVEL && i <= top; i++) {
			if (pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[i].ns)) ==
			    settings.pidns_inum) {
				level = pidns_level = i;
				break;
			}
		}
		if (!level)
			return 0;
	}
	if (level > top ||
	    pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[level].ns)) != settings.pidns_inum)
		return 0;
	return BPF_CORE_READ(pid, numbers[level].nr);
}

/*
 * A global function, checked once by the verifier, however many places translate a pid; it takes
 * the struct pid's address as a number because a global function's pointers must be to memory the
 * verifier knows.
 */
static __always_inline u32 number_in_tracer_ns(struct pid *pid)
{
	return number_in_tracer_ns_of((u64)pid);
}

/*
 * Process and thread ids as the tracer's pid namespace numbers them (0: not in it). In the host's
 * namespace that is the task's own fields, and the rest is never verified. `task` must be a trusted
 * pointer (a program argument); process_id_of() takes any.
 */
static __always_inline u32 process_id(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return task->tgid;
	return number_in_tracer_ns(BPF_CORE_READ(task, group_leader, thread_pid));
}

static __always_inline u32 thread_id(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return task->pid;
	return number_in_tracer_ns(BPF_CORE_READ(task, thread_pid));
}

/* The inode number of the pid namespace the task lives in (the deepest it has a number in). */
static __always_inline u32 own_pid_namespace(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	u32 level = BPF_CORE_READ(pid, level);

	return pid_ns_inum((u64)BPF_CORE_READ(pid, numbers[level].ns));
}

/* Any struct pid's number (a session's, a process group's) as the tracer's namespace sees it. */
static __always_inline u32 number_seen(struct pid *pid)
{
	if (!settings.pidns_inum)
		return BPF_CORE_READ(pid, numbers[0].nr);
	return number_in_tracer_ns(pid);
}

static __always_inline u32 process_id_of(struct task_struct *task)
{
	if (!settings.pidns_inum)
		return BPF_CORE_READ(task, tgid);
	return number_in_tracer_ns(BPF_CORE_READ(task, group_leader, thread_pid));
}

static __always_inline bool comm_matches(struct task_struct *task)
{
	int i;

	for (i = 0; i < BOOTSTRAP_COMM_LEN; i++) {
		if (task->comm[i] != settings.target_comm[i])
			return false;
		if (!settings.target_comm[i])
			break;
	}
	return true;
}

static __always_inline bool in_traced_tree(struct task_struct *task)
{
	u32 tgid = process_id(task);

	return !settings.filter_traced_tree || bpf_map_lookup_elem(&traced_tgids, &tgid);
}

/* Filters on who the task is, checked before any record is assembled. */
static __always_inline bool passes_filters(struct task_struct *task)
{
	if (settings.pidns_inum && !process_id(task)) /* outside the tracer's pid namespace */
		return false;
	if (settings.filter_pidns && own_pid_namespace(task) != settings.target_pidns)
		return false;
	if (settings.filter_ppid &&
	    process_id_of(BPF_CORE_READ(task, real_parent)) != settings.target_ppid)
		return false;
	if (settings.filter_uid && (u32)bpf_get_current_uid_gid() != settings.target_uid)
		return false;
	if (settings.filter_comm && !comm_matches(task))
		return false;
	if (settings.filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

static __always_inline bool wanted(struct task_struct *task)
{
	return in_traced_tree(task) && passes_filters(task);
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

	READ_PAIR(parent, pid, parent_pid, tgid, parent_tgid);
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

#ifndef BOOTSTRAP_EXEC_EXIT_ONLY
/* A new process (not a thread) under -p / command mode joins the traced set: its events are wanted.
 */
static __always_inline bool follow_fork(u32 parent_tgid, u32 child_tgid)
{
	u8 traced = 1;

	if (!bpf_map_lookup_elem(&traced_tgids, &parent_tgid))
		return false;
	if (bpf_map_update_elem(&traced_tgids, &child_tgid, &traced, BPF_ANY))
		__sync_fetch_and_add(&untracked_forks, 1); /* its events will be missing: say so */
	return true;
}

/*
 * Attached for -p / command mode (to follow forks) and for fork records. Runs in the parent, after
 * the child's task is complete: its start time and exec_seq are set.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	u64 now = bpf_ktime_get_ns();
	struct record_header *rec;

	if (parent->tgid == child->tgid) /* a new thread of a process already known */
		return 0;
	if (settings.filter_traced_tree && !follow_fork(process_id(parent), process_id(child)))
		return 0;
	if (!settings.report_forks || !passes_filters(child))
		return 0;
	rec = scratch_space();
	if (!rec)
		return 0;
	/* The parent's uid, gid, cgroup and name are the child's: it has not run yet. */
	fill_header(rec, RECORD_FORK, child, now);
	emit(rec, sizeof(*rec), now);
	mark_known(child);
	return 0;
}
#endif /* BOOTSTRAP_EXEC_EXIT_ONLY */

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
	if (offset > BOOTSTRAP_INTERP_AT_MOST(BOOTSTRAP_ARGS_CEILING)) /* never taken; for the
									   verifier */
		return 0;
	len = bpf_probe_read_kernel_str(exec_data(rec) + offset, BOOTSTRAP_INTERP_MAX, interp);
	if (len <= 0)
		return 0;
	return len > BOOTSTRAP_INTERP_MAX ? BOOTSTRAP_INTERP_MAX : len;
}

/* The working directory, walked from its leaf up to the task's root, one step per call. */
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

/* A component is at most NAME_MAX bytes. */
#define NAME_BYTES 256

/*
 * One step up: a component copied into this CPU's record, or a mount crossed. Returns 1 once the
 * walk is over. A global function: the verifier checks it once, on its own, however deep the walk
 * goes.
 */
__noinline int cwd_step(struct cwd_walk *walk)
{
	struct dentry *dentry, *parent;
	struct vfsmount *vfsmnt;
	struct exec_record *rec = scratch_space();
	const unsigned char *name;
	struct hlist_bl_node **hashed;
	u64 buf[6], hash_at, parent_at, name_at, window;
	u32 len;
	u64 offset;
	long copied;
	bool in, leaf;

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

		READ_PAIR(mnt, mnt_parent, up, mnt_mountpoint, mountpoint);
		if (up == mnt) /* the top of the mount tree */
			goto done;
		walk->dentry = mountpoint;
		walk->vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
		walk->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	/* The parent and the name, and at the leaf whether the dcache still holds it: one read. */
	hash_at = FIELD_OFFSET(dentry, d_hash.pprev);
	parent_at = FIELD_OFFSET(dentry, d_parent);
	name_at = FIELD_OFFSET(dentry, d_name.name);
	window = WINDOW_BASE(hash_at, parent_at);
	in = IN_WINDOW(buf, window, hash_at, 8) && IN_WINDOW(buf, window, parent_at, 8) &&
	     IN_WINDOW(buf, window, name_at, 8);
	if (in)
		READ_WINDOW(buf, window, dentry);
	WINDOW_FIELD(parent, in, buf, window, dentry, d_parent, parent_at);
	WINDOW_FIELD(name, in, buf, window, dentry, d_name.name, name_at);
	if (parent == dentry)
		goto done;
	if (leaf) {
		/* Removed: unhashed, and not a root (fs/dcache.c, d_unlinked()). */
		WINDOW_FIELD(hashed, in, buf, window, dentry, d_hash.pprev, hash_at);
		if (!hashed)
			rec->flags |= EXEC_CWD_DELETED;
	}
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
 * The working directory's components at `base` in this CPU's record (base is at most
 * BOOTSTRAP_CWD_AT_MOST(the argv cap)); returns their length. Resolved here, at exec: by the time
 * user space could read /proc/PID/cwd a short-lived process is gone. A global function, like
 * cwd_step(): the verifier checks its loop once. Inlined, the loop was checked again for every
 * combination of copy lengths the caller arrived with (30,000 instructions and 40 ms at every start
 * on 6.18).
 */
__noinline u32 copy_cwd_of(u64 fs_address, u32 base)
{
	struct fs_struct *fs = (struct fs_struct *)fs_address;
	struct exec_record *rec = scratch_space();
	struct cwd_walk walk = {.base = base, .leaf = true};
	struct mount *mnt;
	u64 buf[4], root_mnt = FIELD_OFFSET(fs, root.mnt);
	u64 root_dentry = FIELD_OFFSET(fs, root.dentry), pwd_mnt = FIELD_OFFSET(fs, pwd.mnt);
	u64 pwd_dentry = FIELD_OFFSET(fs, pwd.dentry), window = WINDOW_BASE(root_mnt, pwd_mnt);
	bool in = IN_WINDOW(buf, window, root_mnt, 8) && IN_WINDOW(buf, window, root_dentry, 8) &&
		  IN_WINDOW(buf, window, pwd_mnt, 8) && IN_WINDOW(buf, window, pwd_dentry, 8);

	if (!rec)
		return 0;
	if (in) /* root and pwd, side by side */
		READ_WINDOW(buf, window, fs);
	WINDOW_FIELD(walk.root_mnt, in, buf, window, fs, root.mnt, root_mnt);
	WINDOW_FIELD(walk.root_dentry, in, buf, window, fs, root.dentry, root_dentry);
	WINDOW_FIELD(walk.vfsmnt, in, buf, window, fs, pwd.mnt, pwd_mnt);
	WINDOW_FIELD(walk.dentry, in, buf, window, fs, pwd.dentry, pwd_dentry);
	/* Through struct mount, not vfsmount, whose name shares a CO-RE cache entry: see
	 * pid_ns_inum(). */
	mnt = (void *)walk.vfsmnt - bpf_core_field_offset(struct mount, mnt);
	walk.mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	for (u32 i = 0; i < BOOTSTRAP_CWD_DEPTH; i++)
		if (cwd_step(&walk))
			break;
	if (!walk.done)
		rec->flags |= EXEC_CWD_TRUNCATED;
	return walk.len > BOOTSTRAP_CWD_MAX ? BOOTSTRAP_CWD_MAX : walk.len;
}

static __always_inline u32 copy_cwd(struct fs_struct *fs, u32 base)
{
	u32 len = copy_cwd_of((u64)fs, base);

	return len > BOOTSTRAP_CWD_MAX ? BOOTSTRAP_CWD_MAX
				       : len; /* never taken; for the verifier */
}

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
	u64 buf[4], uid = FIELD_OFFSET(cred, uid), gid = FIELD_OFFSET(cred, gid);
	u64 euid = FIELD_OFFSET(cred, euid), egid = FIELD_OFFSET(cred, egid);
	u64 base = WINDOW_BASE(uid, gid);
	bool in = IN_WINDOW(buf, base, uid, 4) && IN_WINDOW(buf, base, gid, 4) &&
		  IN_WINDOW(buf, base, euid, 4) && IN_WINDOW(buf, base, egid, 4);

	if (in) /* uid, gid, suid, sgid, euid, egid */
		READ_WINDOW(buf, base, cred);
	WINDOW_FIELD(context->uid, in, buf, base, cred, uid.val, uid);
	WINDOW_FIELD(context->gid, in, buf, base, cred, gid.val, gid);
	WINDOW_FIELD(context->euid, in, buf, base, cred, euid.val, euid);
	WINDOW_FIELD(context->egid, in, buf, base, cred, egid.val, egid);
	context->cred = cred;
}

/* The controlling terminal's device number: the driver's major and minor_start plus the index. */
static __always_inline u32 terminal(struct tty_struct *tty)
{
	struct tty_driver *driver;
	int index, major, minor_start;

	if (!tty)
		return 0;
	READ_PAIR(tty, driver, driver, index, index);
	READ_PAIR(driver, major, major, minor_start, minor_start);
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
	u64 buf[5], fs = FIELD_OFFSET(task, fs), nsproxy_at = FIELD_OFFSET(task, nsproxy);
	u64 signal_at = FIELD_OFFSET(task, signal), base = WINDOW_BASE(fs, signal_at);
	bool in = IN_WINDOW(buf, base, fs, 8) && IN_WINDOW(buf, base, nsproxy_at, 8) &&
		  IN_WINDOW(buf, base, signal_at, 8);

	if (in) /* fs, files, io_uring, nsproxy, signal */
		READ_WINDOW(buf, base, task);
	WINDOW_FIELD(context->fs, in, buf, base, task, fs, fs);
	WINDOW_FIELD(nsproxy, in, buf, base, task, nsproxy, nsproxy_at);
	WINDOW_FIELD(signal, in, buf, base, task, signal, signal_at);
	read_creds(task, context);
	rec->euid = context->euid;
	rec->egid = context->egid;
	/* A number, not a pointer: loaded directly, without a helper call. */
	rec->auid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : -1;
	/* Sessions and namespaces: the sid as the tracer sees it, the pid as the process does. */
	READ_PAIR(signal, pids[PIDTYPE_SID], session, tty, tty);
	rec->sid = number_seen(session);
	rec->tty = terminal(tty);
	if (level == 0) { /* the host's namespace: its numbers are the host's, its inode is fixed */
		rec->ns_pid = task->tgid;
		rec->pid_ns = PROC_PID_INIT_INO;
	} else {
		READ_PAIR(own, nr, rec->ns_pid, ns, pid_ns);
		rec->pid_ns = pid_ns_inum((u64)pid_ns);
	}
	rec->mnt_ns = BPF_CORE_READ(nsproxy, mnt_ns, ns.inum);
	rec->cwd_len = rec->env_len = 0;
}

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
 * for the deepest chain of calls) with the cwd walk's frames added.
 */
__noinline u32 program_flags_of(u64 file_address, bool secureexec, struct exec_context *context)
{
	struct file *file = (struct file *)file_address;
	struct inode *inode;
	struct dentry *dentry, *parent;
	struct super_block *sb;
	const unsigned char *name_address;
	u32 mode, nlink, flags;
	u64 buf[10], mode_at, sb_at, nlink_at, base;
	bool in;
	char name[6] = {};

	READ_PAIR(file, f_inode, inode, f_path.dentry, dentry);
	mode_at = FIELD_OFFSET(inode, i_mode);
	sb_at = FIELD_OFFSET(inode, i_sb);
	nlink_at = FIELD_OFFSET(inode, i_nlink);
	base = WINDOW_BASE(mode_at, sb_at);
	in = IN_WINDOW(buf, base, mode_at, 2) && IN_WINDOW(buf, base, sb_at, 8) &&
	     IN_WINDOW(buf, base, nlink_at, 4);
	if (in) /* i_mode to i_nlink */
		READ_WINDOW(buf, base, inode);
	WINDOW_FIELD(mode, in, buf, base, inode, i_mode, mode_at);
	WINDOW_FIELD(sb, in, buf, base, inode, i_sb, sb_at);
	WINDOW_FIELD(nlink, in, buf, base, inode, i_nlink, nlink_at);
	if (!context)
		return 0;
	flags = raised_privileges(secureexec, context, inode, mode);
	if (nlink == 0) {
		flags |= EXEC_DELETED;
		/*
		 * memfd_create names its file "memfd:NAME" (mm/memfd.c), and its inode never has a
		 * link (shmem and hugetlbfs clear it): the name is read only for such a file. Its
		 * dentry is a pseudo one, its own parent (alloc_file_pseudo()), where a deleted
		 * file of the same name keeps the directory it was in.
		 */
		READ_PAIR(dentry, d_parent, parent, d_name.name, name_address);
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
	u64 buf[4], arg_start = FIELD_OFFSET(mm, arg_start), arg_end = FIELD_OFFSET(mm, arg_end);
	u64 env_start = FIELD_OFFSET(mm, env_start), env_end = FIELD_OFFSET(mm, env_end);
	u64 base = WINDOW_BASE(arg_start, env_start);
	bool in = IN_WINDOW(buf, base, arg_start, 8) && IN_WINDOW(buf, base, arg_end, 8) &&
		  IN_WINDOW(buf, base, env_start, 8) && IN_WINDOW(buf, base, env_end, 8);

	if (in)
		READ_WINDOW(buf, base, mm);
	WINDOW_FIELD(strings->arg_start, in, buf, base, mm, arg_start, arg_start);
	WINDOW_FIELD(strings->arg_end, in, buf, base, mm, arg_end, arg_end);
	WINDOW_FIELD(strings->env_start, in, buf, base, mm, env_start, env_start);
	WINDOW_FIELD(strings->env_end, in, buf, base, mm, env_end, env_end);
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
		state = bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
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
	rec->flags = program_flags_of((u64)BPF_CORE_READ(bprm, file),
				      BPF_CORE_READ_BITFIELD(bprm, secureexec), &context);

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

/* Kernels before 6.16 do not say whether the exiting thread is the last one. */
static __always_inline bool group_dead_without_tp_arg(struct task_struct *leader,
						      struct signal_struct *signal)
{
	struct task_state *state;

	if (signal->live.counter != 0)
		return false;
	/*
	 * live is decremented before the tracepoint, so two threads exiting together can both read
	 * 0. The first to flag the leader's state reports the process.
	 */
	state = bpf_task_storage_get(&task_states, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	return !state || __sync_val_compare_and_swap(&state->exit_reported, 0, 1) == 0;
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
	struct exit_record *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);

	if (!rec) {
		if (!(flags & EXIT_UNREPORTED))
			__sync_fetch_and_add(&lost_records, 1);
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
	bool traced, wanted;
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
	if (!wanted && !settings.exits_of_known)
		return 0;

	state = bpf_task_storage_get(&task_states, leader, 0, 0);
	if (state)
		exec_time = state->exec_time_ns;
	/* -d: the lifetime since exec, or since fork for a process whose exec came before tracing.
	 */
	if (wanted && settings.min_duration_ns &&
	    now - (exec_time ? exec_time : leader->start_time) < settings.min_duration_ns)
		wanted = false;
	if (wanted)
		flags = 0;
	else if (group_dead && state && state->known) /* the process table must forget it */
		flags = EXIT_UNREPORTED;
	else
		return 0;
	emit_exit(task, leader, signal, group_dead, exec_time, flags, now);
	return 0;
}

#ifndef BOOTSTRAP_EXEC_EXIT_ONLY
/*
 * Left out of the light object that serves the common run (BOOTSTRAP_EXEC_EXIT_ONLY): its loader
 * loads every program it holds, and each one costs start-up time in the verifier and in the
 * kernel's CO-RE relocations.
 */

/*
 * The processes running now, one RECORD_RUNNING each, read by the user side through an iterator it
 * creates once at start. Not attached to anything: it runs only while that iterator is read.
 */
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

#ifdef BOOTSTRAP_LIGHT
static long copy_failed_arg_callback(u32 index, void *copy)
{
	return copy_failed_arg(index, copy);
}
#endif

/* Failed execs: the system call's error, with filename and argv read back from the caller's memory.
 */
static __always_inline int report_failed_exec(long ret, const char *filename,
					      const char *const *argv)
{
	struct argv_copy copy = {.argv = argv};
	struct exec_context context;
	struct task_struct *task;
	struct exec_record *rec;
	u32 cwd_len;
	u64 size;

	task = bpf_get_current_task_btf();
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

	/*
	 * The light object needs Linux 5.17 anyway, which has bpf_loop: the verifier then checks
	 * one argument's copy instead of every iteration of the loop, which costs milliseconds at
	 * every start.
	 */
#ifdef BOOTSTRAP_LIGHT
	bpf_loop(BOOTSTRAP_FAILED_ARGS_MAX, copy_failed_arg_callback, &copy, 0);
#else
	for (u32 i = 0; i < BOOTSTRAP_FAILED_ARGS_MAX; i++)
		if (copy_failed_arg(i, &copy))
			break;
#endif
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
SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	const char *const *argv;
	const char *filename;
	long nr;

	if (ret >= 0)
		return 0;
	/* A 32-bit task's numbers are another table's (59 is olduname there on x86). */
	if (SYSCALL_IS_COMPAT(regs))
		return 0;
	nr = SYSCALL_NR(regs);
	if (nr == NR_execve) {
		filename = (const char *)SYSCALL_ARG0(regs);
		argv = (const char *const *)SYSCALL_ARG1(regs);
	} else if (nr == NR_execveat) {
		filename = (const char *)SYSCALL_ARG1(regs);
		argv = (const char *const *)SYSCALL_ARG2(regs);
	} else {
		return 0;
	}
	return report_failed_exec(ret, filename, argv); /* one call site: verified once */
}
#endif /* BOOTSTRAP_EXEC_EXIT_ONLY */
