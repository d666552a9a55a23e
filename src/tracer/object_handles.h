/*
 * What the user side needs of the loaded BPF object, whichever skeleton loaded it: map and program
 * descriptors, and the programs' counters in the .bss mapping, for everything tracer/programs.h lists.
 * Owned by that skeleton; plain C, since the light skeleton's wrapper (C only) fills it too.
 */
#ifndef BOOTSTRAP_OBJECT_HANDLES_H
#define BOOTSTRAP_OBJECT_HANDLES_H

#include <linux/types.h>

#include "tracer/programs.h"

#define BOOTSTRAP_COUNTER_POINTER(name) __u64* name;

struct object_handles {
    int map_fds[BOOTSTRAP_MAP_COUNT];
    int program_fds[BOOTSTRAP_PROGRAM_COUNT]; /* -1: not loaded (not wanted, or not in the skeleton) */
    BOOTSTRAP_COUNTERS(BOOTSTRAP_COUNTER_POINTER)
};

#undef BOOTSTRAP_COUNTER_POINTER

#endif /* BOOTSTRAP_OBJECT_HANDLES_H */
