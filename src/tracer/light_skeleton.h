/*
 * The light skeletons, seen from C++. Their generated code is C only (it converts void pointers implicitly,
 * which C++ rejects), so light_skeleton.c is the one file that includes them and these few calls are what
 * tracer.cpp uses. Plain C, like the ABI header. There are two, linked from the same objects: one with every
 * program, and a lean one with the exec and exit programs only, for runs that need no other (their
 * columns in tracer/programs.h). A loader program loads every program its skeleton holds, and each costs
 * start-up time in the verifier and in the kernel's CO-RE relocations.
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

/*
 * NULL with errno set when out of memory. max_entries: each map's size, by its BOOTSTRAP_MAP_* index, 0 to
 * keep what the map declares (the light skeleton can change max_entries, not value sizes). lean: the
 * skeleton with only the programs the `lean` column of tracer/programs.h holds.
 */
struct light_skeleton* light_open(const struct tracer_settings* settings, const __u32 max_entries[BOOTSTRAP_MAP_COUNT],
                                  int lean);
/*
 * The loader program hands `log` (size bytes) to every program load with this verifier log level, so a
 * failure says why; the last program's log is what remains.
 */
void light_set_log(struct light_skeleton* skel, __u32 level, char* log, __u32 size);
/*
 * Runs the loader program: creates the maps, loads every program. 0, or a negative errno. Leaves -1 for
 * the programs and maps the skeleton does not have.
 */
int light_load(struct light_skeleton* skel, struct object_handles* handles);
/* Closes everything the skeleton holds; NULL is a no-op. */
void light_destroy(struct light_skeleton* skel);

#ifdef __cplusplus
}
#endif

#endif /* BOOTSTRAP_LIGHT_SKELETON_H */
