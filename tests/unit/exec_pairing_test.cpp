// ExecPairing: an exit's lifetime since exec and its command from the exec record of the same image, and
// nothing else.
#include "events/exec_pairing.h"
#include "event_builders.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace bootstrap::testing {
namespace {

// As the tracer's session asks: a signal 0.
bool kill_zero(uint32_t pid) {
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

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

void remember(ExecPairing& times, const ExecEvent& exec) {
    Event event{exec};
    times.pair(event);
}

std::optional<uint64_t> duration_after(ExecPairing& times, ExitEvent exit) {
    Event event{std::move(exit)};
    times.pair(event);
    return std::get<ExitEvent>(event).duration_ns;
}

TEST(ExecPairing, AnExitGetsTheTimeSinceItsExecAndTheExecIsForgotten) {
    ExecPairing times(false, kill_zero);
    ExecEvent exec = exec_at(100, 5'000, 1, 10'000);
    remember(times, exec);
    EXPECT_EQ(times.size(), 1u);
    EXPECT_EQ(duration_after(times, exit_of(exec, 35'000)), 25'000u);
    EXPECT_EQ(times.size(), 0u);
}

TEST(ExecPairing, AnotherImageOfTheSamePidIsNotPaired) {
    ExecPairing times(false, kill_zero);
    ExecEvent first = exec_at(100, 5'000, 1, 10'000);
    remember(times, first);
    // The pid reused by a later process (another fork time), and a second exec of the same process.
    EXPECT_FALSE(duration_after(times, exit_of(exec_at(100, 6'000, 1, 0), 40'000)));
    EXPECT_FALSE(duration_after(times, exit_of(exec_at(100, 5'000, 2, 0), 40'000)));
    EXPECT_EQ(times.size(), 1u);
}

TEST(ExecPairing, AThreadsEndKeepsTheExecAndTheKernelsDurationStands) {
    ExecPairing times(false, kill_zero);
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

TEST(ExecPairing, ExecsWhoseExitNeverCameAreForgottenOnceTheirProcessIsGone) {
    ExecPairing times(false, kill_zero);
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

ExitEvent paired_exit(ExecPairing& pairing, ExitEvent exit) {
    Event event{std::move(exit)};
    pairing.pair(event);
    return std::get<ExitEvent>(std::move(event));
}

bool always(uint32_t) {
    return true;
}

TEST(ExecPairing, AnExitCarriesTheCommandOfTheImageThatExited) {
    ExecPairing pairing(true, always);
    ExecEvent sh = exec_at(100, 5'000, 1, 10'000);
    sh.filename = "/bin/sh";
    sh.argv = {"sh", "-c", "exec make"};
    ExecEvent make = exec_at(100, 5'000, 2, 11'000);
    make.filename = "/usr/bin/make";
    make.argv = {"make", "-j2"};
    remember(pairing, sh);
    remember(pairing, make);
    EXPECT_EQ(pairing.size(), 1u) << "the image sh left by exec can no longer exit";
    ExitEvent exit = paired_exit(pairing, exit_of(make, 20'000));
    ASSERT_TRUE(exit.exec);
    EXPECT_EQ(exit.exec->filename, "/usr/bin/make");
    EXPECT_EQ(exit.exec->argv, (std::vector<std::string>{"make", "-j2"}));
    EXPECT_FALSE(exit.exec->argv_truncated);
    EXPECT_EQ(exit.duration_ns, 9'000u);
    EXPECT_EQ(pairing.size(), 0u);
    EXPECT_EQ(pairing.commands_kept(), 0u);
}

TEST(ExecPairing, WithoutCommandsAskedForAnExitGetsItsDurationOnly) {
    ExecPairing pairing(false, always);
    ExecEvent exec = exec_at(100, 5'000, 1, 10'000);
    remember(pairing, exec);
    EXPECT_EQ(pairing.commands_kept(), 0u);
    ExitEvent exit = paired_exit(pairing, exit_of(exec, 20'000));
    EXPECT_FALSE(exit.exec);
    EXPECT_EQ(exit.duration_ns, 10'000u);
}

TEST(ExecPairing, AReusedPidOrAThreadsEndGetsNoCommand) {
    ExecPairing pairing(true, always);
    ExecEvent exec = exec_at(100, 5'000, 1, 10'000);
    remember(pairing, exec);
    EXPECT_FALSE(paired_exit(pairing, exit_of(exec_at(100, 6'000, 1, 0), 40'000)).exec);
    ExitEvent thread = exit_of(exec, 20'000);
    thread.thread_only = true;
    EXPECT_FALSE(paired_exit(pairing, thread).exec);
    EXPECT_TRUE(paired_exit(pairing, exit_of(exec, 30'000)).exec);
}

// The copy is capped above what any sink shows, and says when it cut.
TEST(ExecPairing, TheKeptCommandIsCappedAndSaysSo) {
    ExecEvent exec = exec_at(1, 1, 1, 1);
    exec.filename = std::string(ExecPairing::kMaxFilenameBytes, 'f');
    exec.argv = {"prog", std::string(ExecPairing::kMaxArgBytes, 'a')};
    ExecCommand whole = ExecPairing::kept_command(exec);
    EXPECT_EQ(whole.filename, exec.filename);
    EXPECT_EQ(whole.argv, exec.argv);
    EXPECT_FALSE(whole.argv_truncated);

    exec.filename += "f";
    EXPECT_TRUE(ExecPairing::kept_command(exec).argv_truncated);
    EXPECT_EQ(ExecPairing::kept_command(exec).filename.size(), ExecPairing::kMaxFilenameBytes);

    exec.filename = "/bin/prog";
    exec.argv = {"prog", std::string(ExecPairing::kMaxArgBytes + 1, 'a')};
    ExecCommand long_arg = ExecPairing::kept_command(exec);
    EXPECT_TRUE(long_arg.argv_truncated);
    EXPECT_EQ(long_arg.argv[1].size(), ExecPairing::kMaxArgBytes);

    // Empty arguments cost a byte each, so thousands of them are bounded too.
    exec.argv.assign(ExecPairing::kMaxArgvBytes + 10, "");
    ExecCommand empties = ExecPairing::kept_command(exec);
    EXPECT_EQ(empties.argv.size(), ExecPairing::kMaxArgvBytes);
    EXPECT_TRUE(empties.argv_truncated);

    exec.argv_truncated = true;  // the kernel's cut
    exec.argv = {"prog"};
    EXPECT_TRUE(ExecPairing::kept_command(exec).argv_truncated);
}

// The commands kept are bounded: past the cap the oldest live process's command is forgotten (its exit
// then shows none but keeps its duration), while the newest are still known. An exit erases its entry.
TEST(ExecPairing, CommandsKeptEvictTheOldest) {
    ExecPairing pairing(true, always);
    const uint32_t count = static_cast<uint32_t>(ExecPairing::kMaxCommandsKept) + 10;
    for (uint32_t pid = 1; pid <= count; ++pid) {
        ExecEvent exec = exec_at(pid, 0, 1, pid);
        exec.filename = "/bin/p" + std::to_string(pid);
        remember(pairing, exec);
    }
    EXPECT_EQ(pairing.commands_kept(), ExecPairing::kMaxCommandsKept);
    EXPECT_EQ(pairing.size(), count);
    ExitEvent oldest = paired_exit(pairing, exit_of(exec_at(1, 0, 1, 0), 10 * count));
    EXPECT_FALSE(oldest.exec);
    EXPECT_TRUE(oldest.duration_ns);
    ExitEvent newest = paired_exit(pairing, exit_of(exec_at(count, 0, 1, 0), 10 * count));
    ASSERT_TRUE(newest.exec);
    EXPECT_EQ(newest.exec->filename, "/bin/p" + std::to_string(count));
    EXPECT_EQ(pairing.commands_kept(), ExecPairing::kMaxCommandsKept - 1);
}

}  // namespace
}  // namespace bootstrap::testing
