// Complete and correct records: exit statuses, thread groups, argv, paths, resources, failed execs.
// Every expectation comes from what the child did or what wait4 reported, never from our own output.
#include "children.h"
#include "temp_file.h"
#include "trace_session.h"

#include <fcntl.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

extern "C" {
#include "events.h"
}

extern char** environ;

namespace bootstrap::testing {
namespace {

uint64_t ns_of(const timeval& tv) {
    return static_cast<uint64_t>(tv.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(tv.tv_usec) * 1000;
}

std::vector<const ExitEvent*> process_exits(TraceSession& session, pid_t pid) {
    std::vector<const ExitEvent*> found;
    for (auto* e : session.of<ExitEvent>(pid))
        if (!e->thread_only) found.push_back(e);
    return found;
}

// Checks the decoded status against wait4's.
void expect_same_status(const ExitEvent& exit, int status) {
    if (WIFSIGNALED(status)) {
        EXPECT_TRUE(exit.status.signaled());
        EXPECT_EQ(exit.status.signal(), WTERMSIG(status));
        EXPECT_EQ(exit.status.core_dumped(), static_cast<bool>(WCOREDUMP(status)));
    } else {
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_FALSE(exit.status.signaled());
        EXPECT_EQ(exit.status.exit_code(), WEXITSTATUS(status));
    }
}

TEST(ExitStatus, Code255) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] { return 255; });
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    expect_same_status(*exit, child.status);
    EXPECT_EQ(exit->status.exit_code(), 255);
}

// A child that waits until `signal` kills it; checks its exit record against wait4.
void expect_killed_by(int signal) {
    TraceSession session;
    pid_t pid = spawn([] {
        pause();
        return 0;
    });
    kill(pid, signal);
    Reaped child = reap(pid);
    ASSERT_TRUE(WIFSIGNALED(child.status));
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    expect_same_status(*exit, child.status);
    EXPECT_EQ(exit->status.signal(), signal);
}

TEST(ExitStatus, KilledBySigkillHasASignalAndNoCode) {
    REQUIRE_BPF();
    expect_killed_by(SIGKILL);
}

TEST(ExitStatus, KilledBySigterm) {
    REQUIRE_BPF();
    expect_killed_by(SIGTERM);
}

TEST(ExitStatus, SegfaultWithCoreDumpsAllowed) {
    REQUIRE_BPF();
    char dir[] = "/tmp/bootstrap-core-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    TraceSession session;
    Reaped child = run_child([&] {
        rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
        setrlimit(RLIMIT_CORE, &unlimited);
        prctl(PR_SET_DUMPABLE, 1);
        if (chdir(dir) != 0) return 1;
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        return 2;
    });
    std::system((std::string("rm -rf ") + dir).c_str());
    ASSERT_TRUE(WIFSIGNALED(child.status));
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    expect_same_status(*exit, child.status);
    EXPECT_EQ(exit->status.signal(), SIGSEGV);
    if (!WCOREDUMP(child.status)) GTEST_LOG_(INFO) << "this system did not dump a core (core_pattern)";
}

void* sleep_then_exit_group(void*) {
    usleep(300'000);
    // exit_group: the process's status is 7. _exit, as spawn() does: a forked child must not run the test
    // process's atexit handlers (LeakSanitizer's would scan a heap whose leader stack is gone).
    _exit(7);
}

TEST(ThreadGroup, LeaderExitsFirstOneRecordAfterTheLastThread) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] {
        pthread_t worker;
        pthread_create(&worker, nullptr, sleep_then_exit_group, nullptr);
        // The leader thread alone ends (what pthread_exit does, without unwinding the test's frames).
        syscall(SYS_exit, 0);
        return 0;
    });
    ASSERT_TRUE(WIFEXITED(child.status));
    ASSERT_EQ(WEXITSTATUS(child.status), 7);
    session.wait_for<ExitEvent>(child.pid);
    session.drain_for(300ms);
    auto exits = process_exits(session, child.pid);
    ASSERT_EQ(exits.size(), 1u) << "one exit record per process, not one for the leader thread";
    expect_same_status(*exits[0], child.status);
    EXPECT_GE(exits[0]->age_ns, 300'000'000u) << "reported when the worker ended, not when the leader did";
}

void* sleep_then_thread_exit(void*) {
    usleep(100'000);
    syscall(SYS_exit, 9);  // this thread only; wait4 then reports the leader's code
    return nullptr;
}

TEST(ThreadGroup, LastThreadExitingAloneReportsTheLeadersCode) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] {
        pthread_t worker;
        pthread_create(&worker, nullptr, sleep_then_thread_exit, nullptr);
        syscall(SYS_exit, 4);  // the leader thread alone, with code 4
        return 0;
    });
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    expect_same_status(*exit, child.status);
    session.drain_for(200ms);
    EXPECT_EQ(process_exits(session, child.pid).size(), 1u);
}

TEST(ThreadGroup, ExecFromANonLeaderThread) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "bootstrap-thread-exec");
    TraceSession session;
    std::atomic<pid_t> exec_tid{0};
    Reaped child = run_child([&] {
        std::thread([&] {
            char* argv[] = {const_cast<char*>("from-thread"), const_cast<char*>("arg"), nullptr};
            execv(program.path().c_str(), argv);
            _exit(99);
        }).detach();
        pause();
        return 98;
    });
    ASSERT_TRUE(WIFEXITED(child.status));
    ASSERT_EQ(WEXITSTATUS(child.status), 0) << "the exec'd program's status";
    session.wait_for<ExitEvent>(child.pid);
    session.drain_for(200ms);

    auto execs = session.of<ExecEvent>(child.pid);
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0]->proc.pid, static_cast<uint32_t>(child.pid)) << "the exec record carries the tgid";
    EXPECT_NE(execs[0]->old_pid, static_cast<uint32_t>(child.pid)) << "old_pid is the thread that exec'd";
    EXPECT_EQ(execs[0]->argv, (std::vector<std::string>{"from-thread", "arg"}));
    auto exits = process_exits(session, child.pid);
    ASSERT_EQ(exits.size(), 1u) << "the old leader's exit is not a process exit";
    EXPECT_GE(exits[0]->proc.time_ns, execs[0]->proc.time_ns);
    EXPECT_EQ(exits[0]->status.exit_code(), 0);
    EXPECT_TRUE(exits[0]->duration_ns.has_value());
}

TEST(Argv, HostileArgumentsArriveByteForByte) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "argv-probe");
    std::vector<std::string> argv = {
        "argv-probe", "with space", "", "new\nline", "\x1b[31mred", "\xff\xfe\xc0 bad utf8", "tab\there"};
    TraceSession session;
    Reaped child = reap(spawn_exec(program.path(), argv));
    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->argv, argv);
    EXPECT_FALSE(exec->argv_truncated);
}

TEST(Argv, HugeArgumentListIsCutAtTheCapAndFlagged) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "argv-huge");
    std::vector<std::string> argv = {"argv-huge"};
    for (int i = 0; i < 100; ++i) argv.push_back(std::string(1023, static_cast<char>('a' + i % 26)));  // ~100 KiB
    TraceSession session;  // default cap: 32 KiB
    Reaped child = reap(spawn_exec(program.path(), argv));
    ASSERT_EQ(WEXITSTATUS(child.status), 0);
    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_TRUE(exec->argv_truncated);
    size_t bytes = 0;
    for (const auto& a : exec->argv) bytes += a.size() + 1;
    EXPECT_LE(bytes, 32u * 1024 + 1);
    EXPECT_GE(bytes, 32u * 1024 - 1);
    ASSERT_GE(exec->argv.size(), 2u);
    for (size_t i = 0; i + 1 < exec->argv.size(); ++i) EXPECT_EQ(exec->argv[i], argv[i]) << i;
    EXPECT_EQ(argv[exec->argv.size() - 1].rfind(exec->argv.back(), 0), 0u) << "the last argument is a prefix";
}

TEST(Filename, PathLongerThan300Bytes) {
    REQUIRE_BPF();
    std::string dir = "/tmp/bootstrap-long-path";
    for (int i = 0; i < 6; ++i) dir += "/" + std::string(60, static_cast<char>('a' + i));
    ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
    std::string path = dir + "/true";
    ASSERT_EQ(std::system(("cp /bin/true " + path).c_str()), 0);
    ASSERT_GT(path.size(), 300u);
    TraceSession session;
    Reaped child = reap(spawn_exec(path, {"true"}));
    std::system("rm -rf /tmp/bootstrap-long-path");
    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->filename, path);
}

TEST(Resources, UserCpuTimeMatchesWait4) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] {
        rusage self{};
        volatile uint64_t sink = 0;
        do {
            for (int i = 0; i < 100000; ++i) sink = sink + static_cast<uint64_t>(i) * 7;
            getrusage(RUSAGE_SELF, &self);
        } while (self.ru_utime.tv_sec * 1000000 + self.ru_utime.tv_usec < 300000);
        return 0;
    });
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    double reported = static_cast<double>(exit->cpu_user_ns), truth = static_cast<double>(ns_of(child.usage.ru_utime));
    ASSERT_GE(truth, 290e6);
    EXPECT_NEAR(reported, truth, truth * 0.2);
    double total = static_cast<double>(exit->cpu_user_ns + exit->cpu_system_ns);
    double truth_total = truth + static_cast<double>(ns_of(child.usage.ru_stime));
    EXPECT_NEAR(total, truth_total, truth_total * 0.2);
}

// Context switches as wait4 counts them, the exiting task's last switch included.
TEST(Resources, SwitchesMatchWait4) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = reap_after_last_switch(spawn([] {
        for (int i = 0; i < 20; ++i) usleep(1000);  // each sleep is a voluntary switch
        return 0;
    }));
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    ASSERT_GE(child.usage.ru_nvcsw, 20);
    EXPECT_EQ(exit->voluntary_switches, static_cast<uint64_t>(child.usage.ru_nvcsw));
    EXPECT_LE(exit->involuntary_switches, static_cast<uint64_t>(child.usage.ru_nivcsw));
}

TEST(Resources, PeakRssOfA64MiBChild) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] {
        constexpr size_t size = 64u << 20;
        // volatile: the compiler may not elide an allocation it can prove unused.
        volatile char* block = static_cast<char*>(malloc(size));
        if (!block) return 1;
        for (size_t i = 0; i < size; i += 4096) block[i] = 1;
        return 0;
    });
    ASSERT_EQ(WEXITSTATUS(child.status), 0);
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    EXPECT_GE(exit->max_rss_kb, 64u * 1024);
    EXPECT_EQ(exit->max_rss_kb, static_cast<uint64_t>(child.usage.ru_maxrss)) << "the same figure wait4 reports";
    EXPECT_GE(exit->minor_faults, 16384u) << "64 MiB of fresh pages fault at least once per 4 KiB page";
}

TEST(Age, ProcessStartedBeforeTheTracer) {
    REQUIRE_BPF();
    pid_t pid = spawn([] {
        pause();
        return 0;
    });
    auto forked = std::chrono::steady_clock::now();  // the kernel's start time is earlier than this
    std::this_thread::sleep_for(300ms);
    TraceSession session;
    auto killed = std::chrono::steady_clock::now();
    kill(pid, SIGKILL);
    reap(pid);
    const ExitEvent* exit = session.wait_for<ExitEvent>(pid);
    ASSERT_NE(exit, nullptr);
    auto known_age = std::chrono::duration_cast<std::chrono::nanoseconds>(killed - forked).count();
    EXPECT_GE(exit->age_ns, static_cast<uint64_t>(known_age));
    EXPECT_FALSE(exit->duration_ns.has_value()) << "its exec was never seen";
}

TracerConfig with_failed_execs() {
    TracerConfig config;
    config.failed_execs = true;
    return config;
}

// Runs execve in a child and returns the errno it failed with.
Reaped failing_exec(const std::string& path, const std::vector<std::string>& argv) {
    return run_child([&] {
        execve(path.c_str(), c_argv(argv).data(), environ);
        return errno;
    });
}

TEST(FailedExec, MissingFileIsEnoent) {
    REQUIRE_BPF();
    TraceSession session(with_failed_execs());
    Reaped child = failing_exec("/nonexistent/bootstrap-missing", {"missing", "arg one", ""});
    ASSERT_EQ(WEXITSTATUS(child.status), ENOENT);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->error, ENOENT);
    EXPECT_EQ(failed->filename, "/nonexistent/bootstrap-missing");
    EXPECT_EQ(failed->argv, (std::vector<std::string>{"missing", "arg one", ""}));
    EXPECT_TRUE(session.of<ExecEvent>(child.pid).empty());
}

TEST(FailedExec, NonExecutableFileIsEacces) {
    REQUIRE_BPF();
    TempFile file("bootstrap-noexec", 0644);
    TraceSession session(with_failed_execs());
    Reaped child = failing_exec(file.path(), {"noexec"});
    ASSERT_EQ(WEXITSTATUS(child.status), EACCES);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->error, EACCES);
    EXPECT_EQ(failed->filename, file.path());
}

// argv of a failed exec is read pointer by pointer, up to BOOTSTRAP_FAILED_ARGS_MAX arguments.
std::vector<std::string> numbered_args(size_t count) {
    std::vector<std::string> args;
    for (size_t i = 0; i < count; ++i) args.push_back("arg" + std::to_string(i));
    return args;
}

TEST(FailedExec, AsManyArgumentsAsTheLimitAreComplete) {
    REQUIRE_BPF();
    TraceSession session(with_failed_execs());
    const auto args = numbered_args(BOOTSTRAP_FAILED_ARGS_MAX);
    Reaped child = failing_exec("/nonexistent/bootstrap-many", args);
    ASSERT_EQ(WEXITSTATUS(child.status), ENOENT);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->argv, args);
    EXPECT_FALSE(failed->argv_truncated);
}

TEST(FailedExec, ArgumentsPastTheLimitAreMarkedCut) {
    REQUIRE_BPF();
    TraceSession session(with_failed_execs());
    const auto args = numbered_args(BOOTSTRAP_FAILED_ARGS_MAX + 1);
    Reaped child = failing_exec("/nonexistent/bootstrap-many", args);
    ASSERT_EQ(WEXITSTATUS(child.status), ENOENT);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->argv, std::vector<std::string>(args.begin(), args.end() - 1));
    EXPECT_TRUE(failed->argv_truncated);
}

// The byte cap applies as for a successful exec: the argument that crosses it is cut there.
TEST(FailedExec, ArgvPastTheByteCapIsCut) {
    REQUIRE_BPF();
    TraceSession session(with_failed_execs());
    const std::string first(20000, 'a'), second(20000, 'b');
    Reaped child = failing_exec("/nonexistent/bootstrap-long", {first, second, "never"});
    ASSERT_EQ(WEXITSTATUS(child.status), ENOENT);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_TRUE(failed->argv_truncated);
    ASSERT_EQ(failed->argv.size(), 2u);
    EXPECT_EQ(failed->argv[0], first);
    // The cap counts each argument's terminating NUL; the cut one keeps the room that was left.
    const size_t room = BOOTSTRAP_ARGS_DEFAULT - (first.size() + 1);
    EXPECT_EQ(failed->argv[1], second.substr(0, room - 1));
}

TEST(FailedExec, NotReportedWithoutTheOption) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = failing_exec("/nonexistent/bootstrap-missing", {"missing"});
    session.wait_for<ExitEvent>(child.pid);
    EXPECT_TRUE(session.of<ExecFailedEvent>(child.pid).empty());
}

TEST(Execveat, FexecveOfAnOpenFile) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "fexecve-probe");
    TraceSession session(with_failed_execs());
    Reaped child = run_child([&] {
        int fd = open(program.path().c_str(), O_RDONLY | O_CLOEXEC);
        char* argv[] = {const_cast<char*>("fexecve-probe"), const_cast<char*>("x"), nullptr};
        fexecve(fd, argv, environ);
        return 100;
    });
    ASSERT_EQ(WEXITSTATUS(child.status), 0);
    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->argv, (std::vector<std::string>{"fexecve-probe", "x"}));
    EXPECT_EQ(exec->filename.rfind("/dev/fd/", 0), 0u) << "the kernel names an fd exec /dev/fd/N: " << exec->filename;
}

TEST(Execveat, FailedExecveatIsReported) {
    REQUIRE_BPF();
    TraceSession session(with_failed_execs());
    Reaped child = run_child([] {
        char* argv[] = {const_cast<char*>("at-probe"), nullptr};
        syscall(SYS_execveat, AT_FDCWD, "/nonexistent/at-probe", argv, environ, 0);
        return errno;
    });
    ASSERT_EQ(WEXITSTATUS(child.status), ENOENT);
    const ExecFailedEvent* failed = session.wait_for<ExecFailedEvent>(child.pid);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->error, ENOENT);
    EXPECT_EQ(failed->filename, "/nonexistent/at-probe");
    EXPECT_EQ(failed->argv, (std::vector<std::string>{"at-probe"}));
}

}  // namespace
}  // namespace bootstrap::testing

namespace bootstrap::testing {
namespace {

void* briefly(void*) {
    usleep(50'000);
    return nullptr;
}

TEST(ThreadExits, OneRecordPerThreadWithTheOptionThenTheProcess) {
    REQUIRE_BPF();
    TracerConfig config;
    config.thread_exits = true;
    TraceSession session(config);
    Reaped child = run_child([] {
        pthread_t threads[3];
        for (auto& t : threads) pthread_create(&t, nullptr, briefly, nullptr);
        for (auto& t : threads) pthread_join(t, nullptr);
        return 5;
    });
    session.wait_for<ExitEvent>(child.pid);
    session.drain_for(200ms);
    std::set<uint32_t> thread_ids;
    int process_exits = 0;
    for (const ExitEvent* e : session.of<ExitEvent>(child.pid)) {
        if (e->thread_only) {
            EXPECT_NE(e->proc.tid, static_cast<uint32_t>(child.pid)) << "the three workers, not the leader";
            thread_ids.insert(e->proc.tid);
        } else {
            ++process_exits;
            EXPECT_EQ(e->status.exit_code(), 5);
        }
    }
    EXPECT_EQ(thread_ids.size(), 3u);
    EXPECT_EQ(process_exits, 1);
}

TEST(ThreadExits, NotReportedWithoutTheOption) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] {
        pthread_t t;
        pthread_create(&t, nullptr, briefly, nullptr);
        pthread_join(t, nullptr);
        return 0;
    });
    session.wait_for<ExitEvent>(child.pid);
    session.drain_for(200ms);
    auto exits = session.of<ExitEvent>(child.pid);
    ASSERT_EQ(exits.size(), 1u);
    EXPECT_FALSE(exits[0]->thread_only);
}

}  // namespace
}  // namespace bootstrap::testing

namespace bootstrap::testing {
namespace {

TEST(ThreadGroup, ProcessExitCarriesTheProcessNameNotTheLastThreads) {
    REQUIRE_BPF();
    std::string comm;
    std::ifstream("/proc/self/comm") >> comm;  // the child inherits it
    TraceSession session;
    Reaped child = run_child([] { return end_leader_before_renamed_thread("renamed-worker"); });
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    EXPECT_EQ(exit->proc.comm, comm);
}

// A script's exec names the file executed and, apart, the interpreter its #! line runs.
TEST(Interpreter, ScriptExecNamesItsInterpreter) {
    REQUIRE_BPF();
    TempFile script("bootstrap-script", 0700);
    { std::ofstream(script.path()) << "#!/bin/sh\nexit 7\n"; }
    TraceSession session;
    Reaped child = reap(spawn_exec(script.path(), {script.path(), "one"}));
    ASSERT_EQ(WEXITSTATUS(child.status), 7);
    auto execs = session.of<ExecEvent>(child.pid);
    if (execs.empty()) {
        session.wait_for<ExecEvent>(child.pid);
        execs = session.of<ExecEvent>(child.pid);
    }
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0]->filename, script.path());
    ASSERT_TRUE(execs[0]->interpreter);
    EXPECT_EQ(*execs[0]->interpreter, "/bin/sh");
    EXPECT_EQ(execs[0]->argv, (std::vector<std::string>{"/bin/sh", script.path(), "one"}));

    Reaped plain = reap(spawn_exec("/bin/true", {"true"}));
    const ExecEvent* exec = session.wait_for<ExecEvent>(plain.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_FALSE(exec->interpreter) << "not a script";
}

}  // namespace
}  // namespace bootstrap::testing
