// --max-delay: while records flow, the tracer holds its lines back for up to that long and writes them in
// few large pieces; a lone exec after a quiet spell is written at once whatever the delay; nothing is lost
// either way. The ground truth is the test's own children (how many it ran) and when the tracer's lines
// reached the other end of its stdout pipe.
#include "children.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace bootstrap::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool is_exec_line(const std::string& line) {
    return line.find("\"event\":\"exec\"") != std::string::npos;
}

// When the kernel saw an exec line's exec: its "time", the wall clock in nanoseconds.
std::chrono::system_clock::time_point event_time(const std::string& line) {
    auto at = line.find("\"time\":\"");
    std::tm date{};
    long nanoseconds = 0;
    if (at == std::string::npos || !strptime(line.c_str() + at + 8, "%Y-%m-%dT%H:%M:%S", &date) ||
        std::sscanf(line.c_str() + at + 27, ".%9ldZ", &nanoseconds) != 1)
        return {};
    return std::chrono::system_clock::from_time_t(timegm(&date)) + std::chrono::nanoseconds(nanoseconds);
}

struct Delivery {
    size_t execs_run = 0;
    size_t exec_lines = 0;
    std::vector<std::chrono::milliseconds> lateness;  // of each exec line: from the exec to its arrival

    std::chrono::milliseconds median() {
        std::sort(lateness.begin(), lateness.end());
        return lateness.empty() ? std::chrono::milliseconds::max() : lateness[lateness.size() / 2];
    }
    std::chrono::milliseconds most() const {
        return lateness.empty() ? std::chrono::milliseconds::max()
                                : *std::max_element(lateness.begin(), lateness.end());
    }
};

// A tracer of `program`'s execs alone, started with `max_delay_ms` and ready (its first line read).
struct BatchingTracer {
    ProgramCopy& program;
    TracerProcess process;

    BatchingTracer(ProgramCopy& copy, const std::string& max_delay_ms)
        : program(copy),
          // A ring large enough that its fill never cuts a batch short (see DrainSchedule::drained).
          process({"-j", "--comm", copy_name(copy), "--ring-size", "64M", "--max-delay", max_delay_ms}) {}

    static std::string copy_name(const ProgramCopy& copy) { return copy.path().substr(copy.path().rfind('/') + 1); }

    bool ready() {
        for (auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
            reap(spawn_exec(program.path(), {copy_name(program)}));
            if (auto line = process.read_line(std::chrono::milliseconds(200)); line && is_exec_line(*line)) {
                process.read_remaining_lines(std::chrono::milliseconds(300));  // its exit line
                return true;
            }
        }
        return false;
    }

    // Runs the program back to back for `period` from two other threads while reading the lines, and on
    // until kFlowExecs have run (for at most twice as long again): the flow stays well above the rate at
    // which the tracer batches (100 execs/s) on a slow machine too, where one spawner of an instrumented
    // test (make sanitize) managed no more than that.
    static constexpr size_t kFlowExecs = 400;
    Delivery storm(std::chrono::milliseconds period) {
        Delivery delivery;
        std::atomic<bool> storming{true};
        std::atomic<size_t> execs_run{0};
        std::thread spawner([&] {
            auto start = Clock::now();
            auto end = start + period, latest = start + 3 * period;
            auto spawn_until = [&] {
                for (auto now = Clock::now(); now < end || (execs_run < kFlowExecs && now < latest);
                     now = Clock::now()) {
                    reap(spawn_exec(program.path(), {copy_name(program)}));
                    ++execs_run;
                }
            };
            std::thread second(spawn_until);
            spawn_until();
            second.join();
            delivery.execs_run = execs_run;
            storming = false;
        });
        auto quiet_after_storm = std::chrono::milliseconds(3000);
        for (Clock::time_point stormed_until = Clock::now();;) {
            auto line = process.read_line(std::chrono::milliseconds(100));
            auto now = Clock::now();
            if (storming) stormed_until = now;
            if (!line) {
                if (!storming && now - stormed_until > quiet_after_storm) break;
                continue;
            }
            if (!is_exec_line(*line)) continue;
            ++delivery.exec_lines;
            delivery.lateness.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now() - event_time(*line)));
        }
        spawner.join();
        return delivery;
    }

    // How long the line of one exec, run after a quiet spell, took to reach the reader.
    Clock::duration lone_exec() {
        auto start = Clock::now();
        reap(spawn_exec(program.path(), {copy_name(program)}));
        while (auto line = process.read_line(std::chrono::seconds(5)))
            if (is_exec_line(*line)) return Clock::now() - start;
        return std::chrono::hours(1);
    }
};

TEST(Batching, MaxDelayHoldsAFlowBackButNotALoneExec) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "bsb" + std::to_string(getpid()));  // within a comm's 15 bytes

    BatchingTracer batching(program, "1000");
    ASSERT_TRUE(batching.ready()) << batching.process.read_stderr();
    Delivery held = batching.storm(std::chrono::milliseconds(3000));
    // The flow has ended (a drain found nothing) by now: the next exec wakes the tracer at once.
    auto lone = batching.lone_exec();
    batching.process.send(SIGINT);
    ASSERT_EQ(batching.process.wait(std::chrono::seconds(10)), 0) << batching.process.read_stderr();

    BatchingTracer immediate(program, "0");
    ASSERT_TRUE(immediate.ready()) << immediate.process.read_stderr();
    Delivery prompt = immediate.storm(std::chrono::milliseconds(3000));
    immediate.process.send(SIGINT);
    ASSERT_EQ(immediate.process.wait(std::chrono::seconds(10)), 0) << immediate.process.read_stderr();

    using std::chrono::milliseconds;
    // Every exec the test ran has its line, however long it was held.
    EXPECT_EQ(held.exec_lines, held.execs_run);
    EXPECT_EQ(prompt.exec_lines, prompt.execs_run);
    ASSERT_GE(held.execs_run, BatchingTracer::kFlowExecs) << "too few execs for a flow";
    // Held: lines wait for the timer, up to the delay (with room for a loaded machine). Not held: they go
    // out at the kernel's wake-ups, at most 20 ms apart in a burst, or the reader's 5 ms drains.
    EXPECT_GE(held.median(), milliseconds(200));
    EXPECT_LE(held.most(), milliseconds(2500));
    EXPECT_LT(prompt.median(), milliseconds(100));
    // A lone exec is not held for the second the flow's lines could wait.
    EXPECT_LT(lone, milliseconds(500)) << std::chrono::duration_cast<milliseconds>(lone).count() << " ms";
}

}  // namespace
}  // namespace bootstrap::testing
