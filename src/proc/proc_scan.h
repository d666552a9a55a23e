// What /proc says about processes that exist before tracing starts.
#pragma once

#include "events/event.h"

#include <sys/types.h>

#include <cstddef>

#include <vector>

namespace bootstrap {

// `root` and every process below it in the parent tree, as /proc shows them now. Processes that appear
// while scanning may be missed; the caller scans again after tracing forks, which closes the gap.
std::vector<pid_t> process_tree(pid_t root);

bool process_exists(pid_t pid);

// The program a running process runs, as /proc shows it: its executable's path, and its arguments up to
// `max_args_bytes` as an exec record would have them. Left empty for a kernel thread or a process gone.
void read_program(ExistingEvent& event, size_t max_args_bytes);

}  // namespace bootstrap
