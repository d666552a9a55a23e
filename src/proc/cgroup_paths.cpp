#include "proc/cgroup_paths.h"

#include <sys/stat.h>

#include "events/container.h"
#include "util/error.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

namespace bootstrap {

namespace {

// Mount points in mountinfo have their spaces, tabs, newlines and backslashes as octal escapes (\040).
std::string unescaped(std::string_view field) {
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string text;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) && is_octal(field[i + 2]) &&
            is_octal(field[i + 3])) {
            text.push_back(
                static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
            i += 3;
        } else {
            text.push_back(field[i]);
        }
    }
    return text;
}

}  // namespace

std::string cgroup2_mount_in(std::istream& mountinfo) {
    // "ID PARENT MAJOR:MINOR ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER_OPTIONS"
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point, field;
        if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
        while (fields >> field && field != "-") {
        }
        std::string type;
        if (!(fields >> type) || type != "cgroup2") continue;
        if (root == "/") return unescaped(mount_point);
    }
    return {};
}

const std::string& cgroup2_mount() {
    static const std::string mount = [] {
        std::ifstream mountinfo("/proc/self/mountinfo");
        return cgroup2_mount_in(mountinfo);
    }();
    return mount;
}

CgroupPaths::CgroupPaths() : mount_(cgroup2_mount()) {}

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
    std::map<std::string, std::vector<std::string>> claims;  // container id -> the cgroup paths named after it
    for (const auto& [id, path] : paths_) {
        std::optional<std::string> container = container_id_of(path);
        if (container && container->rfind(prefix, 0) == 0) claims[*container].push_back(path);
    }
    if (claims.empty()) throw usage_error("--container", "no running container's id starts with " + prefix);
    if (claims.size() > 1)
        throw usage_error("--container", prefix + " starts the ids of " + std::to_string(claims.size()) +
                                             " containers: give more of the id");
    // The container's cgroup and those below it share its id. A cgroup elsewhere with the same id is
    // one somebody named so (a delegated subtree is its owner's to name): which is real is not for a
    // name to say.
    std::vector<std::string>& paths = claims.begin()->second;
    std::sort(paths.begin(), paths.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
    for (const std::string& path : paths)
        if (path != paths.front() && path.rfind(paths.front() + "/", 0) != 0)
            throw usage_error("--container", "cgroups in two places are named after container " +
                                                 claims.begin()->first + ": " + paths.front() + " and " + path +
                                                 ": give the container's with --cgroup");
    return directory_of(paths.front());
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
