// When the event loop drains the ring buffer: at the kernel's wake-ups, or, while records flow, on a timer
// of its own. Pure (times are given, never read), so each rule has a unit test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace bootstrap {

class DrainSchedule {
public:
    // The kernel wakes us at once after a quiet spell, then at most every 20 ms in a burst (or when a batch
    // waits): the traced processes pay for its wake-ups. While it may be holding records back we drain once
    // more on our own timer, as late as it would have woken us; otherwise its next record wakes us at once,
    // and the idle timer is only a safety net (and what reports records the kernel dropped on a full ring,
    // which come with no wake-up): once a second, not ten times, as an idle host should be left alone.
    static constexpr int kActiveDrainMs = 20;  // BOOTSTRAP_WAKEUP_INTERVAL_NS
    static constexpr int kIdleDrainMs = 1000;
    // A wake-up of ours costs about as much as formatting a hundred lines (poll, the ring's bookkeeping, a
    // write, being scheduled), so while records flow we stop listening to the kernel's wake-ups and drain
    // on a timer instead: every max_delay (--max-delay, 50 ms), in fewer and bigger pieces. A flow is at
    // least kFlowMinRecords read at kFlowMinRate records/s or more by drains that each found some, within
    // kFlowWindowNs: counted across drains, since the drains that catch held records see few at once in a
    // moderate flow (a ./configure, 100 to 200 records a second). An exec typed in a shell (an exec and an
    // exit record) never starts one, so it is still written at once. The timer is shortened so that the
    // ring buffer is at most kBatchRingFill full when it fires, at the fill rate just seen; a drain that
    // finds nothing ends the flow and the kernel's wake-ups are listened to again.
    static constexpr size_t kFlowMinRecords = 8;
    static constexpr uint64_t kFlowMinRate = 80;
    static constexpr uint64_t kFlowWindowNs = 100'000'000;
    static constexpr double kBatchRingFill = 0.25;

    // A zero `max_delay` drains at every wake-up.
    explicit DrainSchedule(std::chrono::milliseconds max_delay)
        : max_delay_ns_(static_cast<uint64_t>(std::chrono::nanoseconds(max_delay).count())) {}

    // After a drain begun at `start_ns` (CLOCK_MONOTONIC) with the ring `fill` full (0 to 1), which read
    // `records`: whether the next one waits for a timer (a flow) or for the kernel's wake-up.
    void drained(size_t records, double fill, uint64_t start_ns);
    // A drain cut short (the output stalled or closed under it): the kernel's wake-ups are in charge again.
    void interrupted() { next_drain_ns_ = 0; }

    // In a flow, when the next drain is due (what the programs are told, so that they do not wake us
    // before); 0 while the loop listens to the kernel's wake-ups.
    uint64_t next_drain_ns() const { return next_drain_ns_; }
    bool listens_to_wakeups() const { return next_drain_ns_ == 0; }
    // How long the loop may wait for work at `now_ns`: until the flow's next drain, else for a wake-up,
    // with a timer of kActiveDrainMs while the kernel may be holding records back, kIdleDrainMs otherwise.
    int timeout_ms(uint64_t now_ns, bool records_may_be_held) const;

private:
    uint64_t max_delay_ns_;
    uint64_t last_drain_ns_ = 0;   // when the last drain began
    uint64_t next_drain_ns_ = 0;   // in a flow, when the next drain is due; 0 waits for the kernel's wake-up
    uint64_t burst_start_ns_ = 0;  // since when drains have kept finding records (at most kFlowWindowNs back)
    size_t burst_records_ = 0;     // the records they found
};

}  // namespace bootstrap
