// Child processes that runtime tests start, with the ground truth the kernel reports for them (wait4).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bootstrap::testing {

struct Reaped {
    pid_t pid = -1;
    int status = 0;  // as wait4 reported it
    rusage usage{};
    std::chrono::nanoseconds lifetime{0};  // fork to reap, as the parent saw it
};

// Forks; the child runs `body` and exits with its return value. The parent gets the pid.
pid_t spawn(const std::function<int()>& body);

// argv for exec*(): pointers into `args`, which must outlive the result, then the terminating null.
std::vector<char*> c_argv(const std::vector<std::string>& args);

// A child body: a thread renames itself `thread_name` and outlives the leader thread, which exits alone
// (without unwinding anything), so the renamed thread's exit ends the process. Returns only on error.
int end_leader_before_renamed_thread(const char* thread_name);

// A child body: forks a child, then execs `/bin/sleep 0.5`; the child waits for that exec (the end of a
// pipe the exec closes), then execs `/bin/true MARKER`. So the child was forked by an image its parent has
// left. Returns only on error.
int fork_then_exec_sleep(const char* marker);

// Forks and execs `path` with `argv` (argv[0] included). The child exits 127 if exec fails.
pid_t spawn_exec(const std::string& path, const std::vector<std::string>& argv);

// Waits for `pid` and returns what wait4 said.
Reaped reap(pid_t pid);

// Like reap(), but first lets the zombie finish dying. A parent woken by the exit can reap the child
// on another CPU before the child's last switch away (in do_task_dead) is counted, so wait4's
// ru_nvcsw is one short at random; waiting a moment with the zombie left in place settles it.
Reaped reap_after_last_switch(pid_t pid);

// Runs `body` in a child and waits for it.
Reaped run_child(const std::function<int()>& body);

// A child that waits, before it runs `body`, until release(): a test can start tracing it first. Not
// released, it exits 1 once this object is gone (it reads end-of-file).
class HeldChild {
public:
    explicit HeldChild(const std::function<int()>& body);
    ~HeldChild();
    HeldChild(const HeldChild&) = delete;
    HeldChild& operator=(const HeldChild&) = delete;
    pid_t pid() const { return pid_; }
    void release();

private:
    pid_t pid_ = -1;
    int go_fd_ = -1;  // write end of the pipe the child waits on
};

// Everything a shell command prints on standard output.
std::string command_output(const std::string& command);

// Where the cgroup2 hierarchy is mounted ("" when it is not).
std::string cgroup2_mount();

// A private copy of an existing program under a chosen name, removed with its directory at destruction.
class ProgramCopy {
public:
    ProgramCopy(const std::string& source, const std::string& name);
    ~ProgramCopy();
    ProgramCopy(const ProgramCopy&) = delete;
    ProgramCopy& operator=(const ProgramCopy&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string dir_;
    std::string path_;
};

}  // namespace bootstrap::testing
