#include "events/exec_times.h"

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>

namespace bootstrap {

void ExecTimes::pair(Event& event) {
    if (const auto* exec = std::get_if<ExecEvent>(&event)) {
        times_[exec->proc.image] = exec->proc.time_ns;
        if (times_.size() >= sweep_at_) forget_ended();
        return;
    }
    auto* exit = std::get_if<ExitEvent>(&event);
    if (!exit || exit->thread_only) return;
    auto found = times_.find(exit->proc.image);
    if (found == times_.end()) return;
    if (!exit->duration_ns && exit->proc.time_ns >= found->second)
        exit->duration_ns = exit->proc.time_ns - found->second;
    times_.erase(found);
}

void ExecTimes::forget_ended() {
    std::erase_if(
        times_, [](const auto& entry) { return kill(static_cast<pid_t>(entry.first.pid), 0) != 0 && errno == ESRCH; });
    sweep_at_ = std::max(kFirstSweep, 2 * times_.size());
}

}  // namespace bootstrap
