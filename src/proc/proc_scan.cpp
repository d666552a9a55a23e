#include "proc/proc_scan.h"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
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

bool process_exists(pid_t pid) {
    return kill(pid, 0) == 0 || errno == EPERM;
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
