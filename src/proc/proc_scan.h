// What /proc says about processes that exist before tracing starts.
#pragma once

#include "events/event.h"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <vector>

namespace bootstrap {

// `root` and every process below it in the parent tree, as /proc shows them now. Processes that appear
// while scanning may be missed; the caller scans again after tracing forks, which closes the gap.
std::vector<pid_t> process_tree(pid_t root);

bool process_exists(pid_t pid);

// The inode number of the pid namespace process `pid` lives in; nothing when it is gone.
std::optional<uint32_t> pid_namespace_of(pid_t pid);

// Whether this /proc shows our own pid namespace (false under `unshare -p` without --mount-proc).
bool proc_shows_own_pid_namespace();

// The process (thread group) that thread `tid` belongs to, from /proc; nothing when it is gone.
std::optional<pid_t> thread_group_of(pid_t tid);

// Whether the process is in the cgroup v2 directory `dir` (an absolute path under the cgroup2 mount) or
// below it.
bool in_cgroup(pid_t pid, const std::string& dir);

// The program a running process runs, as /proc shows it: its executable's path, and its arguments up to
// `max_args_bytes` as an exec record would have them. Left empty for a kernel thread or a process gone.
void read_program(ExistingEvent& event, size_t max_args_bytes);

// A running process that is known only as the parent `image` of others: its ppid, name, user, group and
// cgroup from /proc. Nothing when it has gone.
std::optional<ExistingEvent> read_parent_process(const ImageKey& image, uint64_t now_ns);

}  // namespace bootstrap
