#include "proc/proc_scan.h"

#include "proc/cgroup_paths.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>

namespace bootstrap {

namespace {

// The ppid field of /proc/PID/stat; the comm before it may hold spaces and parentheses, so parse from
// the last ')'.
std::optional<pid_t> parent_of(const std::filesystem::path& proc_dir) {
    std::ifstream stat(proc_dir / "stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 4 >= line.size()) return std::nullopt;
    // ") S PPID ..."
    const char* begin = line.data() + close + 4;
    pid_t ppid = 0;
    auto [ptr, ec] = std::from_chars(begin, line.data() + line.size(), ppid);
    if (ec != std::errc()) return std::nullopt;
    return ppid;
}

}  // namespace

void read_program(ExistingEvent& event, size_t max_args_bytes) {
    std::string dir = "/proc/" + std::to_string(event.proc.pid);
    std::error_code ec;
    auto exe = std::filesystem::read_symlink(dir + "/exe", ec);
    if (!ec) event.filename = exe.string();
    std::ifstream cmdline(dir + "/cmdline", std::ios::binary);
    std::string bytes(max_args_bytes + 1, '\0');
    cmdline.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<size_t>(cmdline.gcount()));
    if (bytes.size() > max_args_bytes) {
        bytes.resize(max_args_bytes);
        event.argv_truncated = true;
    }
    std::string_view rest(bytes);
    while (!rest.empty()) {
        size_t nul = rest.find('\0');
        event.argv.emplace_back(rest.substr(0, nul));
        if (nul == std::string_view::npos) break;
        rest.remove_prefix(nul + 1);
    }
}

namespace {

// "Name:", "PPid:", "Uid:", "Gid:" of /proc/PID/status: the first value of each line.
std::optional<std::string> status_field(const std::string& status, std::string_view name) {
    std::istringstream lines(status);
    std::string prefix = std::string(name) + ":\t";
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(prefix, 0) != 0) continue;
        return line.substr(prefix.size(), line.find('\t', prefix.size()) - prefix.size());
    }
    return std::nullopt;
}

uint32_t number_or_zero(const std::optional<std::string>& text) {
    uint32_t value = 0;
    if (text) std::from_chars(text->data(), text->data() + text->size(), value);
    return value;
}

// /proc/PID/status whole; empty when the process is gone.
std::string read_status(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/status");
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// The process's cgroup v2 directory under the cgroup2 mount (wherever that is), without a trailing
// slash, from the "0::" line of /proc/PID/cgroup.
std::optional<std::string> cgroup_dir_of(pid_t pid) {
    if (cgroup2_mount().empty()) return std::nullopt;
    std::ifstream file("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(file, line);) {
        if (line.rfind("0::", 0) != 0) continue;
        std::string path = cgroup2_mount() + line.substr(3);
        if (path.back() == '/') path.pop_back();
        return path;
    }
    return std::nullopt;
}

// The inode of the process's cgroup v2 directory, which is the kernel's cgroup id.
uint64_t cgroup_id_of(pid_t pid) {
    struct stat st {};
    auto dir = cgroup_dir_of(pid);
    return dir && stat(dir->c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

std::optional<ExistingEvent> read_parent_process(const ImageKey& image, uint64_t now_ns) {
    std::string status = read_status(static_cast<pid_t>(image.pid));
    if (status.empty()) return std::nullopt;
    ExistingEvent event;
    event.proc.time_ns = now_ns;
    event.proc.pid = event.proc.tid = image.pid;
    event.proc.ppid = number_or_zero(status_field(status, "PPid"));
    event.proc.uid = number_or_zero(status_field(status, "Uid"));
    event.proc.gid = number_or_zero(status_field(status, "Gid"));
    event.proc.comm = status_field(status, "Name").value_or("");
    event.proc.cgroup_id = cgroup_id_of(static_cast<pid_t>(image.pid));
    event.proc.image = image;
    return event;
}

bool in_cgroup(pid_t pid, const std::string& dir) {
    auto path = cgroup_dir_of(pid);
    return path && (*path == dir || path->rfind(dir + "/", 0) == 0);
}

std::optional<pid_t> thread_group_of(pid_t tid) {
    auto tgid = status_field(read_status(tid), "Tgid");
    if (!tgid) return std::nullopt;
    return static_cast<pid_t>(number_or_zero(tgid));
}

bool process_exists(pid_t pid) {
    return kill(pid, 0) == 0 || errno == EPERM;
}

std::optional<uint32_t> pid_namespace_of(pid_t pid) {
    struct stat st {};
    if (stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint32_t>(st.st_ino);
}

bool proc_shows_own_pid_namespace() {
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/self", ec).string() == std::to_string(getpid());
}

std::vector<pid_t> process_tree(pid_t root) {
    std::unordered_multimap<pid_t, pid_t> children;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        pid_t pid = 0;
        auto [ptr, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (err != std::errc() || ptr != name.data() + name.size()) continue;
        if (auto ppid = parent_of(entry.path())) children.emplace(*ppid, pid);
    }
    std::vector<pid_t> tree{root};
    for (size_t i = 0; i < tree.size(); ++i) {
        auto [first, last] = children.equal_range(tree[i]);
        for (auto it = first; it != last; ++it) tree.push_back(it->second);
    }
    return tree;
}

}  // namespace bootstrap
