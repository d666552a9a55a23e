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
    // The signals stay blocked: one that arrives while the run ends (timeout(1) sends its signal to the
    // command and then to its process group, so a second SIGINT can come after the first was read)
    // must not kill the process with the default action in the middle of writing its last records.
    ~SignalFd() = default;
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;

    int fd() const { return fd_.get(); }
    // Consumes one pending signal; nothing when none is pending.
    std::optional<signalfd_siginfo> take();

private:
    FileDescriptor fd_;
};

}  // namespace bootstrap
