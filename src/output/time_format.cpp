#include "output/time_format.h"

namespace bootstrap {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;

// Splits epoch nanoseconds into whole seconds and the fraction, flooring for times before 1970.
std::pair<time_t, int64_t> split(int64_t realtime_ns) {
    int64_t seconds = realtime_ns / kNsPerSecond, fraction = realtime_ns % kNsPerSecond;
    if (fraction < 0) {
        fraction += kNsPerSecond;
        --seconds;
    }
    return {static_cast<time_t>(seconds), fraction};
}
}  // namespace

const TimeFormatter::SecondCache& TimeFormatter::second_text(SecondCache& cache, time_t second, bool local,
                                                             const char* pattern) {
    if (second != cache.second) {
        tm broken{};
        if (local)
            localtime_r(&second, &broken);
        else
            gmtime_r(&second, &broken);
        cache.size = strftime(cache.text, sizeof(cache.text), pattern, &broken);
        cache.second = second;
    }
    return cache;
}

size_t TimeFormatter::width() const {
    switch (format_) {
        case TimeFormat::Local:
        case TimeFormat::Utc:
            return 8;
        case TimeFormat::Iso:
            return 27;
        case TimeFormat::Relative:
            return 10;
    }
    return 8;
}

void TimeFormatter::append(fmt::memory_buffer& out, uint64_t monotonic_ns) {
    if (format_ == TimeFormat::Relative) {
        // Subtracted unsigned, then read as signed: an event from before the start is negative, and no
        // timestamp can overflow.
        auto since = static_cast<int64_t>(monotonic_ns - start_ns_);
        fmt::format_to(fmt::appender(out), "{:<10.6f}", static_cast<double>(since) / kNsPerSecond);
        return;
    }
    auto [second, fraction] = split(clock_.to_realtime_ns(monotonic_ns));
    if (format_ == TimeFormat::Iso) {
        const auto& cached = second_text(column_cache_, second, false, "%Y-%m-%dT%H:%M:%S");
        out.append(cached.text, cached.text + cached.size);
        fmt::format_to(fmt::appender(out), ".{:06}Z", fraction / 1000);
        return;
    }
    const auto& cached = second_text(column_cache_, second, format_ == TimeFormat::Local, "%H:%M:%S");
    out.append(cached.text, cached.text + cached.size);
}

void TimeFormatter::append_rfc3339_utc_ns(fmt::memory_buffer& out, uint64_t monotonic_ns) {
    auto [second, fraction] = split(clock_.to_realtime_ns(monotonic_ns));
    const auto& cached = second_text(utc_cache_, second, false, "%Y-%m-%dT%H:%M:%S");
    out.append(cached.text, cached.text + cached.size);
    fmt::format_to(fmt::appender(out), ".{:09}Z", fraction);
}

}  // namespace bootstrap
