// What the kernel could not deliver, from its running totals, reported once per drain: the records lost
// when the ring buffer was full (said on stderr for text output, whose columns stay parseable; JSON gets a
// record from the sinks), and the new processes -p or command mode could not follow.
#pragma once

#include <cstdint>
#include <cstdio>

namespace bootstrap {

class LossReport {
public:
    // `losses_on_stderr`: text output, which says its losses on `messages` (stderr).
    explicit LossReport(bool losses_on_stderr, std::FILE* messages = stderr)
        : losses_on_stderr_(losses_on_stderr), messages_(messages) {}

    // The records lost since the last call, given the kernel's total; 0 when none.
    uint64_t take_lost(uint64_t total);
    // Forks not followed since the last call, given the kernel's total: their events are missing, so
    // one line says so.
    void report_untracked(uint64_t total);

private:
    bool losses_on_stderr_;
    std::FILE* messages_;
    uint64_t lost_reported_ = 0;
    uint64_t untracked_reported_ = 0;
};

}  // namespace bootstrap
