#include "output/writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bootstrap {

Writer::Result Writer::flush() {
    size_t written = 0;
    Result result = Result::written;
    while (written < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
        if (n >= 0) {
            written += static_cast<size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        error_ = errno;
        result = error_ == EAGAIN ? Result::would_block : error_ == EPIPE ? Result::reader_gone : Result::failed;
        break;
    }
    // Only what was not written stays, from its first byte on.
    size_t unwritten = buffer_.size() - written;
    if (written > 0 && unwritten > 0) std::memmove(buffer_.data(), buffer_.data() + written, unwritten);
    buffer_.resize(unwritten);
    return result;
}

std::string Writer::failure() const {
    return "cannot write to " + name_ + ": " + std::strerror(error_);
}

}  // namespace bootstrap
