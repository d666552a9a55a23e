#include "app/event_loop.h"

#include "events/clock.h"
#include "util/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

namespace bootstrap {

namespace {

// How long a stop waits for a reader that does not read before it drops what is left to write.
constexpr std::chrono::milliseconds kStopGrace{500};

}  // namespace

EventLoop::EventLoop(Tracer& tracer, Session& session, EventOutput& output, SignalFd& signals, HeldCommand* command,
                     bool wait_for_descendants, std::chrono::milliseconds max_delay)
    : tracer_(tracer),
      session_(session),
      output_(output),
      signals_(signals),
      command_(command),
      wait_for_descendants_(wait_for_descendants),
      schedule_(max_delay) {
    slots_[kRing] = {tracer_.wakeup_fd(), POLLIN, 0};
    slots_[kSignals] = {signals_.fd(), POLLIN, 0};
}

int EventLoop::run() {
    session_.begin();
    output_.flush();
    handle_write_failure();
    while (running()) {
        wait();
        serve_output();
        drain();
        handle_signals();
        check_command();
        handle_write_failure();
    }
    end();
    return command_status_.value_or(0);
}

// Until a stop signal or the command's end (with --wait, its whole tree's, as far as the records read
// tell: not while the output waits for its reader, as the ring may hold the records of processes not yet
// counted); once the output's reader is gone, only a command keeps it going.
bool EventLoop::running() {
    if (stop_requested_) return false;
    if (command_status_)
        return wait_for_descendants_ && !output_.reader_gone() && (output_.waiting() || session_.live_processes() > 0);
    return !output_.reader_gone() || command_;
}

// When the command has exited: its records are read first, then what is left of its tree is counted. All
// of them, also those the ring holds while the output waits for its reader (until a stop's deadline).
void EventLoop::check_command() {
    if (!command_ || command_status_) return;
    command_status_ = command_->poll_exit();
    if (!command_status_) return;
    if (stop_passed_on_ && !wait_for_descendants_) output_.give_up_after(kStopGrace);
    drain_the_rest();
    session_.command_ended(session_.live_processes());
}

void EventLoop::wait() {
    // The ring is read only while the output wants records: not while it waits for its reader (the ring
    // holds them meanwhile), nor once the reader has gone. Left out, or its pending wake-up would make
    // poll() return at once, forever; a negative fd is a slot poll() skips. While batching, the ring is
    // left out too: its wake-ups would only cut the batch short.
    bool reading = output_.wants_records();
    slots_[kRing].fd = reading && schedule_.listens_to_wakeups() ? tracer_.wakeup_fd() : -1;
    slots_[kOutput] = output_.poll_slot();
    int timeout_ms = reading ? schedule_.timeout_ms(WallClock::monotonic_now_ns(), tracer_.records_may_be_held())
                             : DrainSchedule::kIdleDrainMs;
    if (int output_ms = output_.timeout_ms(); output_ms >= 0) timeout_ms = std::min(timeout_ms, output_ms);
    if (poll(slots_.data(), slots_.size(), timeout_ms) < 0 && errno != EINTR) throw system_error("poll");
}

void EventLoop::serve_output() {
    output_.serve(slots_[kOutput].revents);
}

// The one drain: every waiting record to the sinks, losses reported, output written. A drain cut short
// (the output stalled or closed under it) leaves the rest in the ring and the kernel's wake-ups in charge.
void EventLoop::drain() {
    if (!output_.wants_records()) return;
    WallClock::resync();  // the records of this drain get the wall clock's time of now
    uint64_t start_ns = WallClock::monotonic_now_ns();
    double fill = tracer_.ring_fill();
    EventOutput::State before = output_.state();
    size_t records = session_.drain(tracer_);
    if (output_.state() == before)
        schedule_.drained(records, fill, start_ns);
    else
        schedule_.interrupted();
    tracer_.drain_on_timer_until(schedule_.next_drain_ns());
}

// A command is the user's work: a full disk must not leave it running unsupervised, nor lose its status
// or its timeline. Without one, the run ends with the error.
void EventLoop::handle_write_failure(bool at_end) {
    std::optional<std::string> failure = output_.take_failure();
    if (!failure) return;
    if (!command_) throw Error(*failure);
    if (at_end)  // the command's status is the run's answer
        std::fprintf(stderr, "bootstrap: %s\n", failure->c_str());
    else
        std::fprintf(stderr, "bootstrap: %s; events are no longer written, the command goes on\n", failure->c_str());
}

// The run ends: the output's reader gets a short grace to take what is left, then what is not written is
// counted instead, so a reader that stopped reading cannot hold the tracer.
void EventLoop::stop() {
    stop_requested_ = true;
    output_.give_up_after(kStopGrace);
}

void EventLoop::handle_signals() {
    while (auto info = signals_.take()) {
        if (info->ssi_signo == SIGCHLD) continue;  // only wakes us: poll_exit() follows
        // SIGHUP with -o FILE: logrotate moved the file away. Without a file to reopen it stops, as it
        // always has.
        if (info->ssi_signo == SIGHUP && output_.reopen()) continue;
        if (!command_ || command_status_) {  // nothing to pass it on to: the command has exited (--wait)
            stop();
            continue;
        }
        stop_passed_on_ = true;
        if (info->ssi_code <= 0)
            // Sent with kill(): pass it on. A Ctrl-C from the terminal (SI_KERNEL) has already reached the
            // command, which is in the same process group; a second one could make it give up its own
            // clean-up.
            command_->forward(static_cast<int>(info->ssi_signo));
    }
}

// The end: what came in since the last drain, then the session's end (the timeline, the summary), each
// written before the run ends. A reader that does not read holds it only until a stop's deadline.
void EventLoop::end() {
    drain_the_rest();
    handle_write_failure();
    std::optional<Error> timeline_error = session_.end(tracer_);
    settle_output();
    handle_write_failure(/*at_end=*/true);
    output_.say_not_written();
    if (timeline_error) {
        // The command's status is the run's answer; a file that could not be written is reported.
        if (!command_status_) throw *timeline_error;
        std::fprintf(stderr, "bootstrap: %s\n", timeline_error->what());
    }
}

// Every record still in the ring, as far as the output takes them (once it has closed, they are counted).
void EventLoop::drain_the_rest() {
    drain();
    while (output_.waiting()) {
        settle_output();
        drain();
    }
}

// Until the reader has taken what the output holds, or the output has closed (the reader went away, or a
// stop's deadline passed). Signals are handled meanwhile: a stop is what sets that deadline.
void EventLoop::settle_output() {
    while (output_.waiting()) {
        wait();
        serve_output();
        handle_signals();
    }
}

}  // namespace bootstrap
