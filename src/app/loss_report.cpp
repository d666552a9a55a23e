#include "app/loss_report.h"

namespace bootstrap {

uint64_t LossReport::take_lost(uint64_t total) {
    if (total <= lost_reported_) return 0;
    uint64_t fresh = total - lost_reported_;
    lost_reported_ = total;
    if (losses_on_stderr_)
        std::fprintf(messages_, "bootstrap: lost %llu events: the ring buffer was full (a larger --ring-size helps)\n",
                     static_cast<unsigned long long>(fresh));
    return fresh;
}

void LossReport::report_untracked(uint64_t total) {
    if (total > untracked_reported_)
        std::fprintf(messages_, "bootstrap: %llu new processes could not be followed: more than 32768 traced at once\n",
                     static_cast<unsigned long long>(total - untracked_reported_));
    untracked_reported_ = total;
}

}  // namespace bootstrap
