// The default output: the original tool's columns, one line per event.
//   TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE
#pragma once

#include "events/clock.h"
#include "output/sink.h"
#include "output/writer.h"

#include <ctime>

namespace bootstrap {

class TextSink : public EventSink {
public:
    TextSink(Writer& out, WallClock clock) : out_(out), clock_(clock) {}

    void begin() override;
    void on_event(const Event& event) override;
    void on_lost(uint64_t count) override;

private:
    void append_time(uint64_t monotonic_ns);
    void append_prefix(const ProcessInfo& proc, const char* kind);
    void format(const ExecEvent& event);
    void format(const ExitEvent& event);
    void format(const ExecFailedEvent& event);

    Writer& out_;
    WallClock clock_;
    // localtime_r is costly; events arrive in bursts within the same second.
    time_t cached_second_ = -1;
    char cached_time_[9] = {};
};

}  // namespace bootstrap
