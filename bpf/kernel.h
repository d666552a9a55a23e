/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel types the programs read, and only those. Each struct lists just the fields used; with
 * preserve_access_index every access becomes a CO-RE relocation that libbpf resolves against the
 * running kernel's BTF at load time, so field order and offsets here do not matter and the build
 * never needs the build machine's kernel. This file is the list of what the tool depends on in the
 * kernel.
 */
#ifndef BOOTSTRAP_KERNEL_H
#define BOOTSTRAP_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;
typedef int pid_t;
typedef _Bool bool;
#define true 1
#define false 0

/* include/linux/sched/signal.h: signal_struct.flags bit set by exit_group() and fatal signals. */
#define SIGNAL_GROUP_EXIT 0x00000004
/* The same flags: set on a pid namespace's init, the reaper of its orphans (kernel/fork.c). */
#define SIGNAL_UNKILLABLE 0x00000040

typedef struct {
	int counter;
} atomic_t;

struct sched_entity {
	u64 sum_exec_runtime; /* up to date at the last tick or switch */
} __attribute__((preserve_access_index));

#if defined(__TARGET_ARCH_x86)
/* arch/x86/include/asm/thread_info.h: the task is in a 32-bit system call. */
#define TS_COMPAT 0x0002

struct thread_info {
	u32 status;
} __attribute__((preserve_access_index));
#endif

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
} __attribute__((preserve_access_index));

struct signal_struct {
	atomic_t live;	     /* threads not yet exited; 0 once the group is dead */
	int group_exit_code; /* valid when flags has SIGNAL_GROUP_EXIT */
	unsigned int flags;
	u64 utime; /* times and counters of threads already released */
	u64 stime;
	unsigned long long sum_sched_runtime;
	unsigned long nvcsw;
	unsigned long nivcsw;
	unsigned long min_flt;
	unsigned long maj_flt;
	unsigned long maxrss; /* peak RSS in pages, folded in at exec and when the group dies */
	struct pid *pids[4];  /* by enum pid_type */
	struct tty_struct *tty;
	unsigned int is_child_subreaper : 1; /* prctl(PR_SET_CHILD_SUBREAPER) */
} __attribute__((preserve_access_index));

/* include/linux/pid.h */
enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	PIDTYPE_SID,
};

typedef struct {
	unsigned int val;
} kuid_t;

typedef struct {
	unsigned int val;
} kgid_t;

/* 64 bits of capabilities: a u64 since 6.3, two u32 before, the same bytes on a little-endian CPU.
 */
typedef struct {
	u64 val;
} kernel_cap_t;

/*
 * A user namespace's ids as its parent's see them: up to five extents in place, more in an array
 * sorted by `first` (include/linux/user_namespace.h); the lower ids are the host's.
 */
#define UID_GID_MAP_MAX_BASE_EXTENTS 5

struct uid_gid_extent {
	u32 first;
	u32 lower_first;
	u32 count;
} __attribute__((preserve_access_index));

struct uid_gid_map {
	u32 nr_extents;
	struct uid_gid_extent extent[UID_GID_MAP_MAX_BASE_EXTENTS]; /* in a union with forward */
	struct uid_gid_extent *forward;
} __attribute__((preserve_access_index));

struct user_namespace {
	struct uid_gid_map uid_map;
} __attribute__((preserve_access_index));

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
	kernel_cap_t cap_ambient;
	struct user_namespace *user_ns;
} __attribute__((preserve_access_index));

/* Paths: a dentry names one component; a mount's root dentry hangs on its parent's mountpoint. */
struct qstr {
	u32 len;
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct super_block {
	unsigned long s_magic;
} __attribute__((preserve_access_index));

/* include/uapi/linux/magic.h */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* A dentry in the dcache's hash table: pprev is NULL once it is unhashed (removed). */
struct hlist_bl_node {
	struct hlist_bl_node *next;
	struct hlist_bl_node **pprev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned int i_nlink;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct dentry {
	struct hlist_bl_node d_hash;
	/* Itself for a file system's root and for a pseudo file's dentry. */
	struct dentry *d_parent;
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

/* fs/mount.h: what the kernel wraps around each vfsmount. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
	struct path pwd;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	struct inode *f_inode;
} __attribute__((preserve_access_index));

/* The controlling terminal: its device number is the driver's major and minor_start plus index. */
struct tty_driver {
	int major;
	int minor_start;
} __attribute__((preserve_access_index));

struct tty_struct {
	struct tty_driver *driver;
	int index;
} __attribute__((preserve_access_index));

struct mnt_namespace;
struct nsproxy {
	struct mnt_namespace *mnt_ns;
} __attribute__((preserve_access_index));

/* The cgroup v2 id of a task: task->cgroups->dfl_cgrp->kn->id (u64 since 5.5). */
struct kernfs_node {
	u64 id;
} __attribute__((preserve_access_index));

/* A cgroup's place in the tree, for counting it at a level (throttle.h): its parent is self.parent.
 */
struct cgroup_subsys_state {
	struct cgroup_subsys_state *parent;
} __attribute__((preserve_access_index));

struct cgroup {
	struct cgroup_subsys_state self;
	int level; /* the root's is 0 */
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

/*
 * Pid namespaces: a task's struct pid holds its number at every level, from the host's (0) down to
 * the namespace it lives in (level). A namespace is known to user space by its inode number.
 */
struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

/* include/linux/proc_ns.h: the inode number of the host's pid namespace, fixed since 3.8. */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

struct pid_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct mnt_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1]; /* level + 1 entries */
} __attribute__((preserve_access_index));

struct task_struct {
#if defined(__TARGET_ARCH_x86)
	struct thread_info thread_info;
#endif
	struct pid *thread_pid;
	const struct cred *real_cred;
	struct css_set *cgroups;
	pid_t pid;
	pid_t tgid;
	int exit_code;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct signal_struct *signal;
	struct mm_struct *mm;
	const struct cred *cred; /* the subjective credentials: after exec, the new ones */
	struct fs_struct *fs;
	struct nsproxy *nsproxy;
	kuid_t loginuid; /* CONFIG_AUDIT */
	u64 start_time;
	u64 self_exec_id;   /* incremented by every exec; u64 since 5.7 */
	u64 parent_exec_id; /* the forking parent's self_exec_id then (kernel/fork.c) */
	u64 utime;
	u64 stime;
	struct sched_entity se;
	unsigned long nvcsw;
	unsigned long nivcsw;
	unsigned long min_flt;
	unsigned long maj_flt;
	char comm[16];
} __attribute__((preserve_access_index));

/* Exists, with group_dead, from kernel 6.16 on: the sign that sched_process_exit passes group_dead.
 */
struct trace_event_raw_sched_process_exit {
	bool group_dead;
} __attribute__((preserve_access_index));

struct linux_binprm {
	/*
	 * Set when the exec gained privileges (set-id bits, or capabilities for a process that is
	 * not its user namespace's root): the kernel's AT_SECURE.
	 */
	unsigned int secureexec : 1;
	struct file *file;
	const char *filename;
	const char *interp; /* the #! interpreter of a script; else the same pointer as filename */
} __attribute__((preserve_access_index));

/*
 * The user registers saved at system-call entry, as the sys_exit tracepoint passes them: the call's
 * number, its first three arguments as the call received them, and whether its numbers are those of
 * the 32-bit table. The build defines __TARGET_ARCH_<arch> for the architecture it targets.
 */
#if defined(__TARGET_ARCH_x86)
/* x86-64: the number in orig_ax, arguments in di, si, dx. */
#define NR_execve 59
#define NR_execveat 322

struct pt_regs {
	unsigned long orig_ax;
	unsigned long di;
	unsigned long si;
	unsigned long dx;
} __attribute__((preserve_access_index));

#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define SYSCALL_ARG0(regs) ((regs)->di)
#define SYSCALL_ARG1(regs) ((regs)->si)
#define SYSCALL_ARG2(regs) ((regs)->dx)
/* A 64-bit process can make 32-bit calls (int 0x80): this marks the call, not the process. */
#define SYSCALL_IS_COMPAT(regs, task) ((task)->thread_info.status & TS_COMPAT)

#elif defined(__TARGET_ARCH_arm64)
/* arm64 (arch/arm64/include/asm/ptrace.h): the number in syscallno, arguments in x0, x1, x2. The
 * return value overwrites x0, so at sys_exit the first argument is only in orig_x0. */
#define NR_execve 221
#define NR_execveat 281

struct pt_regs {
	u64 regs[31];
	u64 pstate;
	u64 orig_x0;
	s32 syscallno;
} __attribute__((preserve_access_index));

/* PSTATE.M[4], set while the task runs AArch32 code: fixed by the architecture, where the kernel's
 * own mark, the TIF_32BIT thread flag, is a bit number that may change (22 up to now, 18 in a
 * proposed renumbering). */
#define PSR_MODE32_BIT 0x10

#define SYSCALL_NR(regs) ((regs)->syscallno)
#define SYSCALL_ARG0(regs) ((regs)->orig_x0)
#define SYSCALL_ARG1(regs) ((regs)->regs[1])
#define SYSCALL_ARG2(regs) ((regs)->regs[2])
#define SYSCALL_IS_COMPAT(regs, task) ((regs)->pstate & PSR_MODE32_BIT)

#else
#error "define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64: the system-call registers differ"
#endif

/* The task iterator's context (iter/task, 5.8): each task in turn, then once with a NULL task. */
struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

#endif /* BOOTSTRAP_KERNEL_H */
