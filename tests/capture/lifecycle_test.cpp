// Exec and exit records for children this test starts, checked against what the child did and what
// wait4 reported for it.
#include "children.h"
#include "trace_session.h"

#include <sys/wait.h>
#include <unistd.h>

namespace bootstrap::testing {
namespace {

TEST(Lifecycle, ExitCodeOfAForkedChild) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = run_child([] { return 3; });
    ASSERT_TRUE(WIFEXITED(child.status));

    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr) << "no exit record for pid " << child.pid;
    EXPECT_FALSE(exit->status.signaled());
    EXPECT_EQ(exit->status.exit_code(), WEXITSTATUS(child.status));
    EXPECT_EQ(exit->status.exit_code(), 3);
    EXPECT_EQ(exit->proc.ppid, static_cast<uint32_t>(getpid()));
    EXPECT_FALSE(exit->duration_ns.has_value()) << "the child never exec'd, so no duration since exec";
    EXPECT_EQ(session.of<ExitEvent>(child.pid).size(), 1u);
}

TEST(Lifecycle, DurationSinceExecOfA300msProcess) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped child = reap(spawn_exec("/bin/sleep", {"sleep", "0.3"}));
    ASSERT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0);

    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    ASSERT_TRUE(exit->duration_ns.has_value());
    EXPECT_GE(*exit->duration_ns, 300'000'000u);
    EXPECT_LE(*exit->duration_ns, static_cast<uint64_t>(child.lifetime.count()))
        << "the process cannot have lived longer than the parent saw from fork to reap";
    EXPECT_GE(exit->age_ns, *exit->duration_ns) << "age counts from fork, before the exec";
}

// Without exec records (exits only, -d) the kernel keeps the exec's time itself.
TEST(Lifecycle, DurationSinceExecWithoutExecRecords) {
    REQUIRE_BPF();
    TracerConfig config;
    config.report_execs = false;
    TraceSession session(config);
    Reaped child = reap(spawn_exec("/bin/sleep", {"sleep", "0.2"}));
    ASSERT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0);

    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    EXPECT_TRUE(session.of<ExecEvent>(child.pid).empty());
    ASSERT_TRUE(exit->duration_ns.has_value());
    EXPECT_GE(*exit->duration_ns, 200'000'000u);
    EXPECT_LE(*exit->duration_ns, static_cast<uint64_t>(child.lifetime.count()));
}

TEST(Lifecycle, ExecOfAKnownPath) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "bootstrap-probe-exec");
    TraceSession session;
    Reaped child = reap(spawn_exec(program.path(), {"probe-argv0", "one", "two"}));
    ASSERT_TRUE(WIFEXITED(child.status) && WEXITSTATUS(child.status) == 0);

    const ExecEvent* exec = session.wait_for<ExecEvent>(child.pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->filename, program.path());
    EXPECT_EQ(exec->proc.comm, std::string("bootstrap-probe-exec").substr(0, 15)) << "comm is the basename, cut at 15";
    EXPECT_EQ(exec->proc.ppid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(exec->proc.pid, static_cast<uint32_t>(child.pid));
    EXPECT_EQ(exec->old_pid, static_cast<uint32_t>(child.pid));
    EXPECT_EQ(exec->proc.uid, getuid());
    EXPECT_EQ(exec->argv, (std::vector<std::string>{"probe-argv0", "one", "two"}));
    EXPECT_FALSE(exec->argv_truncated);

    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr);
    EXPECT_EQ(exit->status.exit_code(), 0);
    EXPECT_TRUE(exit->duration_ns.has_value());
    EXPECT_GE(exit->proc.time_ns, exec->proc.time_ns);
}

}  // namespace
}  // namespace bootstrap::testing
