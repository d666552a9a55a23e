#include "output/writer.h"

#include "output/log_file.h"
#include "util/error.h"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace bootstrap {

void Writer::flush() {
    if (log_file_) {
        std::string_view lines(buffer_.data(), buffer_.size());
        buffer_.clear();  // the view stays valid: clear() keeps the storage
        log_file_->write(lines);
        return;
    }
    size_t written = 0;
    while (written < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
        if (n >= 0) {
            written += static_cast<size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
            wait_until_writable(written);
            continue;
        }
        int err = errno;
        buffer_.clear();
        if (err == EPIPE) throw OutputClosed{};
        throw Error("cannot write to " + name_ + ": " + std::strerror(err));
    }
    buffer_.clear();
}

// Waits for room in the output, handling what comes on the watched descriptor meanwhile, until the
// deadline of a stop. Giving up leaves in the buffer only what was not written.
void Writer::wait_until_writable(size_t written) {
    std::array<pollfd, 2> fds{{{fd_, POLLOUT, 0}, {watched_fd_, POLLIN, 0}}};
    for (;;) {
        int timeout_ms = -1;
        if (give_up_at_) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*give_up_at_ - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                size_t unwritten = buffer_.size() - written;
                std::memmove(buffer_.data(), buffer_.data() + written, unwritten);
                buffer_.resize(unwritten);
                throw OutputStalled{};
            }
            timeout_ms = static_cast<int>(left.count());
        }
        if (poll(fds.data(), fds.size(), timeout_ms) < 0) {
            if (errno == EINTR) continue;
            throw system_error("poll");
        }
        if (fds[0].revents != 0) return;  // room, or an error the next write reports
        if ((fds[1].revents & POLLIN) && on_readable_) on_readable_();
    }
}

}  // namespace bootstrap
