/*
 * The light skeletons, seen from C++. Their generated code is C only (it converts void pointers implicitly,
 * which C++ rejects), so light_skeleton.c is the one file that includes them and these few calls are what
 * tracer.cpp uses. Plain C, like the ABI header. There are two, from the same source: one with every
 * program, and one with the exec and exit programs only, for runs that need no other. A loader program
 * loads every program its skeleton holds, and each costs start-up time in the verifier and in the
 * kernel's CO-RE relocations.
 */
#ifndef BOOTSTRAP_LIGHT_SKELETON_H
#define BOOTSTRAP_LIGHT_SKELETON_H

#include <linux/types.h>

#include "events.h"
#include "tracer/object_handles.h"

#ifdef __cplusplus
extern "C" {
#endif

struct light_skeleton;

/* Map sizes the loader program applies (the light skeleton can change max_entries, not value sizes). */
struct light_map_sizes {
    __u32 ring_bytes;
    __u32 scratch_entries;
    __u32 traced_tgids_entries;
};

/* NULL with errno set when out of memory. exec_exit_only: the skeleton without the other programs. */
struct light_skeleton* light_open(const struct tracer_settings* settings, const struct light_map_sizes* sizes,
                                  int exec_exit_only);
/*
 * The loader program hands `log` (size bytes) to every program load with this verifier log level, so a
 * failure says why; the last program's log is what remains.
 */
void light_set_log(struct light_skeleton* skel, __u32 level, char* log, __u32 size);
/*
 * Runs the loader program: creates the maps, loads every program. 0, or a negative errno. The exec/exit
 * skeleton leaves -1 for the programs it does not have.
 */
int light_load(struct light_skeleton* skel, struct object_handles* handles);
/* Closes everything the skeleton holds; NULL is a no-op. */
void light_destroy(struct light_skeleton* skel);

#ifdef __cplusplus
}
#endif

#endif /* BOOTSTRAP_LIGHT_SKELETON_H */
