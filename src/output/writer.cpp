#include "output/writer.h"

#include "util/error.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bootstrap {

void Writer::flush() {
    const char* data = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            buffer_.clear();
            if (err == EPIPE) throw OutputClosed{};
            throw Error("cannot write to " + name_ + ": " + std::strerror(err));
        }
        data += n;
        left -= static_cast<size_t>(n);
    }
    buffer_.clear();
}

}  // namespace bootstrap
