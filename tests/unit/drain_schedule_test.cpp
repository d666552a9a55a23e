// DrainSchedule: a lone record is drained at the kernel's wake-up, a flow on the loop's own timer, every
// --max-delay or sooner when the ring fills fast, and a quiet drain hands the wake-ups back.
#include "app/drain_schedule.h"

#include <gtest/gtest.h>

namespace bootstrap::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStart = 1'000 * kMs;  // CLOCK_MONOTONIC of the first drain: any time after boot

TEST(DrainSchedule, ListensToTheKernelUntilRecordsFlow) {
    DrainSchedule schedule(50ms);
    EXPECT_TRUE(schedule.listens_to_wakeups());
    EXPECT_EQ(schedule.next_drain_ns(), 0u);
    EXPECT_EQ(schedule.timeout_ms(kStart, false), DrainSchedule::kIdleDrainMs);
    EXPECT_EQ(schedule.timeout_ms(kStart, true), DrainSchedule::kActiveDrainMs) << "records may be held back";
}

TEST(DrainSchedule, AnExecTypedInAShellIsNotHeldBack) {
    DrainSchedule schedule(50ms);
    schedule.drained(2, 0.0001, kStart);  // its exec and exit records
    EXPECT_TRUE(schedule.listens_to_wakeups());
    schedule.drained(0, 0, kStart + 1'000 * kMs);
    schedule.drained(2, 0.0001, kStart + 2'000 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups());
}

TEST(DrainSchedule, AFlowIsDrainedEveryMaxDelay) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    schedule.drained(10, 0.001, kStart + 20 * kMs);  // 10 records in 20 ms: 500 a second
    EXPECT_FALSE(schedule.listens_to_wakeups());
    EXPECT_EQ(schedule.next_drain_ns(), kStart + 70 * kMs);
    EXPECT_EQ(schedule.timeout_ms(kStart + 20 * kMs, true), 50) << "the timer, not the kernel's 20 ms";
    EXPECT_EQ(schedule.timeout_ms(kStart + 69 * kMs + 1, false), 1) << "rounded up, never early";
    EXPECT_EQ(schedule.timeout_ms(kStart + 80 * kMs, false), 0) << "overdue";
}

TEST(DrainSchedule, AFlowIsCountedAcrossDrainsThatEachFindAFew) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    // A moderate flow: 3 records every 20 ms (150 a second), caught by the timer of held records.
    schedule.drained(3, 0.001, kStart + 20 * kMs);
    schedule.drained(3, 0.001, kStart + 40 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups()) << "6 records are not a flow yet";
    schedule.drained(3, 0.001, kStart + 60 * kMs);
    EXPECT_FALSE(schedule.listens_to_wakeups());
    EXPECT_EQ(schedule.next_drain_ns(), kStart + 110 * kMs);
}

TEST(DrainSchedule, ASlowTrickleIsNoFlow) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    // One record every 20 ms (50 a second, under the flow's 80) keeps the kernel's wake-ups in charge.
    for (uint64_t i = 1; i <= 20; ++i) {
        schedule.drained(1, 0.0001, kStart + i * 20 * kMs);
        EXPECT_TRUE(schedule.listens_to_wakeups()) << "after drain " << i;
    }
}

TEST(DrainSchedule, ARingFillingFastShortensTheTimerButNotBelowTheKernelsInterval) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    // 5% of the ring in 20 ms: a quarter of it in 100 ms, so the timer is the full 50 ms.
    schedule.drained(100, 0.05, kStart + 20 * kMs);
    EXPECT_EQ(schedule.next_drain_ns(), kStart + 70 * kMs);
    // 20% in 30 ms: a quarter in 37.5 ms.
    schedule.drained(100, 0.20, kStart + 50 * kMs);
    EXPECT_EQ(schedule.next_drain_ns(), kStart + 50 * kMs + 37'500'000);
    // 80% in 20 ms: a quarter would be 6.25 ms, but no timer is shorter than the kernel's 20 ms.
    schedule.drained(1000, 0.80, kStart + 70 * kMs);
    EXPECT_EQ(schedule.next_drain_ns(), kStart + 90 * kMs);
}

TEST(DrainSchedule, ADrainThatFindsNothingEndsTheFlow) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    schedule.drained(50, 0.01, kStart + 20 * kMs);
    ASSERT_FALSE(schedule.listens_to_wakeups());
    schedule.drained(0, 0, kStart + 70 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups());
    EXPECT_EQ(schedule.next_drain_ns(), 0u);
}

TEST(DrainSchedule, ADrainCutShortHandsTheWakeUpsBack) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    schedule.drained(50, 0.01, kStart + 20 * kMs);
    ASSERT_FALSE(schedule.listens_to_wakeups());
    schedule.interrupted();
    EXPECT_TRUE(schedule.listens_to_wakeups());
    EXPECT_EQ(schedule.next_drain_ns(), 0u);
}

TEST(DrainSchedule, ZeroMaxDelayDrainsAtEveryWakeUp) {
    DrainSchedule schedule(0ms);
    schedule.drained(0, 0, kStart);
    for (uint64_t i = 1; i <= 10; ++i) schedule.drained(1000, 0.1, kStart + i * 20 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups());
}

TEST(DrainSchedule, RecordsOlderThanTheFlowWindowStartANewBurst) {
    DrainSchedule schedule(50ms);
    schedule.drained(0, 0, kStart);
    schedule.drained(5, 0.001, kStart + 20 * kMs);
    // 150 ms later: the 5 records before are outside the window, and these 5 alone are not a flow.
    schedule.drained(5, 0.001, kStart + 170 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups());
    // A new burst is counted from the drain before it (at 170 ms): these 5 alone are not a flow either...
    schedule.drained(5, 0.001, kStart + 190 * kMs);
    EXPECT_TRUE(schedule.listens_to_wakeups());
    schedule.drained(5, 0.001, kStart + 210 * kMs);
    EXPECT_FALSE(schedule.listens_to_wakeups()) << "...but 10 in the 40 ms since are";
}

}  // namespace
}  // namespace bootstrap::testing
