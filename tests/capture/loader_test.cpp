// Which skeleton loads the programs, and that what it loads records the same. ctest runs this file, with
// the capture tests, once as the tool would (light skeleton where possible) and once through libbpf.
#include "children.h"
#include "trace_session.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace bootstrap::testing {
namespace {

Loader expected_default_loader() {
    bool light = !libbpf_loader_requested() && !hash_map_state_requested() && kernel_runs_light_loader();
    return light ? Loader::light : Loader::libbpf;
}

TEST(Loader, DefaultsLoadTheLightSkeletonWhereTheKernelRunsIt) {
    REQUIRE_BPF();
    TraceSession session;
    EXPECT_EQ(session.tracer().loader(), expected_default_loader());
}

// -x loads with the rest; the capture tests check what it records through both loaders.
TEST(Loader, FailedExecsLoadLikeTheRest) {
    REQUIRE_BPF();
    TracerConfig config;
    config.failed_execs = true;
    TraceSession session(config);
    EXPECT_EQ(session.tracer().loader(), expected_default_loader());
}

// The light object's scratch space holds the default cap; a larger one must still capture everything.
TEST(Loader, ArgvCapAboveTheDefaultIsHonoured) {
    REQUIRE_BPF();
    TracerConfig config;
    config.max_args_bytes = 96 * 1024;
    TraceSession session(config);
    EXPECT_EQ(session.tracer().loader(), Loader::libbpf);

    const std::string big(60 * 1024, 'a');  // one argument, over the default 32 KiB cap
    Reaped child = reap(spawn_exec("/bin/true", {"true", big, "end"}));
    ASSERT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0);

    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_FALSE(exec->argv_truncated);
    ASSERT_EQ(exec->argv.size(), 3u);
    EXPECT_EQ(exec->argv[1], big);
    EXPECT_EQ(exec->argv[2], "end");
}

// The fork program follows a traced process's children (-p, command mode).
TEST(Loader, TracedTreeFollowsForks) {
    REQUIRE_BPF();
    TracerConfig config;
    config.trace_tree = true;
    TraceSession session(config);
    EXPECT_EQ(session.tracer().loader(), expected_default_loader());

    // Released once traced, the child forks a grandchild that execs and exits 4.
    HeldChild held([] {
        Reaped grandchild = reap(spawn_exec("/bin/sh", {"sh", "-c", "exit 4"}));
        return WIFEXITED(grandchild.status) ? 10 + WEXITSTATUS(grandchild.status) : 100;
    });
    const pid_t child = held.pid();
    session.tracer().trace_process(static_cast<uint32_t>(child));
    held.release();
    Reaped reaped = reap(child);
    ASSERT_TRUE(WIFEXITED(reaped.status));
    ASSERT_EQ(WEXITSTATUS(reaped.status), 14) << "the grandchild did not exit 4";

    const ExitEvent* exit = session.wait_for<ExitEvent>(child);
    ASSERT_NE(exit, nullptr) << "the traced child's exit is missing";
    EXPECT_EQ(exit->status.exit_code(), 14);

    const ExecEvent* grandchild_exec = nullptr;
    session.drain_until([&] {
        for (const Event& e : session.events())
            if (auto* exec = std::get_if<ExecEvent>(&e); exec && exec->proc.ppid == static_cast<uint32_t>(child))
                grandchild_exec = exec;
        return grandchild_exec != nullptr;
    });
    ASSERT_NE(grandchild_exec, nullptr) << "the grandchild was not followed";
    EXPECT_EQ(grandchild_exec->filename, "/bin/sh");
    const ExitEvent* grandchild_exit = session.wait_for<ExitEvent>(static_cast<pid_t>(grandchild_exec->proc.pid));
    ASSERT_NE(grandchild_exit, nullptr);
    EXPECT_EQ(grandchild_exit->status.exit_code(), 4);

    // Nothing from processes outside the tree, such as this test's other children.
    Reaped outsider = run_child([] { return 0; });
    session.drain_for(100ms);
    EXPECT_TRUE(session.events_of(outsider.pid).empty());
}

// The parent's pid comes from a CO-RE read; the kernel filters on it.
TEST(Loader, ParentPidFilterSeesOnlyOurChildren) {
    REQUIRE_BPF();
    TracerConfig config;
    config.ppid = static_cast<uint32_t>(getpid());
    TraceSession session(config);

    pid_t grandchild = -1;
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    Reaped child = run_child([&] {
        close(pipe_fds[0]);
        pid_t pid = spawn([] { return 5; });
        if (write(pipe_fds[1], &pid, sizeof(pid)) != sizeof(pid)) return 100;
        reap(pid);
        return 6;
    });
    close(pipe_fds[1]);
    ASSERT_EQ(read(pipe_fds[0], &grandchild, sizeof(grandchild)), static_cast<ssize_t>(sizeof(grandchild)));
    close(pipe_fds[0]);

    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    EXPECT_EQ(exit->proc.ppid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(exit->status.exit_code(), 6);
    session.drain_for(100ms);
    EXPECT_TRUE(session.events_of(grandchild).empty()) << "its parent is the child, not this test";
}

}  // namespace
}  // namespace bootstrap::testing
