// ExecTimes: an exit's lifetime since exec from the exec record of the same image, and nothing else.
#include "events/exec_times.h"
#include "event_builders.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace bootstrap::testing {
namespace {

ExitEvent exit_of(const ExecEvent& exec, uint64_t time_ns) {
    ExitEvent e;
    e.proc = exec.proc;
    e.proc.time_ns = time_ns;
    return e;
}

ExecEvent exec_at(uint32_t pid, uint64_t start_time_ns, uint64_t exec_seq, uint64_t time_ns) {
    ExecEvent e = exec(pid, 1, "prog", time_ns, "/bin/prog", {"prog"});
    e.proc.image.start_time_ns = start_time_ns;
    e.proc.image.exec_seq = exec_seq;
    return e;
}

void remember(ExecTimes& times, const ExecEvent& exec) {
    Event event{exec};
    times.pair(event);
}

std::optional<uint64_t> duration_after(ExecTimes& times, ExitEvent exit) {
    Event event{std::move(exit)};
    times.pair(event);
    return std::get<ExitEvent>(event).duration_ns;
}

TEST(ExecTimes, AnExitGetsTheTimeSinceItsExecAndTheExecIsForgotten) {
    ExecTimes times;
    ExecEvent exec = exec_at(100, 5'000, 1, 10'000);
    remember(times, exec);
    EXPECT_EQ(times.size(), 1u);
    EXPECT_EQ(duration_after(times, exit_of(exec, 35'000)), 25'000u);
    EXPECT_EQ(times.size(), 0u);
}

TEST(ExecTimes, AnotherImageOfTheSamePidIsNotPaired) {
    ExecTimes times;
    ExecEvent first = exec_at(100, 5'000, 1, 10'000);
    remember(times, first);
    // The pid reused by a later process (another fork time), and a second exec of the same process.
    EXPECT_FALSE(duration_after(times, exit_of(exec_at(100, 6'000, 1, 0), 40'000)));
    EXPECT_FALSE(duration_after(times, exit_of(exec_at(100, 5'000, 2, 0), 40'000)));
    EXPECT_EQ(times.size(), 1u);
}

TEST(ExecTimes, AThreadsEndKeepsTheExecAndTheKernelsDurationStands) {
    ExecTimes times;
    ExecEvent exec = exec_at(100, 5'000, 1, 10'000);
    remember(times, exec);
    ExitEvent thread = exit_of(exec, 20'000);
    thread.thread_only = true;
    EXPECT_FALSE(duration_after(times, thread));
    ExitEvent measured = exit_of(exec, 30'000);
    measured.duration_ns = 7;  // the kernel kept the exec time itself
    EXPECT_EQ(duration_after(times, measured), 7u);
    EXPECT_EQ(times.size(), 0u);
}

TEST(ExecTimes, ExecsWhoseExitNeverCameAreForgottenOnceTheirProcessIsGone) {
    ExecTimes times;
    // Pids far above any pid_max: no such process. And this test's own process, which lives.
    for (uint32_t i = 0; i < 5000; ++i) {
        remember(times, exec_at(1u << 30 | i, i, 1, i));
    }
    ExecEvent alive = exec_at(static_cast<uint32_t>(getpid()), 1, 1, 1);
    remember(times, alive);
    EXPECT_LT(times.size(), 5000u);
    for (uint32_t i = 0; i < 5000; ++i) {
        remember(times, exec_at((1u << 30) + 10'000 + i, i, 1, i));
    }
    EXPECT_LE(times.size(), 4096u) << "the table stays near what lives";
    EXPECT_TRUE(duration_after(times, exit_of(alive, 2)).has_value());
}

}  // namespace
}  // namespace bootstrap::testing
