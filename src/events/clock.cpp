#include "events/clock.h"

namespace bootstrap {

namespace {
int64_t ns_of(const timespec& ts) {
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

WallClock::WallClock() {
    // Bracket the realtime reading between two monotonic ones and take the midpoint.
    timespec mono_before{}, real{}, mono_after{};
    clock_gettime(CLOCK_MONOTONIC, &mono_before);
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono_after);
    int64_t mono = ns_of(mono_before) + (ns_of(mono_after) - ns_of(mono_before)) / 2;
    offset_ns_ = ns_of(real) - mono;
}

uint64_t WallClock::monotonic_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ns_of(ts));
}

}  // namespace bootstrap
