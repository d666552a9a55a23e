#include "proc/cgroup_paths.h"

#include <sys/stat.h>

#include "events/container.h"
#include "util/error.h"

#include <filesystem>
#include <fstream>
#include <map>

namespace bootstrap {

CgroupPaths::CgroupPaths() {
    std::ifstream mounts("/proc/self/mounts");
    for (std::string device, path, type, rest; mounts >> device >> path >> type && std::getline(mounts, rest);)
        if (type == "cgroup2") {
            mount_ = path;
            return;
        }
}

std::optional<uint64_t> CgroupPaths::id_of_directory(const std::string& path) const {
    struct stat st {};
    if (stat(directory_of(path).c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint64_t>(st.st_ino);
}

std::optional<std::string> CgroupPaths::path_of(uint64_t id, pid_t pid) {
    if (mount_.empty()) return std::nullopt;
    if (auto found = paths_.find(id); found != paths_.end()) return found->second;
    if (paths_.size() >= kMaxCached) paths_.clear();
    // The cgroup v2 line of /proc/PID/cgroup is "0::PATH".
    std::ifstream cgroups("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(cgroups, line);) {
        if (line.rfind("0::", 0) != 0) continue;
        std::string path = line.substr(3);
        if (id_of_directory(path) == id) return paths_[id] = path;
    }
    auto now = std::chrono::steady_clock::now();
    if (!last_scan_ || now - *last_scan_ >= kRescanInterval) {
        last_scan_ = now;
        rescan();
        if (auto found = paths_.find(id); found != paths_.end()) return found->second;
    }
    return std::nullopt;
}

std::string CgroupPaths::container_directory(const std::string& prefix) {
    if (mount_.empty()) throw usage_error("--container", "this host has no cgroup v2 hierarchy to find containers in");
    rescan();
    std::map<std::string, std::string> outermost;  // container id -> its shortest cgroup path
    for (const auto& [id, path] : paths_) {
        std::optional<std::string> container = container_id_of(path);
        if (!container || container->rfind(prefix, 0) != 0) continue;
        auto [it, added] = outermost.emplace(*container, path);
        if (!added && path.size() < it->second.size()) it->second = path;
    }
    if (outermost.empty()) throw usage_error("--container", "no running container's id starts with " + prefix);
    if (outermost.size() > 1)
        throw usage_error("--container", prefix + " starts the ids of " + std::to_string(outermost.size()) +
                                             " containers: give more of the id");
    return directory_of(outermost.begin()->second);
}

void CgroupPaths::rescan() {
    // Strings built by appending: GCC 12 warns wrongly (-Wrestrict) about `"/" + string` at -O3.
    if (auto root = id_of_directory("/")) paths_.insert_or_assign(*root, std::string(1, '/'));
    namespace fs = std::filesystem;
    std::error_code walk_error;
    for (fs::recursive_directory_iterator it(mount_, fs::directory_options::skip_permission_denied, walk_error), end;
         !walk_error && it != end; it.increment(walk_error)) {
        // A cgroup removed during the walk (containers come and go) is skipped; the walk goes on.
        std::error_code entry_error;
        if (!it->is_directory(entry_error) || it->is_symlink(entry_error)) continue;
        std::string path(1, '/');
        path.append(fs::relative(it->path(), mount_, entry_error).native());
        if (auto id = id_of_directory(path); id && !entry_error) paths_[*id] = path;
    }
}

}  // namespace bootstrap
