// Buffered output to a file descriptor: formatters append to buffer(), the run loop flushes once per batch
// of events, so a busy second costs a few write(2) calls instead of one per line.
#pragma once

#include <fmt/format.h>

#include <string>

namespace bootstrap {

// The reader of our output went away (EPIPE): a normal way to end, as with `bootstrap | head`.
struct OutputClosed {};

class Writer {
public:
    explicit Writer(int fd, std::string name = "standard output") : fd_(fd), name_(std::move(name)) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    fmt::memory_buffer& buffer() { return buffer_; }
    int fd() const { return fd_; }

    // Writes everything buffered. Throws OutputClosed, or Error for any other failure (a full disk, an
    // I/O error).
    void flush();
    // Flushes when the buffer has grown large, to bound memory during a burst.
    void flush_if_large() {
        if (buffer_.size() >= kFlushThreshold) flush();
    }

private:
    static constexpr size_t kFlushThreshold = size_t{64} * 1024;
    int fd_;
    std::string name_;
    fmt::memory_buffer buffer_;
};

}  // namespace bootstrap
