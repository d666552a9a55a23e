// Signals as a file descriptor: blocked for normal delivery and read in the event loop, so a signal is
// handled between two steps of the loop, never in the middle of one.
#pragma once

#include "util/file_descriptor.h"

#include <signal.h>
#include <sys/signalfd.h>

#include <initializer_list>
#include <optional>

namespace bootstrap {

class SignalFd {
public:
    // Blocks `signals` and opens a non-blocking descriptor that reads them. Throws Error.
    explicit SignalFd(std::initializer_list<int> signals);
    // Restores the signal mask (a signal still pending is then delivered as usual).
    ~SignalFd();
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;

    int fd() const { return fd_.get(); }
    // Consumes one pending signal; nothing when none is pending.
    std::optional<signalfd_siginfo> take();

private:
    sigset_t old_mask_{};
    FileDescriptor fd_;
};

}  // namespace bootstrap
