// -t formats byte for byte, and the RFC 3339 time of structured output.
#include "output/time_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace bootstrap {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2024-01-02T03:04:05Z at CLOCK_MONOTONIC 50 s.
constexpr uint64_t kMonotonic = 50 * kSecond;
const WallClock kClock(1704164645 * kSecond - static_cast<int64_t>(kMonotonic));

std::string formatted(TimeFormat format, uint64_t monotonic_ns, uint64_t start_ns = kMonotonic) {
    TimeFormatter times(kClock, format, start_ns);
    fmt::memory_buffer out;
    times.append(out, monotonic_ns);
    return fmt::to_string(out);
}

class TimeFormats : public ::testing::Test {
protected:
    // Local time in a zone with an offset, so local and utc differ.
    void SetUp() override {
        setenv("TZ", "UTC-2", 1);
        tzset();
    }
    void TearDown() override {
        unsetenv("TZ");
        tzset();
    }
};

TEST_F(TimeFormats, LocalIsTheOriginalColumn) {
    EXPECT_EQ(formatted(TimeFormat::Local, kMonotonic + 999'999'999), "05:04:05");
    EXPECT_EQ(TimeFormatter(kClock, TimeFormat::Local).width(), 8u);
}

TEST_F(TimeFormats, Utc) {
    EXPECT_EQ(formatted(TimeFormat::Utc, kMonotonic + 1), "03:04:05");
}

TEST_F(TimeFormats, IsoHasMicroseconds) {
    std::string iso = formatted(TimeFormat::Iso, kMonotonic + 123'456'789);
    EXPECT_EQ(iso, "2024-01-02T03:04:05.123456Z");
    EXPECT_EQ(iso.size(), TimeFormatter(kClock, TimeFormat::Iso).width());
}

TEST_F(TimeFormats, RelativeIsSecondsSinceStart) {
    EXPECT_EQ(formatted(TimeFormat::Relative, kMonotonic + 1'500'000'000), "1.500000  ");
    EXPECT_EQ(formatted(TimeFormat::Relative, kMonotonic + 12345 * kSecond), "12345.000000");
}

TEST_F(TimeFormats, Rfc3339WithNanosecondsForJson) {
    TimeFormatter times(kClock, TimeFormat::Local);
    fmt::memory_buffer out;
    times.append_rfc3339_utc_ns(out, kMonotonic + 7);
    EXPECT_EQ(fmt::to_string(out), "2024-01-02T03:04:05.000000007Z");
}

TEST_F(TimeFormats, CachedSecondStillChangesWithTheEvent) {
    TimeFormatter times(kClock, TimeFormat::Utc);
    fmt::memory_buffer out;
    times.append(out, kMonotonic);
    times.append(out, kMonotonic + kSecond);
    times.append(out, kMonotonic);
    EXPECT_EQ(fmt::to_string(out), "03:04:0503:04:0603:04:05");
}

}  // namespace
}  // namespace bootstrap
