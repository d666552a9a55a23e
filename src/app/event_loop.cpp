#include "app/event_loop.h"

#include "events/clock.h"
#include "util/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace bootstrap {

namespace {

// The kernel wakes us at once after a quiet spell, then at most every 20 ms in a burst (or when a batch
// waits): the traced processes pay for its wake-ups. While it may be holding records back we drain once
// more on our own timer, as late as it would have woken us; otherwise its next record wakes us at once,
// and the idle timer is only a safety net (and what reports records the kernel dropped on a full ring,
// which come with no wake-up): once a second, not ten times, as an idle host should be left alone.
constexpr int kActiveDrainMs = 20;  // BOOTSTRAP_WAKEUP_INTERVAL_NS
constexpr int kIdleDrainMs = 1000;
// A wake-up of ours costs about as much as formatting a hundred lines (poll, the ring's bookkeeping, a
// write, being scheduled), so while records flow we stop listening to the kernel's wake-ups and drain on
// a timer instead: every max_delay (--max-delay, 50 ms), in fewer and bigger pieces. A flow is at least
// kFlowMinRecords read at kFlowMinRate records/s or more by drains that each found some, within
// kFlowWindowNs: counted across drains, since the drains that catch held records see few at once in a
// moderate flow (a ./configure, 100 to 200 records a second). An exec typed in a shell (an exec and an
// exit record) never starts one, so it is still written at once. The timer is shortened so that the ring
// buffer is at most kBatchRingFill full when it fires, at the fill rate just seen; a drain that finds
// nothing ends the flow and the kernel's wake-ups are listened to again.
constexpr size_t kFlowMinRecords = 8;
constexpr uint64_t kFlowMinRate = 80;
constexpr uint64_t kFlowWindowNs = 100'000'000;
constexpr double kBatchRingFill = 0.25;
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
      max_delay_ns_(static_cast<uint64_t>(std::chrono::nanoseconds(max_delay).count())) {
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
    bool batching = output_open_ && next_drain_ns_ != 0;
    slots_[kRing].fd = output_open_ && !batching ? tracer_.wakeup_fd() : -1;
    slots_[kReader].fd = output_open_ ? reader_fd_ : -1;
    int timeout_ms = output_open_ && tracer_.records_may_be_held() ? kActiveDrainMs : kIdleDrainMs;
    if (batching) {
        uint64_t now = WallClock::monotonic_now_ns();
        timeout_ms = now >= next_drain_ns_ ? 0 : static_cast<int>((next_drain_ns_ - now + 999'999) / 1'000'000);
    }
    if (poll(slots_.data(), slots_.size(), timeout_ms) < 0 && errno != EINTR) throw system_error("poll");
}

// After a drain that read `records`, begun at `start_ns` with the ring `fill` full: whether the next one
// waits for a timer (a flow) or for the kernel's wake-up.
void EventLoop::plan_next_drain(size_t records, double fill, uint64_t start_ns) {
    uint64_t since_last = start_ns - last_drain_ns_;
    if (records == 0 || start_ns - burst_start_ns_ > kFlowWindowNs) {  // a new burst, from the last drain on
        burst_start_ns_ = records == 0 ? start_ns : last_drain_ns_;
        burst_records_ = 0;
    }
    burst_records_ += records;
    last_drain_ns_ = start_ns;
    next_drain_ns_ = 0;
    if (max_delay_ns_ == 0 || burst_records_ < kFlowMinRecords ||
        burst_records_ * 1'000'000'000 < kFlowMinRate * (start_ns - burst_start_ns_))
        return;
    double window_ns = static_cast<double>(max_delay_ns_);
    if (fill > 0) window_ns = std::min(window_ns, static_cast<double>(since_last) * kBatchRingFill / fill);
    next_drain_ns_ = start_ns + static_cast<uint64_t>(std::max(window_ns, kActiveDrainMs * 1e6));
}

// The one drain: every waiting record to the sinks, losses reported, output written. A reader that went
// away (like `| head`) ends the output quietly; in command mode the command is still waited for.
void EventLoop::drain() {
    if (!output_open_) return;
    WallClock::resync();  // the records of this drain get the wall clock's time of now
    uint64_t start_ns = WallClock::monotonic_now_ns();
    double fill = tracer_.ring_fill();
    next_drain_ns_ = 0;  // a drain cut short by an error leaves the kernel's wake-ups in charge
    try {
        plan_next_drain(session_.drain(tracer_), fill, start_ns);
    } catch (const OutputClosed&) {
        output_open_ = false;
    } catch (const OutputStalled&) {
        session_.stop_stream();  // the rest of the ring is still read, to count what is not written
    } catch (const Error& e) {
        survive_write_error(e);
    }
    tracer_.drain_on_timer_until(next_drain_ns_);
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
