// Identity: every record names the program image it comes from, and its parent's, in facts the kernel
// keeps: the pid, the process's fork time and its count of execs. Checked against what the test's own
// children did and when the test forked them.
#include "children.h"
#include "trace_session.h"

#include <time.h>
#include <unistd.h>

#include <optional>

namespace bootstrap::testing {
namespace {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

TEST(Identity, TheImageIsThePidAndTheForkTime) {
    REQUIRE_BPF();
    TraceSession session;
    uint64_t before_fork = monotonic_ns();
    pid_t pid = spawn_exec("/bin/true", {"true"});
    uint64_t after_fork = monotonic_ns();
    reap(pid);

    const ExecEvent* exec = session.wait_for<ExecEvent>(pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->proc.image.pid, static_cast<uint32_t>(pid));
    EXPECT_GE(exec->proc.image.start_time_ns, before_fork);
    EXPECT_LE(exec->proc.image.start_time_ns, after_fork);
    ASSERT_TRUE(exec->proc.parent_image);
    EXPECT_EQ(exec->proc.parent_image->pid, static_cast<uint32_t>(getpid()));
    EXPECT_LT(exec->proc.parent_image->start_time_ns, before_fork) << "this test started before its child";
}

// sh runs /bin/true in a child it forks: the child's parent image is the shell's exec.
TEST(Identity, ChildOfAShellNamesTheShellsImage) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped shell = reap(spawn_exec("/bin/sh", {"sh", "-c", "/bin/true; exit 4"}));
    ASSERT_EQ(WEXITSTATUS(shell.status), 4);

    const ExecEvent* shell_exec = session.wait_for<ExecEvent>(shell.pid);
    ASSERT_NE(shell_exec, nullptr);
    const ExecEvent* child_exec = nullptr;
    session.drain_until([&] {
        for (const Event& e : session.events())
            if (auto* exec = std::get_if<ExecEvent>(&e); exec && exec->proc.ppid == static_cast<uint32_t>(shell.pid))
                child_exec = exec;
        return child_exec != nullptr;
    });
    ASSERT_NE(child_exec, nullptr) << "no exec of the shell's child";
    ASSERT_TRUE(child_exec->proc.parent_image);
    EXPECT_EQ(*child_exec->proc.parent_image, shell_exec->proc.image);
    EXPECT_FALSE(child_exec->proc.image.same_process(shell_exec->proc.image));
}

// `sh -c 'exec true'` is one process running two programs: two images, and its exit names the second.
TEST(Identity, EachExecIsANewImageAndTheExitCarriesTheLast) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = reap(spawn_exec("/bin/sh", {"sh", "-c", "exec /bin/true"}));
    ASSERT_EQ(WEXITSTATUS(child.status), 0);

    ASSERT_NE(session.wait_for<ExitEvent>(child.pid), nullptr);
    auto execs = session.of<ExecEvent>(child.pid);
    ASSERT_EQ(execs.size(), 2u);
    EXPECT_TRUE(execs[0]->proc.image.same_process(execs[1]->proc.image));
    EXPECT_NE(execs[0]->proc.image, execs[1]->proc.image);
    EXPECT_EQ(session.of<ExitEvent>(child.pid).front()->proc.image, execs[1]->proc.image);
}

// A child that never execs has an image of its own, from its fork record to its exit.
TEST(Identity, ForkRecordsNameTheNewProcessAndItsParent) {
    REQUIRE_BPF();
    TracerConfig config;
    config.report_forks = true;
    TraceSession session(config);
    Reaped child = run_child([] { return 5; });
    ASSERT_EQ(WEXITSTATUS(child.status), 5);

    ASSERT_NE(session.wait_for<ExitEvent>(child.pid), nullptr);
    auto forks = session.of<ForkEvent>(child.pid);
    ASSERT_EQ(forks.size(), 1u);
    EXPECT_EQ(forks[0]->proc.ppid, static_cast<uint32_t>(getpid()));
    ASSERT_TRUE(forks[0]->proc.parent_image);
    EXPECT_EQ(forks[0]->proc.parent_image->pid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(forks[0]->proc.image, session.of<ExitEvent>(child.pid).front()->proc.image);
}

// A parent that forks a child and then execs another program: the child's records name the image that
// forked it, the one before the parent's exec (an exec adds one to the count), not the one it runs now.
TEST(Identity, TheParentImageIsTheOneThatForked) {
    REQUIRE_BPF();
    TraceSession session;
    pid_t parent = spawn([] { return fork_then_exec_sleep("child-of-the-sleeper"); });
    const ExecEvent* sleeper = session.wait_for<ExecEvent>(parent);
    ASSERT_NE(sleeper, nullptr);
    // Copied: the session's events move as more arrive.
    ImageKey before_exec = sleeper->proc.image;
    before_exec.exec_seq -= 1;
    std::optional<std::optional<ImageKey>> child_parent_image;
    session.drain_until([&] {
        for (const Event& e : session.events())
            if (auto* exec = std::get_if<ExecEvent>(&e);
                exec && exec->proc.ppid == static_cast<uint32_t>(parent) && exec->argv.size() == 2)
                child_parent_image = exec->proc.parent_image;
        return child_parent_image.has_value();
    });
    reap(parent);
    ASSERT_TRUE(child_parent_image.has_value()) << "no exec of the child";
    ASSERT_TRUE(child_parent_image->has_value());
    EXPECT_EQ(**child_parent_image, before_exec) << "the parent forked it before it became sleep";
}

// An orphan re-parented to a pid namespace's init, which exec'd after the orphan was forked: the orphan
// names the image its new parent runs (the reaper never forked it), not the count its first parent had.
TEST(Identity, AnOrphanNamesWhatItsReaperRuns) {
    REQUIRE_BPF();
    TraceSession session;
    // The namespace's init (sh) starts a subshell that forks the orphan and exits at once, then becomes
    // sleep; the orphan waits for that and execs true with its reaper as parent.
    Reaped unshare = reap(spawn_exec(
        "/usr/bin/unshare", {"unshare", "--pid", "--fork", "/bin/sh", "-c",
                             "(/bin/sh -c 'sleep 0.3; exec /bin/true orphan-of-a-reaper' &); exec /bin/sleep 0.6"}));
    ASSERT_EQ(WEXITSTATUS(unshare.status), 0);
    const ExecEvent* reaper = nullptr;
    const ExecEvent* orphan = nullptr;
    session.drain_until([&] {
        for (const Event& e : session.events()) {
            auto* exec = std::get_if<ExecEvent>(&e);
            if (!exec) continue;
            if (exec->filename == "/bin/sleep" && exec->argv.size() == 2 && exec->argv[1] == "0.6") reaper = exec;
            if (exec->argv.size() == 2 && exec->argv[1] == "orphan-of-a-reaper") orphan = exec;
        }
        return reaper && orphan;
    });
    ASSERT_NE(reaper, nullptr);
    ASSERT_NE(orphan, nullptr);
    EXPECT_EQ(orphan->proc.ppid, reaper->proc.pid);
    ASSERT_TRUE(orphan->proc.parent_image);
    EXPECT_EQ(*orphan->proc.parent_image, reaper->proc.image);
}

}  // namespace
}  // namespace bootstrap::testing
