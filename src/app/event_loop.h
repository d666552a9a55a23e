// The run once everything is set up: wait, drain, supervise, until a stop signal, the command's exit or
// the reader's departure ends it. Each source of work is one named poll slot and one handler, so a new
// one (a metrics listener, a SIGHUP reopen) is a slot, a member and a call in run().
#pragma once

#include "app/drain_schedule.h"
#include "app/session.h"
#include "output/event_output.h"
#include "proc/command.h"
#include "tracer/tracer.h"
#include "util/signal_fd.h"

#include <poll.h>

#include <array>
#include <chrono>
#include <optional>

namespace bootstrap {

class EventLoop {
public:
    // `command` is the held command of command mode (released already), or null. `output` is the event
    // output the session writes to.
    // With `wait_for_descendants` (--wait), the loop goes on after the command exits until every process
    // it started has exited too. While records flow, they are drained every `max_delay` (--max-delay),
    // not at each of the kernel's wake-ups; zero drains at every wake-up.
    EventLoop(Tracer& tracer, Session& session, EventOutput& output, SignalFd& signals, HeldCommand* command,
              bool wait_for_descendants = false, std::chrono::milliseconds max_delay = std::chrono::milliseconds(50));

    // Runs to the end and writes the session's end. Returns the command's status (128+N for signal N),
    // or 0. Throws Error when reading the ring or writing the output fails, except in command mode,
    // where a write error stops the event stream and the command is still followed to its end.
    int run();

private:
    enum Slot : size_t {
        kRing,     // the ring buffer's wake-ups
        kSignals,  // SIGINT, SIGTERM, SIGHUP, SIGCHLD
        kOutput,   // room for an output that waits for its reader; the reader's departure (POLLERR/POLLHUP)
        kSlotCount
    };

    bool running();
    void wait();
    void serve_output();
    void drain();
    void handle_write_failure(bool at_end = false);
    void handle_signals();
    void stop();
    void check_command();
    void drain_the_rest();
    void settle_output();
    void end();

    Tracer& tracer_;
    Session& session_;
    EventOutput& output_;
    SignalFd& signals_;
    HeldCommand* command_;
    bool wait_for_descendants_;
    DrainSchedule schedule_;
    std::array<pollfd, kSlotCount> slots_{};

    bool stop_requested_ = false;
    bool stop_passed_on_ = false;  // command mode: a stop signal was passed on to the command
    std::optional<int> command_status_;
};

}  // namespace bootstrap
