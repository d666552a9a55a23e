// What /proc says about processes that exist before tracing starts.
#pragma once

#include <sys/types.h>

#include <vector>

namespace bootstrap {

// `root` and every process below it in the parent tree, as /proc shows them now. Processes that appear
// while scanning may be missed; the caller scans again after tracing forks, which closes the gap.
std::vector<pid_t> process_tree(pid_t root);

bool process_exists(pid_t pid);

}  // namespace bootstrap
