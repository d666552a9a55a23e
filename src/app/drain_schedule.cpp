#include "app/drain_schedule.h"

#include <algorithm>

namespace bootstrap {

void DrainSchedule::drained(size_t records, double fill, uint64_t start_ns) {
    uint64_t since_last = start_ns - last_drain_ns_;
    if (records == 0 || start_ns - burst_start_ns_ > kFlowWindowNs) {  // a new burst, from the last drain on
        burst_start_ns_ = records == 0 ? start_ns : last_drain_ns_;
        burst_records_ = 0;
    }
    burst_records_ += records;
    last_drain_ns_ = start_ns;
    next_drain_ns_ = 0;
    if (max_delay_ns_ == 0 || burst_records_ < kFlowMinRecords ||
        burst_records_ * 1'000'000'000 < kFlowMinRate * (start_ns - burst_start_ns_))
        return;
    double window_ns = static_cast<double>(max_delay_ns_);
    if (fill > 0) window_ns = std::min(window_ns, static_cast<double>(since_last) * kBatchRingFill / fill);
    next_drain_ns_ = start_ns + static_cast<uint64_t>(std::max(window_ns, kActiveDrainMs * 1e6));
}

int DrainSchedule::timeout_ms(uint64_t now_ns, bool records_may_be_held) const {
    if (next_drain_ns_ == 0) return records_may_be_held ? kActiveDrainMs : kIdleDrainMs;
    return now_ns >= next_drain_ns_ ? 0 : static_cast<int>((next_drain_ns_ - now_ns + 999'999) / 1'000'000);
}

}  // namespace bootstrap
