// Buffered output to a file descriptor: formatters append to buffer(), the run loop flushes once per batch
// of events, so a busy second costs a few write(2) calls instead of one per line. A Writer never waits and
// never throws: flush() says what happened, and its owner decides (the event stream's is EventOutput).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string>

namespace bootstrap {

class Writer {
public:
    enum class Result {
        written,      // the buffer is empty
        would_block,  // the reader has not made room for the rest, which is still in the buffer
        reader_gone,  // EPIPE: the reader of a pipe or socket went away (`bootstrap | head`)
        failed,       // any other write error (a full disk, an I/O error): see failure()
    };

    // `fd` should not block (see nonblocking_twin()): a reader that stops reading then holds up nothing,
    // and flush() returns would_block. A blocking `fd` works too, without that guarantee.
    explicit Writer(int fd, std::string name = "standard output") : fd_(fd), name_(std::move(name)) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    fmt::memory_buffer& buffer() { return buffer_; }
    int fd() const { return fd_; }

    // Writes what the descriptor takes now. What was written leaves the buffer; the rest stays in it.
    Result flush();
    // Flushes when the buffer has grown large, to bound memory during a burst.
    bool large() const { return buffer_.size() >= kFlushThreshold; }
    Result flush_if_large() { return large() ? flush() : Result::written; }
    // After `failed`: "cannot write to NAME: REASON".
    std::string failure() const;

private:
    static constexpr size_t kFlushThreshold = size_t{64} * 1024;

    int fd_;
    std::string name_;
    fmt::memory_buffer buffer_;
    int error_ = 0;  // errno of the last failed write
};

}  // namespace bootstrap
