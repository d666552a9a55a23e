/*
 * The BPF programs and maps, one line each. Both loaders read these lists: libbpf's skeleton in
 * tracer.cpp and the light skeletons in light_skeleton.c take every handle, size every map, choose what
 * loads and attach from them, so no program or map is named anywhere else in the loading code. Plain C,
 * like the light skeleton's wrapper.
 *
 * The programs are built into three skeletons, one column each: `full` is libbpf's skeleton
 * ("bootstrap"), `light` the light skeleton with every program ("bootstrap_light") and `lean` the light
 * skeleton that serves the common run ("bootstrap_lean": a loader program loads every program its
 * skeleton holds, and each costs start-up time in the verifier and in the kernel's CO-RE relocations).
 * `yes` or `no` says whether the skeleton holds the program or map; what a skeleton does not hold is left
 * out of its code by the preprocessor (BOOTSTRAP_IF), so a skeleton without a program needs no code of
 * its own. light_skeleton.c checks each column against the skeleton it describes: a wrong `yes` names a
 * member that does not exist, a wrong `no` leaves the counts unequal, and either fails the build.
 *
 * Programs: X(name, full, light, lean, attach, wanted)
 *   name    the program's function name in bpf/
 *   attach  tp_btf: attached when the tracer starts (the kernel knows its tracepoint from load);
 *           iterator: not attached, read on demand through an iterator (Tracer::list_running)
 *   wanted  when the run needs it: a C++ expression of `config` (TracerConfig), without commas. libbpf
 *           loads only the programs wanted; the light loader takes the smallest skeleton holding them
 *           all (lean, else light); only wanted tp_btf programs are attached.
 *
 * Adding a program:
 *   1. write it under bpf/, and build it into the skeletons that hold it (CMakeLists.txt);
 *   2. add its line below, and to TracerConfig the option that wants it if none does yet.
 * A program attached in another way than these two also needs that way in Tracer::Impl::attach.
 *
 * Maps: X(name, full, light, lean, max_entries, value_size)
 *   max_entries  a C++ expression of `config` (TracerConfig) and `kernel` (what the running kernel
 *                supports, KernelSupport) evaluated in tracer.cpp (possible_cpus() is its function),
 *                or 0 to keep the size the map declares
 *   value_size   the same, applied by libbpf's skeleton only (the light skeleton cannot resize values,
 *                which is why it serves only argv caps up to the default)
 * Every map of a skeleton is listed, its globals (.rodata, .bss) too, so the check above can count them.
 * Adding a map: declare it under bpf/ and add its line below; the user side then finds its descriptor in
 * object_handles.map_fds[BOOTSTRAP_MAP_name].
 *
 * Counters: X(name), a __u64 in .bss that every skeleton holds; object_handles points at each one.
 */
#ifndef BOOTSTRAP_PROGRAMS_H
#define BOOTSTRAP_PROGRAMS_H

/* clang-format off */
#define BOOTSTRAP_PROGRAMS(X)                                                                 \
    /* name            full light lean attach    wanted */                                    \
    X(handle_exec,     yes, yes,  yes, tp_btf,   true)                                        \
    X(handle_exit,     yes, yes,  yes, tp_btf,   true)                                        \
    X(handle_fork,     yes, yes,  no,  tp_btf,   config.trace_tree || config.report_forks)    \
    X(handle_sys_exit, yes, yes,  no,  tp_btf,   config.failed_execs)                         \
    X(dump_processes,  yes, yes,  no,  iterator, config.list_running)

#define BOOTSTRAP_MAPS(X)                                                                                        \
    /* name           full light lean max_entries                                  value_size */                 \
    X(events,         yes, yes,  yes, config.ring_bytes,                           0)                            \
    X(scratch,        yes, yes,  yes, possible_cpus(),                             BOOTSTRAP_SCRATCH_BYTES(config.max_args_bytes)) \
    X(cwd_walks,      yes, yes,  yes, possible_cpus(),                             0)                            \
    X(traced_tgids,   yes, yes,  yes, config.trace_tree ? 32768 : 1,               0)                            \
    X(cgroup_filter,  yes, yes,  yes, 0,                                           0)                            \
    X(task_states,    yes, yes,  yes, 0,                                           0)                            \
    X(process_states, yes, yes,  yes, kernel.task_storage ? 1 : 32768,             0)                            \
    X(exit_claims,    yes, yes,  yes, 0,                                           0)                            \
    X(cgroup_loads,   yes, yes,  yes, 0,                                           0)                            \
    X(task_copy,      yes, yes,  yes, kernel.copies_task(config) ? possible_cpus() : 1, \
                                      kernel.copies_task(config) ? BOOTSTRAP_TASK_COPY_BYTES : 0)                \
    X(rodata,         yes, yes,  yes, 0,                                           0)                            \
    X(bss,            yes, yes,  yes, 0,                                           0)

#define BOOTSTRAP_COUNTERS(X)                                                                 \
    X(lost_records)    /* records the ring buffer could not take (written by the programs) */ \
    X(untracked_forks) /* forks -p could not follow: the pid map was full (the programs) */   \
    X(throttled_records) /* records dropped to keep a flood from taking the ring (the programs) */ \
    X(last_wakeup_ns)  /* when the programs last woke the reader */                           \
    X(reader_timer_ns) /* until when the reader drains on a timer (written by the user side) */
/* clang-format on */

/* A column's yes or no, as code kept or dropped and as a number. */
#define BOOTSTRAP_IF_yes(...) __VA_ARGS__
#define BOOTSTRAP_IF_no(...)
#define BOOTSTRAP_HAS_yes 1
#define BOOTSTRAP_HAS_no 0

/* Each program and map by its index in the lists: BOOTSTRAP_PROGRAM_handle_exec, BOOTSTRAP_MAP_events. */
#define BOOTSTRAP_PROGRAM_ID(name, ...) BOOTSTRAP_PROGRAM_##name,
enum bootstrap_program { BOOTSTRAP_PROGRAMS(BOOTSTRAP_PROGRAM_ID) BOOTSTRAP_PROGRAM_COUNT };
#undef BOOTSTRAP_PROGRAM_ID

#define BOOTSTRAP_MAP_ID(name, ...) BOOTSTRAP_MAP_##name,
enum bootstrap_map { BOOTSTRAP_MAPS(BOOTSTRAP_MAP_ID) BOOTSTRAP_MAP_COUNT };
#undef BOOTSTRAP_MAP_ID

#endif /* BOOTSTRAP_PROGRAMS_H */
