/*
 * What the user side needs of the loaded BPF object, whichever skeleton loaded it: map and program
 * descriptors, and the programs' counters in the .bss mapping. Owned by that skeleton; plain C, since the
 * light skeleton's wrapper (C only) fills it too.
 */
#ifndef BOOTSTRAP_OBJECT_HANDLES_H
#define BOOTSTRAP_OBJECT_HANDLES_H

#include <linux/types.h>

struct object_handles {
    int events_fd;
    int traced_tgids_fd;
    int cgroup_filter_fd;
    int exec_fd;
    int exit_fd;
    int fork_fd;
    int sys_exit_fd;
    int dump_processes_fd; /* the task iterator: not attached, read once through an iterator */
    __u64* lost_records;   /* written by the programs */
    __u64* untracked_forks;
    __u64* last_wakeup_ns;
    __u64* reader_timer_ns; /* written by the user side */
};

#endif /* BOOTSTRAP_OBJECT_HANDLES_H */
