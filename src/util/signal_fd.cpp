#include "util/signal_fd.h"

#include <unistd.h>

namespace bootstrap {

SignalFd::SignalFd(std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : signals) sigaddset(&set, sig);
    fd_ = FileDescriptor(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw system_error("signalfd");
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

std::optional<signalfd_siginfo> SignalFd::take() {
    signalfd_siginfo info{};
    if (read(fd_.get(), &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) return std::nullopt;
    return info;
}

}  // namespace bootstrap
