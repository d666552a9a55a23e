// What every output implements: it receives decoded events in order and renders them.
#pragma once

#include "events/event.h"

#include <span>

namespace bootstrap {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void begin() {}  // before the first event (a header, say)
    virtual void on_event(const Event& event) = 0;
    // `count` events the kernel could not deliver were noticed at `monotonic_ns`; `by_cgroup` says whose,
    // where the kernel could tell.
    virtual void on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup = {}) = 0;
    // A cgroup's spell of throttling ended (or the run did): what the kernel dropped of it.
    virtual void on_throttled(const ThrottledSpell&) {}
    virtual void end() {}  // after the last event
};

}  // namespace bootstrap
