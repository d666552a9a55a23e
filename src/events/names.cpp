#include "events/names.h"

#include <fmt/format.h>

#include <csignal>
#include <cstring>

namespace bootstrap {

std::string signal_name(int signal) {
    if (const char* abbrev = sigabbrev_np(signal)) return fmt::format("SIG{}", abbrev);
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", signal - SIGRTMIN);
    return fmt::format("SIG{}", signal);
}

std::string errno_name(int error) {
    if (const char* name = strerrorname_np(error)) return name;
    return fmt::format("E{}", error);
}

}  // namespace bootstrap
