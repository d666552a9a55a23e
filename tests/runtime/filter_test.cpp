// Each filter of the binary, through its JSON output: our own children that match are reported, our own
// children that do not are absent.
#include "children.h"
#include "json_lines.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace bootstrap::testing {
namespace {

// Runs the tracer with `args` (plus -j), calls `scenario`, then stops the tracer and returns its events.
std::vector<nlohmann::json> trace_json(const std::vector<std::string>& args, const std::function<void()>& scenario) {
    std::vector<std::string> all = args;
    all.push_back("-j");
    TracerProcess tracer(all);
    // JSON mode prints no header once attached, and with a filter on there may be nothing to wait
    // for: loading takes a few hundred milliseconds, so give it well over that.
    std::this_thread::sleep_for(1500ms);
    scenario();
    std::this_thread::sleep_for(300ms);  // more than the 50 ms a record waits in a burst
    tracer.send(SIGINT);
    auto lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr(100ms);
    return parse_json_lines(lines);
}

TEST(Filters, PidFollowsTheTreeFromFork) {
    REQUIRE_BPF();
    // Once released, the root forks a child that execs /bin/true.
    HeldChild held_root([] { return WEXITSTATUS(reap(spawn_exec("/bin/true", {"true", "from-root"})).status); });
    const pid_t root = held_root.pid();
    pid_t outsider = -1;
    auto events = trace_json({"-p", std::to_string(root)}, [&] {
        outsider = reap(spawn_exec("/bin/true", {"true", "outsider"})).pid;
        held_root.release();
        reap(root);
    });
    EXPECT_EQ(select(events, "exit", root).size(), 1u) << "the root itself";
    bool saw_grandchild = false;
    for (const auto& e : events)
        if (e["event"] == "exec" && e["ppid"].get<long>() == root) {
            saw_grandchild = true;
            EXPECT_EQ(e["argv"], nlohmann::json({"true", "from-root"}));
        }
    EXPECT_TRUE(saw_grandchild) << "a process forked by the root after tracing started";
    EXPECT_TRUE(select(events, "exec", outsider).empty());
    EXPECT_TRUE(select(events, "exit", outsider).empty());
}

TEST(Filters, PpidSelectsChildrenOfOneParent) {
    REQUIRE_BPF();
    pid_t child = -1, grandchild_parent = -1;
    auto events = trace_json({"--ppid", std::to_string(getpid())}, [&] {
        child = reap(spawn_exec("/bin/true", {"true"})).pid;
        grandchild_parent = reap(spawn([] { return WEXITSTATUS(reap(spawn_exec("/bin/true", {"true"})).status); })).pid;
    });
    EXPECT_EQ(select(events, "exec", child).size(), 1u);
    EXPECT_EQ(select(events, "exit", grandchild_parent).size(), 1u);
    for (const auto& e : events) EXPECT_EQ(e["ppid"].get<long>(), getpid()) << e.dump();
}

TEST(Filters, CommMatchesTheExactName) {
    REQUIRE_BPF();
    ProgramCopy wanted("/bin/true", "bs-wanted");
    ProgramCopy other("/bin/true", "bs-other");
    pid_t wanted_pid = -1, other_pid = -1;
    auto events = trace_json({"-c", "bs-wanted"}, [&] {
        wanted_pid = reap(spawn_exec(wanted.path(), {"bs-wanted"})).pid;
        other_pid = reap(spawn_exec(other.path(), {"bs-other"})).pid;
    });
    EXPECT_EQ(select(events, "exec", wanted_pid).size(), 1u);
    EXPECT_EQ(select(events, "exit", wanted_pid).size(), 1u);
    EXPECT_TRUE(select(events, "exec", other_pid).empty());
    for (const auto& e : events) EXPECT_EQ(e["comm"], "bs-wanted");
}

TEST(Filters, UidSelectsOneUser) {
    REQUIRE_BPF();
    constexpr uid_t kNobody = 65534;
    pid_t as_nobody = -1, as_us = -1;
    auto events = trace_json({"-u", std::to_string(kNobody)}, [&] {
        as_nobody = reap(spawn([] {
                        if (setgid(kNobody) != 0 || setuid(kNobody) != 0) return 1;
                        execl("/bin/true", "true", nullptr);
                        return 2;
                    })).pid;
        as_us = reap(spawn_exec("/bin/true", {"true"})).pid;
    });
    auto execs = select(events, "exec", as_nobody);
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0]["uid"], kNobody);
    EXPECT_TRUE(select(events, "exec", as_us).empty());
}

TEST(Filters, CgroupSelectsProcessesInsideIt) {
    REQUIRE_BPF();
    std::string root = cgroup2_mount();
    ASSERT_FALSE(root.empty()) << "no cgroup2 file system mounted";
    std::string group = root + "/bootstrap-test-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(group.c_str(), 0755), 0) << strerror(errno);
    pid_t inside = -1, outside = -1;
    auto events = trace_json({"--cgroup", group}, [&] {
        inside = reap(spawn([&] {
                     std::ofstream(group + "/cgroup.procs") << getpid() << std::flush;
                     execl("/bin/true", "true", "inside", nullptr);
                     return 2;
                 })).pid;
        outside = reap(spawn_exec("/bin/true", {"true", "outside"})).pid;
    });
    rmdir(group.c_str());
    EXPECT_EQ(select(events, "exec", inside).size(), 1u);
    EXPECT_EQ(select(events, "exit", inside).size(), 1u);
    EXPECT_TRUE(select(events, "exec", outside).empty());
}

// The id the kernel gives the cgroup whose directory this is: the directory's inode number.
uint64_t cgroup_id_at(const std::string& directory) {
    struct stat st {};
    return stat(directory.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The cgroup v2 path /proc shows for `pid` ("0::PATH").
std::string cgroup_path_of(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(file, line);)
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    return "";
}

// --existing with --cgroup lists a process that was in the cgroup before tracing, with that cgroup's id,
// wherever the cgroup2 hierarchy is mounted (/sys/fs/cgroup/unified on a host that also mounts v1).
TEST(Filters, ExistingProcessInTheCgroupIsListedWithItsCgroupId) {
    REQUIRE_BPF();
    std::string root = cgroup2_mount();
    ASSERT_FALSE(root.empty()) << "no cgroup2 file system mounted";
    std::string group = root + "/bootstrap-existing-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(group.c_str(), 0755), 0) << strerror(errno);
    pid_t inside = spawn([&] {
        std::ofstream(group + "/cgroup.procs") << getpid() << std::flush;
        execl("/bin/sleep", "sleep", "30", nullptr);
        return 2;
    });
    std::string relative = group.substr(root.size());
    for (int i = 0; i < 200 && cgroup_path_of(inside) != relative; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(cgroup_path_of(inside), relative);
    pid_t outside = spawn_exec("/bin/sleep", {"sleep", "30"});
    std::this_thread::sleep_for(100ms);  // both have exec'd by now
    auto events = trace_json({"--existing", "--cgroup", group}, [] {});
    uint64_t group_id = cgroup_id_at(group);
    kill(inside, SIGKILL);
    kill(outside, SIGKILL);
    reap(inside);
    reap(outside);
    rmdir(group.c_str());
    auto listed = select(events, "existing", inside);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["cgroup_id"], group_id);
    EXPECT_EQ(listed[0]["filename"], "/usr/bin/sleep");
    EXPECT_TRUE(select(events, "existing", outside).empty());
}

TEST(Filters, ExecOnlyAndExitOnly) {
    REQUIRE_BPF();
    pid_t child = -1;
    auto execs_only = trace_json({"--exec-only", "--ppid", std::to_string(getpid())},
                                 [&] { child = reap(spawn_exec("/bin/true", {"true"})).pid; });
    EXPECT_EQ(select(execs_only, "exec", child).size(), 1u);
    EXPECT_TRUE(select(execs_only, "exit", child).empty());

    auto exits_only = trace_json({"--exit-only", "--ppid", std::to_string(getpid())},
                                 [&] { child = reap(spawn_exec("/bin/true", {"true"})).pid; });
    EXPECT_TRUE(select(exits_only, "exec", child).empty());
    EXPECT_EQ(select(exits_only, "exit", child).size(), 1u);
}

TEST(Filters, CombineWithAnd) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "bs-combined");
    pid_t match = -1, wrong_user = -1;
    auto events = trace_json({"-c", "bs-combined", "-u", "65534"}, [&] {
        match = reap(spawn([&] {
                    if (setgid(65534) != 0 || setuid(65534) != 0) return 1;
                    execl(program.path().c_str(), "bs-combined", nullptr);
                    return 2;
                })).pid;
        wrong_user = reap(spawn_exec(program.path(), {"bs-combined"})).pid;
    });
    EXPECT_EQ(select(events, "exec", match).size(), 1u);
    EXPECT_TRUE(select(events, "exec", wrong_user).empty());
}

TEST(Filters, BadValuesExitTwo) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"-p", "abc"},
                                                                  {"-p", "0"},
                                                                  {"-c", "a-name-longer-than-15"},
                                                                  {"-u", "no-such-user-here"},
                                                                  {"-t", "weekly"},
                                                                  {"--exec-only", "--exit-only"},
                                                                  {
                                                                      "--",
                                                                  }}) {
        auto result = run_to_completion(args, 5s);
        EXPECT_EQ(result.status, 2) << args[0];
        EXPECT_EQ(result.err.rfind("bootstrap: ", 0), 0u) << result.err;
    }
}

TEST(Filters, ValuesThatDoNotExistHereExitTwo) {
    REQUIRE_BPF();
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"-p", "4194304"}, {"--cgroup", "/nonexistent"}, {"--cgroup", "/tmp"}}) {
        auto result = run_to_completion(args, 5s);
        EXPECT_EQ(result.status, 2) << args[1];
        EXPECT_EQ(result.err.rfind("bootstrap: ", 0), 0u) << result.err;
    }
}

}  // namespace
}  // namespace bootstrap::testing
