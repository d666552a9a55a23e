// Buffered output to a file descriptor: formatters append to buffer(), the run loop flushes once per batch
// of events, so a busy second costs a few write(2) calls instead of one per line.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace bootstrap {

class LogFile;

// The reader of our output went away (EPIPE): a normal way to end, as with `bootstrap | head`.
struct OutputClosed {};

// The reader did not read for the grace a stop leaves it (give_up_after): flush() gave up, and what it
// could not write is still in the buffer.
struct OutputStalled {};

class Writer {
public:
    // `fd` should not block (see nonblocking_twin()): a reader that stops reading then holds up only
    // flush(), which waits for it or for a stop, never the process inside write(2). A blocking `fd` works
    // too, without that guarantee.
    explicit Writer(int fd, std::string name = "standard output") : fd_(fd), name_(std::move(name)) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // From now on flush() hands the buffer to `file` (a regular -o file: rotation, reopening, surviving a
    // full disk) instead of writing the descriptor itself.
    void write_to(LogFile& file) { log_file_ = &file; }

    fmt::memory_buffer& buffer() { return buffer_; }
    int fd() const { return fd_; }

    // While flush() waits for a slow reader it also watches `fd` (the signals), and calls `on_readable`
    // when there is something to read there: a stop can come while the reader does not read.
    void watch(int fd, std::function<void()> on_readable) {
        watched_fd_ = fd;
        on_readable_ = std::move(on_readable);
    }
    // From now on (the run is stopping) flush() waits at most `grace` in all for a reader that does not
    // read, then gives up.
    void give_up_after(std::chrono::milliseconds grace) {
        if (!give_up_at_) give_up_at_ = std::chrono::steady_clock::now() + grace;
    }

    // Writes everything buffered. Throws OutputClosed, OutputStalled, or Error for any other failure (a
    // full disk, an I/O error).
    void flush();
    // Flushes when the buffer has grown large, to bound memory during a burst.
    void flush_if_large() {
        if (buffer_.size() >= kFlushThreshold) flush();
    }

private:
    static constexpr size_t kFlushThreshold = size_t{64} * 1024;
    void wait_until_writable(size_t written);

    int fd_;
    std::string name_;
    fmt::memory_buffer buffer_;
    LogFile* log_file_ = nullptr;
    int watched_fd_ = -1;
    std::function<void()> on_readable_;
    std::optional<std::chrono::steady_clock::time_point> give_up_at_;
};

}  // namespace bootstrap
