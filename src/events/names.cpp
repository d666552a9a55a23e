#include "events/names.h"

#include <csignal>
#include <cstring>

namespace bootstrap {

std::string signal_name(int signal) {
    if (const char* abbrev = sigabbrev_np(signal)) return std::string("SIG") + abbrev;
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(signal - SIGRTMIN);
    return "SIG" + std::to_string(signal);
}

std::string errno_name(int error) {
    if (const char* name = strerrorname_np(error)) return name;
    return "E" + std::to_string(error);
}

}  // namespace bootstrap
