// What every output format implements: it receives decoded events and appends their text to a writer.
#pragma once

#include "events/event.h"

namespace bootstrap {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void begin() {}                  // before the first event (a header, say)
    virtual void on_event(const Event& event) = 0;
    virtual void on_lost(uint64_t count) = 0;  // events the kernel could not deliver since the last call
    virtual void end() {}                    // after the last event
};

}  // namespace bootstrap
