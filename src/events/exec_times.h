// When each process seen exec'ing did so, until its exit: the exit's lifetime since exec (duration_ns).
//
// The kernel keeps an exec's time itself only when the user side will not see the exec record (exits
// only) or when it filters exits by their lifetime (-d): allocating a task's storage at every exec was a
// third of what the exec program cost. Otherwise the exit is paired here with its exec record, by the
// image the exit names (pid, fork time, exec count), so a reused pid or a second exec never pairs wrongly.
// An exit whose exec record was not read (the exec came before tracing, or its record was lost) keeps no
// duration, as it always had none.
#pragma once

#include "events/event.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace bootstrap {

class ExecTimes {
public:
    // An exec is remembered; an exit of the process gets its duration and the exec is forgotten.
    void pair(Event& event);
    size_t size() const { return times_.size(); }

private:
    struct KeyHash {
        size_t operator()(const ImageKey& key) const noexcept {
            return (key.start_time_ns * 31 + key.exec_seq) * 31 + key.pid;
        }
    };
    // An exit that never comes (its record lost, or filtered out while the exec was not: a process that
    // changed its user or its name) would leave its exec here: once the table has doubled since the last
    // look, the processes that no longer exist are forgotten.
    void forget_ended();

    static constexpr size_t kFirstSweep = 4096;
    std::unordered_map<ImageKey, uint64_t, KeyHash> times_;
    size_t sweep_at_ = kFirstSweep;
};

}  // namespace bootstrap
