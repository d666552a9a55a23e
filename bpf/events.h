/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/user ABI: the records the BPF programs write into the ring buffer, and the knobs the
 * user side sets before load. Plain C with fixed-width types (__u32 and friends from
 * <linux/types.h>, which the includer provides), explicit padding and no pointers, so both sides
 * see the same bytes. A unit test pins every size and offset; change them together with the
 * decoder.
 */
#ifndef BOOTSTRAP_EVENTS_H
#define BOOTSTRAP_EVENTS_H

#define BOOTSTRAP_COMM_LEN 16
/*
 * The programs wake the reader at once after a quiet spell, then at most this often in a burst (or
 * when a batch waits). The reader drains on its own timer for as long after a record, so none waits
 * long.
 */
#define BOOTSTRAP_WAKEUP_INTERVAL_NS (20ULL * 1000 * 1000)

/*
 * Record-size limits: the one table of what an exec record may carry. Everything else derives from
 * it: the per-CPU scratch space, the bounds the programs give the verifier, the smallest ring the
 * user side accepts and the message that says so. tests/unit/abi_test.cpp pins it.
 *
 * An exec record is the fixed struct exec_record followed by, in this order:
 *  - the filename: at most BOOTSTRAP_FILENAME_MAX (PATH_MAX: the kernel never hands exec a longer
 *    name, so a filename is never cut);
 *  - argv: at most the argv cap, settings.max_args_bytes: BOOTSTRAP_ARGS_DEFAULT unless the user
 *    sets it, at most BOOTSTRAP_ARGS_CEILING (the user side checks the range);
 *  - a script's interpreter: at most BOOTSTRAP_INTERP_MAX (PATH_MAX);
 *  - the working directory: at most BOOTSTRAP_CWD_MAX bytes of components, found in at most
 *    BOOTSTRAP_CWD_DEPTH steps up the tree (components and mount crossings);
 *  - the environment (--env): at most the argv cap.
 * A failed exec's record has the filename, argv (at most BOOTSTRAP_FAILED_ARGS_MAX arguments, read
 * pointer by pointer from the caller's memory) and the working directory.
 */
#define BOOTSTRAP_FILENAME_MAX 4096
#define BOOTSTRAP_ARGS_DEFAULT (32 * 1024)
#define BOOTSTRAP_ARGS_CEILING (1024 * 1024)
#define BOOTSTRAP_INTERP_MAX 4096
#define BOOTSTRAP_CWD_MAX 4096
#define BOOTSTRAP_CWD_DEPTH 64
#define BOOTSTRAP_FAILED_ARGS_MAX 64

/* Where each part after argv starts at the latest (after the fixed part), for an argv cap. */
#define BOOTSTRAP_INTERP_AT_MOST(args_cap) ((__u64)BOOTSTRAP_FILENAME_MAX + (__u64)(args_cap))
#define BOOTSTRAP_CWD_AT_MOST(args_cap) (BOOTSTRAP_INTERP_AT_MOST(args_cap) + BOOTSTRAP_INTERP_MAX)
#define BOOTSTRAP_ENV_AT_MOST(args_cap) (BOOTSTRAP_CWD_AT_MOST(args_cap) + BOOTSTRAP_CWD_MAX)
/* The most an exec record carries after its fixed part. */
#define BOOTSTRAP_EXEC_DATA_MAX(args_cap, env)                                                     \
	(BOOTSTRAP_ENV_AT_MOST(args_cap) + ((env) ? (__u64)(args_cap) : 0))

/*
 * Per-CPU space to assemble an exec record: the fixed part and the most it carries, with one more
 * PATH_MAX of slack because the verifier bounds each copy's offset and length separately (a working
 * directory component may start at the environment's place).
 */
/*
 * Room for a copy of the current task on kernels without bpf_get_current_task_btf (before 5.11):
 * struct task_struct is 9,344 bytes on Debian 11's 5.10.
 */
#define BOOTSTRAP_TASK_COPY_BYTES 16384

#define BOOTSTRAP_SCRATCH_BYTES(args_cap)                                                          \
	(sizeof(struct exec_record) + BOOTSTRAP_EXEC_DATA_MAX(args_cap, 1) + BOOTSTRAP_FILENAME_MAX)

/*
 * The smallest ring the user side accepts: the largest exec record must fit it this many times
 * over, each counted with BOOTSTRAP_RING_RECORD_OVERHEAD for its fixed part and the ring's own
 * header, rounded up.
 */
#define BOOTSTRAP_RING_RECORDS_MIN 3
#define BOOTSTRAP_RING_RECORD_OVERHEAD 256
#define BOOTSTRAP_RING_BYTES_MIN(args_cap, env)                                                    \
	(BOOTSTRAP_RING_RECORDS_MIN *                                                              \
	 (BOOTSTRAP_RING_RECORD_OVERHEAD + BOOTSTRAP_EXEC_DATA_MAX(args_cap, env)))

/*
 * Load-time settings: the programs' one read-only global, written by the user side between open and
 * load. The kernel then knows every field as a constant, so a filter that is off costs no
 * instruction at all.
 */
struct tracer_settings {
	__u64 min_duration_ns; /* -d: drop exits of processes younger than this: since their exec,
				  or since their fork when the exec was not seen */
	__u64 wakeup_bytes;    /* wake the reader once this much data waits in the ring */
	__u32 max_args_bytes;  /* argv bytes copied per exec record */
	__u32 target_ppid;
	__u32 target_uid;
	__u8 report_execs; /* 0 with -d, as in the original tool */
	__u8 report_exits; /* 0 with --exec-only */
	__u8 report_thread_exits;
	__u8 filter_traced_tree; /* -p / command mode: only tgids in the traced_tgids map */
	__u8 filter_ppid;
	__u8 filter_uid;
	__u8 filter_comm;
	__u8 filter_cgroup; /* the cgroup in cgroup_filter[0] and its descendants */
	char target_comm[BOOTSTRAP_COMM_LEN]; /* exact match, NUL-padded */
	__u8 report_forks;		      /* a RECORD_FORK for every new process (not thread) */
	__u8 capture_env;  /* --env: copy the environment after exec, capped like argv */
	__u8 filter_pidns; /* --pidns: only processes in the pid namespace target_pidns */
	/*
	 * --ancestors: a process that any record named (fork, exec, failed exec, running) has its
	 * exit delivered even when the filters leave it out, flagged EXIT_UNREPORTED, so the user
	 * side's process table can forget it.
	 */
	__u8 exits_of_known;
	/*
	 * 0 when the tracer runs in the host's pid namespace. Otherwise that namespace's inode
	 * number: only its processes are traced, and every pid is as it numbers them.
	 */
	__u32 pidns_inum;
	__u32 target_pidns;
	/*
	 * 1 where tracing programs may use task local storage (Linux 5.13): the per-process state
	 * lives there. 0: in the process_states hash map instead (process_state.h).
	 */
	__u8 task_storage;
	/*
	 * Isolation (throttle.h): from pressure_bytes waiting in the ring until fewer than
	 * relief_bytes do, a cgroup that writes more than window_bytes in a THROTTLE_WINDOW_NS
	 * window is throttled; pressure_bytes 0: off. cgroup_rate: at most this many records per
	 * second per cgroup, always
	 * (--cgroup-rate; 0: no limit). Cgroups are counted at cgroup_level of the cgroup v2 tree.
	 */
	__u32 cgroup_rate;
	__u32 cgroup_level;
	__u64 pressure_bytes;
	__u64 relief_bytes;
	__u64 window_bytes;
};

/* The windows in which throttle.h counts what a cgroup writes under pressure. */
#define BOOTSTRAP_THROTTLE_WINDOW_NS 100000000ULL
/* A cgroup's throttled spell is over once nothing of it was dropped for this long. */
#define BOOTSTRAP_THROTTLE_QUIET_NS 1000000000ULL

/*
 * What the programs counted of one cgroup (at settings.cgroup_level) while the ring was under
 * pressure or --cgroup-rate applied, or when the ring was full: one slot of the cgroup_loads array,
 * which the user side reads through a memory mapping (no system call, so also after it gave up its
 * privileges) and reports what is new, writing back how far it has reported. A cgroup takes the
 * first free slot among BOOTSTRAP_CGROUP_PROBES from one its id hashes to; the last slot
 * (BOOTSTRAP_CGROUP_SLOTS) counts the cgroups that found none, with cgroup_id 0.
 */
#define BOOTSTRAP_CGROUP_SLOTS 1024
/* How many levels up the tree throttle.h walks from a task's cgroup to the level it counts at. */
#define BOOTSTRAP_CGROUP_DEPTH 32
#define BOOTSTRAP_CGROUP_PROBES 8

struct cgroup_load {
	__u64 cgroup_id;       /* 0: a free slot, or the last one */
	__u64 window_start_ns; /* under pressure: the current window, and what the cgroup wrote in
				  it */
	__u64 window_bytes;
	__u64 throttled_spell; /* the spell of pressure it was throttled for (maps.h,
				  pressure_spell) */
	__u64 second_start_ns; /* --cgroup-rate: the current second, and its records */
	__u64 second_records;
	__u64 dropped_execs;  /* throttled execs and failed execs, in total */
	__u64 dropped_exits;  /* throttled exits, in total */
	__u64 lost;	      /* records the full ring could not take, in total */
	__u64 spell_start_ns; /* the first drop not yet reported (CLOCK_MONOTONIC) */
	__u64 last_drop_ns;
	__u64 reported_ns; /* written by the user side: the last drop it has reported */
};

/*
 * RECORD_EXEC: struct exec_record, a successful exec.
 * RECORD_EXIT: struct exit_record, a process (or, with --threads, a thread) ended.
 * RECORD_EXEC_FAILED: struct exec_record with error != 0, an execve or execveat that failed.
 * RECORD_FORK: struct record_header alone, of the new process: a fork (--ancestors).
 * RECORD_RUNNING: struct record_header alone: a process running when tracing started, from the task
 * iterator the user side reads once at start (--existing, --ancestors); never in the ring buffer.
 */
enum bootstrap_record_type {
	RECORD_EXEC = 1,
	RECORD_EXIT = 2,
	RECORD_EXEC_FAILED = 3,
	RECORD_FORK = 4,
	RECORD_RUNNING = 5,
};

/*
 * One program image of one process, in facts the kernel keeps, so every observer of the same
 * process sees the same values: two tracers at once, or one restarted. With the host's boot id the
 * user side turns it and the pid into the exec_id (src/events/exec_id.h). A fork starts a new
 * process (a new start time) that keeps its parent's exec_seq; every exec increments exec_seq.
 */
struct image_key {
	__u64 start_time_ns; /* the process's fork time: its leader's task->start_time
				(CLOCK_MONOTONIC) */
	__u64 exec_seq;	     /* the task's self_exec_id */
};

/* Common to every record. */
struct record_header {
	__u32 type; /* enum bootstrap_record_type */
	__u32 pid;  /* thread-group id (what user space calls the pid) */
	__u32 tid;  /* the thread that triggered the record */
	__u32 ppid; /* real parent's thread-group id */
	__u32 uid;
	__u32 gid;
	__u64 time_ns;		       /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;	       /* cgroup v2 id of the task */
	char comm[BOOTSTRAP_COMM_LEN]; /* NUL-padded; may hold any byte a process chose */
	struct image_key image;	       /* the image the process runs (for an exit: its last one) */
	/*
	 * The image of its parent (ppid) that forked it, which the parent may have left by exec
	 * since; for a process re-parented to a reaper, the image the reaper runs. Zero when ppid
	 * is 0.
	 */
	struct image_key parent_image;
};

enum exec_record_flags {
	EXEC_ARGS_TRUNCATED =
	    1 << 0, /* argv was longer than the configured byte cap (or argument count) */
	EXEC_ARGS_UNREADABLE = 1 << 1, /* the argument memory could not be read */
	/* What the exec itself raised (RECORD_EXEC only): */
	EXEC_SETUID =
	    1 << 2, /* a set-user-id bit made the effective uid differ from the real one */
	EXEC_SETGID = 1 << 3, /* the same for the group */
	/* File capabilities gave capabilities beyond the ambient ones: permitted ones at least,
	 * which the program can make effective itself. */
	EXEC_FILE_CAPS = 1 << 4,
	/* Where the program came from (RECORD_EXEC only): */
	EXEC_MEMFD = 1 << 5,   /* a memfd: a program that never was a file */
	EXEC_DELETED = 1 << 6, /* a file with no links left */
	EXEC_UPPER_LAYER =
	    1 << 7, /* a file in an overlayfs upper layer (added or changed in a container) */
	EXEC_CWD_TRUNCATED = 1 << 8, /* the working directory was deeper or longer than the caps */
	EXEC_ENV_TRUNCATED = 1 << 9,
	EXEC_ENV_UNREADABLE = 1 << 10,
	/*
	 * With EXEC_SETUID or EXEC_SETGID: the real uid is root (of the process's user namespace),
	 * who had every privilege already: the set-id bit took the process to a lesser identity.
	 */
	EXEC_SETID_LOWERED = 1 << 11,
	EXEC_CWD_DELETED = 1 << 12, /* the working directory had been removed */
};

/*
 * The record is followed by filename_len bytes of filename (NUL-terminated, NUL included), then
 * args_len bytes of argv: each argument NUL-terminated, except possibly the last one when
 * EXEC_ARGS_TRUNCATED is set, then interp_len bytes of interpreter path (NUL-terminated), if any,
 * then cwd_len bytes of the working directory's components from the leaf up, each NUL-terminated
 * (none: the root), then env_len bytes of environment, laid out like argv.
 * (No flexible array member, so C++ can hold the fixed part by value.)
 */
struct exec_record {
	struct record_header hdr;
	__u32
	    old_pid; /* the exec'ing thread's id before exec (differs from pid for a non-leader) */
	__s32 error; /* RECORD_EXEC_FAILED: the negative errno execve returned; else 0 */
	__u32 flags; /* enum exec_record_flags */
	__u32 filename_len;
	__u32 args_len;
	__u32 interp_len; /* RECORD_EXEC of a script: its #! interpreter's path follows argv */
	__u32 cwd_len;
	__u32 env_len;
	/* The context of the exec: */
	__u32 euid; /* effective ids, after the exec */
	__u32 egid;
	__u32 auid;   /* the audit login uid: (__u32)-1 when unset */
	__u32 sid;    /* session id, in the tracer's pid namespace (0: outside it) */
	__u32 tty;    /* controlling terminal: major << 20 | minor; 0 when none */
	__u32 ns_pid; /* the pid as the process sees it, in its own pid namespace */
	__u32 pid_ns; /* namespace inode numbers */
	__u32 mnt_ns;
};

enum exit_record_flags {
	EXIT_EXEC_SEEN = 1 << 0,   /* exec_time_ns is valid: the exec happened while tracing */
	EXIT_THREAD_ONLY = 1 << 1, /* --threads: one thread ended, the process goes on */
	EXIT_UNREPORTED = 1 << 2,  /* left out by the filters: for the process table only */
};

struct exit_record {
	struct record_header hdr;
	__u32 status; /* wait(2) status: exit code << 8, or signal | 0x80 when a core was dumped */
	__u32 flags;  /* enum exit_record_flags */
	__u64 exec_time_ns; /* CLOCK_MONOTONIC time of the last exec, when EXIT_EXEC_SEEN */
	__u64 utime_ns;	    /* user and system time, whole thread group, tick-sampled */
	__u64 stime_ns;
	__u64 runtime_ns;    /* precise on-CPU time, whole thread group (scales the two above, like
				getrusage) */
	__u64 max_rss_pages; /* peak resident set, in pages */
	__u64 min_flt;
	__u64 maj_flt;
	__u64 nvcsw;
	__u64 nivcsw;
};

#endif /* BOOTSTRAP_EVENTS_H */
