/* The only file that includes the light skeletons; see light_skeleton.h. */
#include "tracer/light_skeleton.h"

#include <errno.h> /* the generated headers use errno and E* without including them */
#include <stdlib.h>

#include <bootstrap_lean.lskel.h>
#include <bootstrap_light.lskel.h>

/* One of the two, built from the same source: every program, or the exec and exit ones only. */
struct light_skeleton {
    struct bootstrap_light_bpf* all;
    struct bootstrap_lean_bpf* exec_exit;
};

/* What both skeletons have alike, under the same names. */
#define SET_UP(skel, settings, sizes)                                          \
    do {                                                                       \
        (skel)->rodata->settings = *(settings);                                \
        (skel)->maps.events.max_entries = (sizes)->ring_bytes;                 \
        (skel)->maps.scratch.max_entries = (sizes)->scratch_entries;           \
        (skel)->maps.traced_tgids.max_entries = (sizes)->traced_tgids_entries; \
    } while (0)

#define SET_LOG(skel, level, log, size)                    \
    do {                                                   \
        (skel)->ctx.log_level = (level);                   \
        (skel)->ctx.log_size = (size);                     \
        (skel)->ctx.log_buf = (__u64)(unsigned long)(log); \
    } while (0)

#define TAKE_HANDLES(skel, handles)                                      \
    do {                                                                 \
        (handles)->events_fd = (skel)->maps.events.map_fd;               \
        (handles)->traced_tgids_fd = (skel)->maps.traced_tgids.map_fd;   \
        (handles)->cgroup_filter_fd = (skel)->maps.cgroup_filter.map_fd; \
        (handles)->exec_fd = (skel)->progs.handle_exec.prog_fd;          \
        (handles)->exit_fd = (skel)->progs.handle_exit.prog_fd;          \
        (handles)->lost_records = &(skel)->bss->lost_records;            \
        (handles)->untracked_forks = &(skel)->bss->untracked_forks;      \
        (handles)->last_wakeup_ns = &(skel)->bss->last_wakeup_ns;        \
        (handles)->reader_timer_ns = &(skel)->bss->reader_timer_ns;      \
    } while (0)

struct light_skeleton* light_open(const struct tracer_settings* settings, const struct light_map_sizes* sizes,
                                  int exec_exit_only) {
    struct light_skeleton* skel = calloc(1, sizeof(*skel));

    if (!skel) return NULL;
    if (exec_exit_only) {
        skel->exec_exit = bootstrap_lean_bpf__open();
        if (skel->exec_exit) SET_UP(skel->exec_exit, settings, sizes);
    } else {
        skel->all = bootstrap_light_bpf__open();
        if (skel->all) SET_UP(skel->all, settings, sizes);
    }
    if (!skel->all && !skel->exec_exit) {
        free(skel);
        return NULL;
    }
    return skel;
}

void light_set_log(struct light_skeleton* skel, __u32 level, char* log, __u32 size) {
    if (skel->all) SET_LOG(skel->all, level, log, size);
    if (skel->exec_exit) SET_LOG(skel->exec_exit, level, log, size);
}

int light_load(struct light_skeleton* skel, struct object_handles* handles) {
    int err = skel->all ? bootstrap_light_bpf__load(skel->all) : bootstrap_lean_bpf__load(skel->exec_exit);

    if (err) return err < 0 ? err : -err;
    handles->fork_fd = handles->sys_exit_fd = handles->dump_processes_fd = -1;
    if (skel->exec_exit) {
        TAKE_HANDLES(skel->exec_exit, handles);
        return 0;
    }
    TAKE_HANDLES(skel->all, handles);
    handles->fork_fd = skel->all->progs.handle_fork.prog_fd;
    handles->sys_exit_fd = skel->all->progs.handle_sys_exit.prog_fd;
    handles->dump_processes_fd = skel->all->progs.dump_processes.prog_fd;
    return 0;
}

void light_destroy(struct light_skeleton* skel) {
    if (!skel) return;
    bootstrap_light_bpf__destroy(skel->all);
    bootstrap_lean_bpf__destroy(skel->exec_exit);
    free(skel);
}
