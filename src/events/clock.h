// Kernel timestamps are CLOCK_MONOTONIC; people read wall-clock time. The offset between the two is
// measured, not asked for per event: once at start-up, and again at each resync() (the run loop calls it
// at every drain), so times follow the system's clock through an NTP step or a suspend.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

namespace bootstrap {

class WallClock {
public:
    // The system's clock: every copy follows resync().
    WallClock();
    // A fixed offset (tests, replays).
    explicit WallClock(int64_t realtime_minus_monotonic_ns) : offset_ns_(realtime_minus_monotonic_ns) {}

    // Measures the system clock's offset again, for every WallClock() made.
    static void resync();

    // Nanoseconds since the Unix epoch for a CLOCK_MONOTONIC reading. Added modulo 2^64: a timestamp no
    // kernel gives (a broken record) yields a wrong time instead of signed overflow.
    int64_t to_realtime_ns(uint64_t monotonic_ns) const {
        int64_t offset = follows_system_ ? system_offset_ns_.load(std::memory_order_relaxed) : offset_ns_;
        return static_cast<int64_t>(monotonic_ns + static_cast<uint64_t>(offset));
    }

    static uint64_t monotonic_now_ns();

private:
    static int64_t measure_offset_ns();
    static inline std::atomic<int64_t> system_offset_ns_{0};

    int64_t offset_ns_ = 0;
    bool follows_system_ = false;
};

}  // namespace bootstrap
