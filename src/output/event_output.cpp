#include "output/event_output.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

namespace bootstrap {

EventOutput::EventOutput(int fd, std::string name, int reader_fd, std::optional<LogFile> file)
    : writer_(fd, std::move(name)), file_(std::move(file)), reader_fd_(reader_fd) {}

void EventOutput::flush() {
    if (state_ == State::open) write_buffer();  // waiting: serve() writes once there is room
}

// The buffer to the -o file, or as much of it as the descriptor takes; the state follows from the result.
void EventOutput::write_buffer() {
    fmt::memory_buffer& buffer = writer_.buffer();
    if (file_) {
        if (auto failure = file_->write(std::string_view(buffer.data(), buffer.size()))) fail(std::move(*failure));
        buffer.clear();
        return;
    }
    switch (writer_.flush()) {
        case Writer::Result::written:
            state_ = State::open;
            break;
        case Writer::Result::would_block:
            state_ = give_up_at_ ? State::stopping : State::stalled;
            break;
        case Writer::Result::reader_gone:
            close(/*reader_gone=*/true);
            break;
        case Writer::Result::failed:
            fail(writer_.failure());
            break;
    }
}

// What is still buffered is dropped: counted, unless the reader has gone (then nobody misses it).
void EventOutput::close(bool reader_gone) {
    fmt::memory_buffer& buffer = writer_.buffer();
    if (!reader_gone) not_written_ += static_cast<uint64_t>(std::count(buffer.begin(), buffer.end(), '\n'));
    buffer.clear();
    state_ = State::closed;
    reader_gone_ = reader_gone;
}

void EventOutput::fail(std::string failure) {
    failure_ = std::move(failure);
    close(/*reader_gone=*/false);
}

void EventOutput::give_up_after(std::chrono::milliseconds grace, Clock::time_point now) {
    if (!give_up_at_) give_up_at_ = now + grace;
    if (state_ == State::stalled) state_ = State::stopping;
}

pollfd EventOutput::poll_slot() const {
    switch (state_) {
        case State::open:
            return {reader_fd_, 0, 0};  // POLLERR and POLLHUP are always reported; a negative fd is skipped
        case State::stalled:
        case State::stopping:
            return {writer_.fd(), POLLOUT, 0};
        case State::closed:
            break;
    }
    return {-1, 0, 0};
}

int EventOutput::timeout_ms(Clock::time_point now) const {
    if (state_ != State::stopping) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*give_up_at_ - now);
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

void EventOutput::serve(short revents, Clock::time_point now) {
    if (state_ == State::open && (revents & (POLLERR | POLLHUP)))
        close(/*reader_gone=*/true);
    else if (waiting() && revents != 0)
        write_buffer();  // room, or an error the write reports
    if (state_ == State::stopping && now >= *give_up_at_) close(/*reader_gone=*/false);
}

std::optional<std::string> EventOutput::take_failure() {
    return std::exchange(failure_, std::nullopt);
}

void EventOutput::say_not_written() const {
    if (not_written_ > 0)
        std::fprintf(stderr, "bootstrap: %llu events were not written\n",
                     static_cast<unsigned long long>(not_written_));
}

bool EventOutput::reopen() {
    if (!file_) return false;
    flush();  // what was read before the signal goes to the file it was meant for
    file_->reopen();
    return true;
}

}  // namespace bootstrap
