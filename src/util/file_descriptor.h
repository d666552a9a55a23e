// Owns one file descriptor: closed when the owner goes away, moved but never copied.
#pragma once

#include "util/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace bootstrap {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd = -1) : fd_(fd) {}
    ~FileDescriptor() { close(); }
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

    // Closes it now. Returns close(2)'s result: after writing through it, -1 (errno set) is a write
    // that failed late, on a network file system say.
    int close() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }

private:
    int fd_;
};

struct Pipe {
    FileDescriptor read;
    FileDescriptor write;
};

// A close-on-exec pipe. Throws Error.
inline Pipe make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw system_error("pipe2");
    return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

}  // namespace bootstrap
