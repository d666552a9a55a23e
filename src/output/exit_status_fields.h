// The exit status as every structured output shows it, in one place for the event lines, the summary
// and the timeline: exit_code (null when a signal ended the process), signal (its name, or null) and
// core_dumped. `field(key, value)` receives an int, a std::string, nullptr or a bool.
#pragma once

#include "events/event.h"
#include "events/names.h"

namespace bootstrap {

template <typename Field>
void exit_status_fields(const ExitStatus& status, Field&& field) {
    if (status.signaled()) {
        field("exit_code", nullptr);
        field("signal", signal_name(status.signal()));
    } else {
        field("exit_code", status.exit_code());
        field("signal", nullptr);
    }
    field("core_dumped", status.core_dumped());
}

}  // namespace bootstrap
