// Cgroup v2 paths from the ids the kernel puts in records: a cgroup's id is its directory's inode number
// in the cgroup2 file system. Looked up through the process's /proc/PID/cgroup while it lives, else by a
// walk of the hierarchy (at most once a second), and cached: both work without privileges.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <unordered_map>

namespace bootstrap {

// Where the cgroup2 hierarchy is mounted, from the lines of /proc/self/mountinfo: /sys/fs/cgroup, or
// /sys/fs/cgroup/unified on hosts that also mount the v1 hierarchies. Only a mount of the hierarchy's root
// (as this process's cgroup namespace sees it) will do: /proc/PID/cgroup names paths from there. Empty
// when there is none.
std::string cgroup2_mount_in(std::istream& mountinfo);
// The same for this process's mount namespace, read once.
const std::string& cgroup2_mount();

class CgroupPaths {
public:
    // Without a cgroup2 mount (cgroup2_mount()), no path is ever found.
    CgroupPaths();

    // The path of cgroup `id` below the mount ("/" for the root, "/system.slice/cron.service"), where
    // process `pid` was when the record was made; nothing when it cannot be found.
    std::optional<std::string> path_of(uint64_t id, pid_t pid);

    // The cgroup directory of the one running container whose id starts with `prefix` (the outermost,
    // when the container has cgroups of its own below). Throws Error (status 2, for --container) when no
    // container or more than one matches, or when cgroups outside one another are named after it.
    std::string container_directory(const std::string& prefix);

    // Where the cgroup2 hierarchy is mounted; empty when it is not.
    const std::string& mount() const { return mount_; }
    // The directory of cgroup `path` under the mount.
    std::string directory_of(const std::string& path) const { return path == "/" ? mount_ : mount_ + path; }

private:
    std::optional<uint64_t> id_of_directory(const std::string& path) const;
    void rescan();

    // Past this many the cache starts again: cgroups come and go with services and containers.
    static constexpr size_t kMaxCached = 65536;
    static constexpr std::chrono::seconds kRescanInterval{1};

    std::string mount_;
    std::unordered_map<uint64_t, std::string> paths_;
    std::optional<std::chrono::steady_clock::time_point> last_scan_;
};

}  // namespace bootstrap
