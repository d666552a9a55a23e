// Kernel timestamps are CLOCK_MONOTONIC; people read wall-clock time. The offset between the two is taken
// once at start-up, so no event costs a system call. (A clock step while running shifts later times; the
// order and spacing of events stay exact.)
#pragma once

#include <cstdint>
#include <ctime>

namespace bootstrap {

class WallClock {
public:
    WallClock();
    explicit WallClock(int64_t realtime_minus_monotonic_ns) : offset_ns_(realtime_minus_monotonic_ns) {}

    // Nanoseconds since the Unix epoch for a CLOCK_MONOTONIC reading. Added modulo 2^64: a timestamp no
    // kernel gives (a broken record) yields a wrong time instead of signed overflow.
    int64_t to_realtime_ns(uint64_t monotonic_ns) const {
        return static_cast<int64_t>(monotonic_ns + static_cast<uint64_t>(offset_ns_));
    }

    static uint64_t monotonic_now_ns();

private:
    int64_t offset_ns_;
};

}  // namespace bootstrap
