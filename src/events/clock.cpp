#include "events/clock.h"

namespace bootstrap {

namespace {
int64_t ns_of(const timespec& ts) {
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

// Brackets the realtime reading between two monotonic ones and takes the midpoint.
int64_t WallClock::measure_offset_ns() {
    timespec mono_before{}, real{}, mono_after{};
    clock_gettime(CLOCK_MONOTONIC, &mono_before);
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono_after);
    int64_t mono = ns_of(mono_before) + (ns_of(mono_after) - ns_of(mono_before)) / 2;
    return ns_of(real) - mono;
}

WallClock::WallClock() : follows_system_(true) {
    resync();
}

void WallClock::resync() {
    system_offset_ns_.store(measure_offset_ns(), std::memory_order_relaxed);
}

uint64_t WallClock::monotonic_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ns_of(ts));
}

}  // namespace bootstrap
