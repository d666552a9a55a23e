// What every output implements: it receives decoded events in order and renders them.
#pragma once

#include "events/event.h"

namespace bootstrap {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void begin() {}  // before the first event (a header, say)
    virtual void on_event(const Event& event) = 0;
    // `count` events the kernel could not deliver were noticed at `monotonic_ns`.
    virtual void on_lost(uint64_t count, uint64_t monotonic_ns) = 0;
    virtual void end() {}  // after the last event
};

}  // namespace bootstrap
