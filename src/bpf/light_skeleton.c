/* The only file that includes the light skeleton; see light_skeleton.h. */
#include "bpf/light_skeleton.h"

#include <errno.h> /* the generated header uses errno and E* without including it */

#include <bootstrap_light.lskel.h>

struct bootstrap_light_bpf* light_open(const struct tracer_settings* settings, const struct light_map_sizes* sizes) {
    struct bootstrap_light_bpf* skel = bootstrap_light_bpf__open();

    if (!skel) return NULL;
    skel->rodata->settings = *settings;
    skel->maps.events.max_entries = sizes->ring_bytes;
    skel->maps.scratch.max_entries = sizes->scratch_entries;
    skel->maps.traced_tgids.max_entries = sizes->traced_tgids_entries;
    return skel;
}

void light_set_log(struct bootstrap_light_bpf* skel, __u32 level, char* log, __u32 size) {
    skel->ctx.log_level = level;
    skel->ctx.log_size = size;
    skel->ctx.log_buf = (__u64)(unsigned long)log;
}

int light_load(struct bootstrap_light_bpf* skel, struct object_handles* handles) {
    int err = bootstrap_light_bpf__load(skel);

    if (err) return err < 0 ? err : -err;
    handles->events_fd = skel->maps.events.map_fd;
    handles->traced_tgids_fd = skel->maps.traced_tgids.map_fd;
    handles->cgroup_filter_fd = skel->maps.cgroup_filter.map_fd;
    handles->exec_fd = skel->progs.handle_exec.prog_fd;
    handles->exit_fd = skel->progs.handle_exit.prog_fd;
    handles->fork_fd = skel->progs.handle_fork.prog_fd;
    handles->sys_exit_fd = skel->progs.handle_sys_exit.prog_fd;
    handles->dump_processes_fd = skel->progs.dump_processes.prog_fd;
    handles->lost_records = &skel->bss->lost_records;
    handles->untracked_forks = &skel->bss->untracked_forks;
    handles->last_wakeup_ns = &skel->bss->last_wakeup_ns;
    return 0;
}

void light_destroy(struct bootstrap_light_bpf* skel) {
    bootstrap_light_bpf__destroy(skel);
}
