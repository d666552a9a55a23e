/* The only file that includes the light skeletons; see light_skeleton.h. */
#include "tracer/light_skeleton.h"

#include <errno.h> /* the generated headers use errno and E* without including them */
#include <stdlib.h>

#include <bootstrap_lean.lskel.h>
#include <bootstrap_light.lskel.h>

/* One of the two, linked from the same objects: every program, or the lean set (tracer/programs.h). */
struct light_skeleton {
    struct bootstrap_light_bpf* light;
    struct bootstrap_lean_bpf* lean;
};

/* For one program or map that a skeleton holds when `has` (its column in the lists) is yes. */
#define SIZE_MAP_IF(has, name)                                                              \
    BOOTSTRAP_IF_##has(if (max_entries[BOOTSTRAP_MAP_##name]) skel->maps.name.max_entries = \
                           max_entries[BOOTSTRAP_MAP_##name];)
#define TAKE_MAP_IF(has, name) BOOTSTRAP_IF_##has(handles->map_fds[BOOTSTRAP_MAP_##name] = skel->maps.name.map_fd;)
#define TAKE_PROGRAM_IF(has, name) \
    BOOTSTRAP_IF_##has(handles->program_fds[BOOTSTRAP_PROGRAM_##name] = skel->progs.name.prog_fd;)
#define TAKE_COUNTER(name) handles->name = &skel->bss->name;
#define COUNT_IF(has) +BOOTSTRAP_HAS_##has

/* The same, reading the light or the lean column. */
#define SIZE_MAP_light(name, full, light, lean, ...) SIZE_MAP_IF(light, name)
#define SIZE_MAP_lean(name, full, light, lean, ...) SIZE_MAP_IF(lean, name)
#define TAKE_MAP_light(name, full, light, lean, ...) TAKE_MAP_IF(light, name)
#define TAKE_MAP_lean(name, full, light, lean, ...) TAKE_MAP_IF(lean, name)
#define TAKE_PROGRAM_light(name, full, light, lean, ...) TAKE_PROGRAM_IF(light, name)
#define TAKE_PROGRAM_lean(name, full, light, lean, ...) TAKE_PROGRAM_IF(lean, name)
#define COUNT_light(name, full, light, lean, ...) COUNT_IF(light)
#define COUNT_lean(name, full, light, lean, ...) COUNT_IF(lean)

/*
 * Setting up and taking the handles of one light skeleton, from its column. A program or map the column
 * holds but the skeleton lacks is a member that does not exist; one the skeleton holds but the column
 * does not makes the counts differ: either fails the build.
 */
#define LIGHT_SKELETON(column, skel_type)                                                                         \
    _Static_assert(sizeof(((struct skel_type*)0)->progs) ==                                                       \
                       (0 BOOTSTRAP_PROGRAMS(COUNT_##column)) * sizeof(struct bpf_prog_desc),                     \
                   "tracer/programs.h: the " #column " column of BOOTSTRAP_PROGRAMS differs from " #skel_type);   \
    _Static_assert(                                                                                               \
        sizeof(((struct skel_type*)0)->maps) == (0 BOOTSTRAP_MAPS(COUNT_##column)) * sizeof(struct bpf_map_desc), \
        "tracer/programs.h: the " #column " column of BOOTSTRAP_MAPS differs from " #skel_type);                  \
                                                                                                                  \
    static void set_up_##column(struct skel_type* skel, const struct tracer_settings* settings,                   \
                                const __u32 max_entries[BOOTSTRAP_MAP_COUNT]) {                                   \
        skel->rodata->settings = *settings;                                                                       \
        BOOTSTRAP_MAPS(SIZE_MAP_##column)                                                                         \
    }                                                                                                             \
                                                                                                                  \
    static void take_handles_##column(struct skel_type* skel, struct object_handles* handles) {                   \
        BOOTSTRAP_MAPS(TAKE_MAP_##column)                                                                         \
        BOOTSTRAP_PROGRAMS(TAKE_PROGRAM_##column)                                                                 \
        BOOTSTRAP_COUNTERS(TAKE_COUNTER)                                                                          \
    }

LIGHT_SKELETON(light, bootstrap_light_bpf)
LIGHT_SKELETON(lean, bootstrap_lean_bpf)

#define SET_LOG(skel, level, log, size)                    \
    do {                                                   \
        (skel)->ctx.log_level = (level);                   \
        (skel)->ctx.log_size = (size);                     \
        (skel)->ctx.log_buf = (__u64)(unsigned long)(log); \
    } while (0)

struct light_skeleton* light_open(const struct tracer_settings* settings, const __u32 max_entries[BOOTSTRAP_MAP_COUNT],
                                  int lean) {
    struct light_skeleton* skel = calloc(1, sizeof(*skel));

    if (!skel) return NULL;
    if (lean) {
        skel->lean = bootstrap_lean_bpf__open();
        if (skel->lean) set_up_lean(skel->lean, settings, max_entries);
    } else {
        skel->light = bootstrap_light_bpf__open();
        if (skel->light) set_up_light(skel->light, settings, max_entries);
    }
    if (!skel->light && !skel->lean) {
        free(skel);
        return NULL;
    }
    return skel;
}

void light_set_log(struct light_skeleton* skel, __u32 level, char* log, __u32 size) {
    if (skel->light) SET_LOG(skel->light, level, log, size);
    if (skel->lean) SET_LOG(skel->lean, level, log, size);
}

int light_load(struct light_skeleton* skel, struct object_handles* handles) {
    int err = skel->light ? bootstrap_light_bpf__load(skel->light) : bootstrap_lean_bpf__load(skel->lean);
    int i;

    if (err) return err < 0 ? err : -err;
    for (i = 0; i < BOOTSTRAP_MAP_COUNT; i++) handles->map_fds[i] = -1;
    for (i = 0; i < BOOTSTRAP_PROGRAM_COUNT; i++) handles->program_fds[i] = -1;
    if (skel->light)
        take_handles_light(skel->light, handles);
    else
        take_handles_lean(skel->lean, handles);
    return 0;
}

void light_destroy(struct light_skeleton* skel) {
    if (!skel) return;
    bootstrap_light_bpf__destroy(skel->light);
    bootstrap_lean_bpf__destroy(skel->lean);
    free(skel);
}
