/*
 * The light skeleton, seen from C++. Its generated code is C only (it converts void pointers implicitly,
 * which C++ rejects), so light_skeleton.c is the one file that includes it and these few calls are what
 * tracer.cpp uses. Plain C, like the ABI header.
 */
#ifndef BOOTSTRAP_LIGHT_SKELETON_H
#define BOOTSTRAP_LIGHT_SKELETON_H

#include <linux/types.h>

#include "bpf/object_handles.h"
#include "events.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bootstrap_light_bpf;

/* Map sizes the loader program applies (the light skeleton can change max_entries, not value sizes). */
struct light_map_sizes {
    __u32 ring_bytes;
    __u32 scratch_entries;
    __u32 traced_tgids_entries;
};

/* NULL with errno set when out of memory. */
struct bootstrap_light_bpf* light_open(const struct tracer_settings* settings, const struct light_map_sizes* sizes);
/*
 * The loader program hands `log` (size bytes) to every program load with this verifier log level, so a
 * failure says why; the last program's log is what remains.
 */
void light_set_log(struct bootstrap_light_bpf* skel, __u32 level, char* log, __u32 size);
/* Runs the loader program: creates the maps, loads every program. 0, or a negative errno. */
int light_load(struct bootstrap_light_bpf* skel, struct object_handles* handles);
/* Closes everything the skeleton holds; NULL is a no-op. */
void light_destroy(struct bootstrap_light_bpf* skel);

#ifdef __cplusplus
}
#endif

#endif /* BOOTSTRAP_LIGHT_SKELETON_H */
