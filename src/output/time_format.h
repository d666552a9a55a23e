// Event times as the user asked for them (-t), and as RFC 3339 UTC for structured output. Formatting a
// broken-down time is cached per second: events come in bursts within the same second.
#pragma once

#include "events/clock.h"

#include <fmt/format.h>

#include <ctime>

namespace bootstrap {

// -t: local (HH:MM:SS, the default), utc, iso (RFC 3339, microseconds), rel (seconds since start).
enum class TimeFormat { Local, Utc, Iso, Relative };

class TimeFormatter {
public:
    TimeFormatter(WallClock clock, TimeFormat format, uint64_t start_monotonic_ns = WallClock::monotonic_now_ns())
        : clock_(clock), format_(format), start_ns_(start_monotonic_ns) {}

    // Appends the time in the chosen format; `width()` bytes for every format but rel, which may be wider.
    void append(fmt::memory_buffer& out, uint64_t monotonic_ns);
    size_t width() const;

    // 2026-11-25T21:22:54.123456789Z
    void append_rfc3339_utc_ns(fmt::memory_buffer& out, uint64_t monotonic_ns);

private:
    struct SecondCache {
        time_t second = -1;
        char text[32] = {};
        size_t size = 0;
    };
    const SecondCache& second_text(SecondCache& cache, time_t second, bool local, const char* pattern);

    WallClock clock_;
    TimeFormat format_;
    uint64_t start_ns_;
    SecondCache column_cache_;
    SecondCache utc_cache_;
};

}  // namespace bootstrap
