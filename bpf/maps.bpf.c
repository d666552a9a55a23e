// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one definition of every map and global the programs share (maps.h says what each is for),
 * and the license of the whole linked object. Linked into every variant.
 */
#include "maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct tracer_settings settings = {0};

events_map events SEC(".maps");

__u64 lost_records = 0;
__u64 untracked_forks = 0;
__u64 throttled_records = 0;
__u32 ring_pressure = 0;
__u64 pressure_spell = 0;
__u64 last_wakeup_ns = 0;
__u64 reader_timer_ns = 0;
__u32 pidns_level = 0;

scratch_map scratch SEC(".maps");
cwd_walks_map cwd_walks SEC(".maps");
traced_tgids_map traced_tgids SEC(".maps");
cgroup_filter_map cgroup_filter SEC(".maps");
task_states_map task_states SEC(".maps");
process_states_map process_states SEC(".maps");
exit_claims_map exit_claims SEC(".maps");
task_copy_map task_copy SEC(".maps");
cgroup_loads_map cgroup_loads SEC(".maps");
