#include "children.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace bootstrap::testing {

namespace {
// When each child was spawned, for its lifetime at reap(). Tests spawn from several threads.
class SpawnTimes {
public:
    void started(pid_t pid, std::chrono::steady_clock::time_point at) {
        std::lock_guard lock(mutex_);
        starts_[pid] = at;
    }
    // Forgets it: the pid may be used again.
    std::chrono::steady_clock::time_point take(pid_t pid) {
        std::lock_guard lock(mutex_);
        auto found = starts_.find(pid);
        if (found == starts_.end()) return {};
        auto at = found->second;
        starts_.erase(found);
        return at;
    }

private:
    std::mutex mutex_;
    std::unordered_map<pid_t, std::chrono::steady_clock::time_point> starts_;
};

SpawnTimes& spawn_times() {
    static SpawnTimes times;
    return times;
}
}  // namespace

pid_t spawn(const std::function<int()>& body) {
    auto started = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) _exit(body());
    spawn_times().started(pid, started);
    return pid;
}

pid_t spawn_exec(const std::string& path, const std::vector<std::string>& argv) {
    return spawn([&] {
        execv(path.c_str(), c_argv(argv).data());
        return 127;
    });
}

std::vector<char*> c_argv(const std::vector<std::string>& args) {
    std::vector<char*> pointers;
    pointers.reserve(args.size() + 1);
    for (const auto& a : args) pointers.push_back(const_cast<char*>(a.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

int fork_then_exec_sleep(const char* marker) {
    int parent_exec_done[2];
    if (pipe2(parent_exec_done, O_CLOEXEC) != 0) return 125;
    pid_t child = fork();
    if (child < 0) return 125;
    if (child == 0) {
        close(parent_exec_done[1]);
        char byte;
        while (read(parent_exec_done[0], &byte, 1) > 0) {
        }
        usleep(50'000);  // end of file: the parent's exec closed the pipe; let it finish
        execl("/bin/true", "true", marker, static_cast<char*>(nullptr));
        _exit(127);
    }
    execl("/bin/sleep", "sleep", "0.5", static_cast<char*>(nullptr));
    return 127;
}

int end_leader_before_renamed_thread(const char* thread_name) {
    pthread_t worker;
    auto outlive_leader = [](void* name) -> void* {
        pthread_setname_np(pthread_self(), static_cast<const char*>(name));
        usleep(100'000);
        return nullptr;  // the last thread: its exit ends the process
    };
    if (pthread_create(&worker, nullptr, outlive_leader, const_cast<char*>(thread_name)) != 0) return 1;
    syscall(SYS_exit, 0);  // the leader thread alone
    return 1;
}

Reaped reap(pid_t pid) {
    Reaped r;
    r.pid = pid;
    if (wait4(pid, &r.status, 0, &r.usage) != pid) throw std::system_error(errno, std::generic_category(), "wait4");
    r.lifetime = std::chrono::steady_clock::now() - spawn_times().take(pid);
    return r;
}

Reaped reap_after_last_switch(pid_t pid) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0)
        throw std::system_error(errno, std::generic_category(), "waitid");
    // The dying task has nothing left to run but its last switch; 50 ms is ample even under TCG.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return reap(pid);
}

std::string command_output(const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
    pclose(pipe);
    return out;
}

Reaped run_child(const std::function<int()>& body) {
    return reap(spawn(body));
}

HeldChild::HeldChild(const std::function<int()>& body) {
    int go[2];
    if (pipe2(go, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    pid_ = spawn([&] {
        char byte;
        close(go[1]);
        if (read(go[0], &byte, 1) != 1) return 1;
        close(go[0]);
        return body();
    });
    close(go[0]);
    go_fd_ = go[1];
}

HeldChild::~HeldChild() {
    if (go_fd_ >= 0) close(go_fd_);
}

void HeldChild::release() {
    if (write(go_fd_, "g", 1) != 1) throw std::system_error(errno, std::generic_category(), "release a held child");
    close(go_fd_);
    go_fd_ = -1;
}

ProgramCopy::ProgramCopy(const std::string& source, const std::string& name) {
    char tmpl[] = "/tmp/bootstrap-test-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);  // so a child that dropped to another user can exec the copy
    path_ = dir_ + "/" + name;
    std::filesystem::copy_file(source, path_);
    chmod(path_.c_str(), 0755);
}

ProgramCopy::~ProgramCopy() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string cgroup2_mount() {
    std::ifstream mounts("/proc/mounts");
    std::string device, path, type, rest;
    while (mounts >> device >> path >> type && std::getline(mounts, rest))
        if (type == "cgroup2") return path;
    return "";
}

}  // namespace bootstrap::testing
