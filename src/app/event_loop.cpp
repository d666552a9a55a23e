#include "app/event_loop.h"

#include "events/clock.h"
#include "util/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace bootstrap {

namespace {

// How long a stop waits for a reader that does not read before it drops what is left to write.
constexpr std::chrono::milliseconds kStopGrace{500};

}  // namespace

EventLoop::EventLoop(Tracer& tracer, Session& session, SignalFd& signals, HeldCommand* command, int reader_fd,
                     bool wait_for_descendants, std::chrono::milliseconds max_delay)
    : tracer_(tracer),
      session_(session),
      signals_(signals),
      command_(command),
      reader_fd_(reader_fd),
      wait_for_descendants_(wait_for_descendants),
      schedule_(max_delay) {
    slots_[kRing] = {tracer_.wakeup_fd(), POLLIN, 0};
    slots_[kSignals] = {signals_.fd(), POLLIN, 0};
    slots_[kReader] = {reader_fd_, 0, 0};  // POLLERR and POLLHUP are always reported
    session_.output().watch(signals_.fd(), [this] { while_output_waits(); });
}

int EventLoop::run() {
    try {
        session_.begin();
        session_.flush();
    } catch (const OutputClosed&) {
        output_open_ = false;
    } catch (const OutputStalled&) {
        session_.stop_stream();
    } catch (const Error& e) {
        survive_write_error(e);
    }
    while (running()) {
        wait();
        drain();
        watch_reader();
        handle_signals();
        check_command();
    }
    drain();  // what came in since the last one
    try {
        session_.end(output_open_);
    } catch (const Error& e) {
        // The command's status is the run's answer; a file that could not be written is reported.
        if (!command_status_) throw;
        std::fprintf(stderr, "bootstrap: %s\n", e.what());
    }
    return command_status_.value_or(0);
}

// Until a stop signal or the command's end (with --wait, its whole tree's, as far as the records read
// tell); once the output is gone, only a command keeps it going.
bool EventLoop::running() {
    if (stop_requested_) return false;
    if (command_status_) return wait_for_descendants_ && output_open_ && session_.live_processes() > 0;
    return output_open_ || command_;
}

// When the command has exited: its records are read first, then what is left of its tree is counted.
void EventLoop::check_command() {
    if (!command_ || command_status_) return;
    command_status_ = command_->poll_exit();
    if (!command_status_) return;
    if (stop_passed_on_ && !wait_for_descendants_) session_.output().give_up_after(kStopGrace);
    drain();
    session_.command_ended(session_.live_processes());
}

void EventLoop::wait() {
    // Once the output is gone the ring is no longer read: leave it out, or its pending wake-up would make
    // poll() return at once, forever. A negative fd is a slot poll() skips.
    // While batching, the ring is left out too: its wake-ups would only cut the batch short.
    slots_[kRing].fd = output_open_ && schedule_.listens_to_wakeups() ? tracer_.wakeup_fd() : -1;
    slots_[kReader].fd = output_open_ ? reader_fd_ : -1;
    int timeout_ms = output_open_ ? schedule_.timeout_ms(WallClock::monotonic_now_ns(), tracer_.records_may_be_held())
                                  : DrainSchedule::kIdleDrainMs;
    if (poll(slots_.data(), slots_.size(), timeout_ms) < 0 && errno != EINTR) throw system_error("poll");
}

// The one drain: every waiting record to the sinks, losses reported, output written. A reader that went
// away (like `| head`) ends the output quietly; in command mode the command is still waited for.
void EventLoop::drain() {
    if (!output_open_) return;
    WallClock::resync();  // the records of this drain get the wall clock's time of now
    uint64_t start_ns = WallClock::monotonic_now_ns();
    double fill = tracer_.ring_fill();
    schedule_.interrupted();  // a drain cut short by an error leaves the kernel's wake-ups in charge
    try {
        schedule_.drained(session_.drain(tracer_), fill, start_ns);
    } catch (const OutputClosed&) {
        output_open_ = false;
    } catch (const OutputStalled&) {
        session_.stop_stream();  // the rest of the ring is still read, to count what is not written
    } catch (const Error& e) {
        survive_write_error(e);
    }
    tracer_.drain_on_timer_until(schedule_.next_drain_ns());
}

// A command is the user's work: a full disk must not leave it running unsupervised, nor lose its status
// or its timeline. Without one, the run ends with the error, and so does any error once nothing is
// written any more (it cannot be a write's).
void EventLoop::survive_write_error(const Error& error) {
    if (!command_ || session_.stream_stopped()) throw error;
    std::fprintf(stderr, "bootstrap: %s; events are no longer written, the command goes on\n", error.what());
    session_.stop_stream();
}

// The run ends: the output's reader gets a short grace to take what is left, then what is not written is
// counted instead, so a reader that stopped reading cannot hold the tracer.
void EventLoop::stop() {
    stop_requested_ = true;
    session_.output().give_up_after(kStopGrace);
}

// A signal came while the output waits for a reader that does not read. A stop ends the run; so does a
// stop passed on to the command, once the command has ended.
void EventLoop::while_output_waits() {
    handle_signals();
    if (stop_passed_on_ && !wait_for_descendants_ && command_ && command_->ended())
        session_.output().give_up_after(kStopGrace);
}

// SIGHUP with -o FILE: logrotate moved the file away. Without a file to reopen it stops, as it always has.
bool EventLoop::reopen_output() {
    try {
        return session_.reopen_output();
    } catch (const OutputStalled&) {
        return true;  // a regular file never stalls
    } catch (const Error& e) {
        survive_write_error(e);
        return true;
    }
}

void EventLoop::watch_reader() {
    if (slots_[kReader].fd >= 0 && (slots_[kReader].revents & (POLLERR | POLLHUP))) output_open_ = false;
}

void EventLoop::handle_signals() {
    while (auto info = signals_.take()) {
        if (info->ssi_signo == SIGCHLD) continue;  // only wakes us: poll_exit() follows
        if (info->ssi_signo == SIGHUP && reopen_output()) continue;
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

}  // namespace bootstrap
