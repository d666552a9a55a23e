// The event stream's one owner: the buffer the sinks write into, where it goes (a descriptor, or a
// regular -o FILE that is rotated and reopened), and what state that is in. Nothing here waits or
// throws: a reader that does not read, a reader that went away, a full disk and a stop are states, which
// the run loop polls as one of its slots (poll_slot(), serve()) and reads (state(), take_failure()).
#pragma once

#include "output/log_file.h"
#include "output/writer.h"

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace bootstrap {

class EventOutput {
public:
    enum class State {
        open,      // written at every drain
        stalled,   // the reader has not taken everything: the rest waits for room, and no record is read
        stopping,  // stalled while the run stops: the rest has until the stop's deadline
        closed,    // nothing more is written: the reader went away, a write failed, or the deadline passed
    };
    using Clock = std::chrono::steady_clock;

    // `fd` is where the events go: it should not block (nonblocking_twin()). `reader_fd` is a pipe or
    // socket whose POLLERR/POLLHUP means its reader has gone, or -1. `file`, a regular -o FILE, takes the
    // lines instead of `fd` (rotation, reopening, surviving a full disk).
    EventOutput(int fd, std::string name, int reader_fd = -1, std::optional<LogFile> file = std::nullopt);

    // What the sinks of the stream append to.
    Writer& writer() { return writer_; }
    State state() const { return state_; }
    // Whether the stream still takes events (it may be waiting for room): false once closed.
    bool writes_events() const { return state_ != State::closed; }
    // Whether there is something the reader has not taken yet (stalled, or stopping).
    bool waiting() const { return state_ == State::stalled || state_ == State::stopping; }
    // Closed because the reader went away (`| head`): nothing is said and nothing is counted any more.
    bool reader_gone() const { return reader_gone_; }
    // Whether records should be read now: to be written (open), or, once the stream has stopped for
    // another reason, to be counted as not written. Not while waiting for the reader (the ring keeps them,
    // and the kernel counts what it drops), nor once the reader has gone.
    bool wants_records() const { return state_ == State::open || (state_ == State::closed && !reader_gone_); }

    // Writes what is buffered, as far as the output takes it now.
    void flush();
    void flush_if_large() {
        if (writer_.large()) flush();
    }
    // From now on (the run is stopping) what the reader does not take within `grace` in all is given up.
    void give_up_after(std::chrono::milliseconds grace, Clock::time_point now = Clock::now());

    // The loop's poll slot: room to write when waiting, the reader's departure when open, else nothing.
    pollfd poll_slot() const;
    // How long the loop may wait before serve() must run again: until the stop's deadline, or -1.
    int timeout_ms(Clock::time_point now = Clock::now()) const;
    // After poll(): writes the rest when there is room, notes a reader that went away, and gives up what
    // is left once a stop's deadline has passed.
    void serve(short revents, Clock::time_point now = Clock::now());

    // A write that failed since the last call ("cannot write to NAME: REASON"), once: the output is
    // closed; whether the run goes on is the caller's to decide.
    std::optional<std::string> take_failure();
    // An event that was not written because the stream is closed.
    void count_not_written() { ++not_written_; }
    // Events and lines not written: given up at a stop, lost with a failed write, or after either.
    uint64_t not_written() const { return not_written_; }
    // Those, and the lines the -o file dropped while it could not be written.
    uint64_t lines_not_written() const { return not_written_ + (file_ ? file_->lines_dropped() : 0); }
    // Says how many events were not written, if any (at the end).
    void say_not_written() const;

    // SIGHUP: writes what was read before it to the file it was meant for, then opens the -o file again
    // (logrotate moved it away). False when there is no such file.
    bool reopen();
    const LogFile* file() const { return file_ ? &*file_ : nullptr; }

private:
    void write_buffer();
    void close(bool reader_gone);
    void fail(std::string failure);

    Writer writer_;
    std::optional<LogFile> file_;
    int reader_fd_;
    State state_ = State::open;
    bool reader_gone_ = false;
    std::optional<Clock::time_point> give_up_at_;  // set by a stop
    std::optional<std::string> failure_;           // a write failure not yet taken
    uint64_t not_written_ = 0;
};

}  // namespace bootstrap
