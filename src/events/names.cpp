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

std::string tty_name(uint32_t device) {
    uint32_t major = device >> 20, minor = device & 0xfffff;
    // Documented in the kernel's Documentation/admin-guide/devices.txt.
    constexpr uint32_t kPtySlaveFirst = 136, kPtySlaveLast = 143, kTty = 4, kSerialFirstMinor = 64;
    if (major >= kPtySlaveFirst && major <= kPtySlaveLast)
        return "pts/" + std::to_string((major - kPtySlaveFirst) * 256 + minor);
    if (major == kTty)
        return minor < kSerialFirstMinor ? "tty" + std::to_string(minor)
                                         : "ttyS" + std::to_string(minor - kSerialFirstMinor);
    return std::to_string(major) + ":" + std::to_string(minor);
}

std::vector<std::string> privileges_raised(const ExecContext& context) {
    std::vector<std::string> names;
    if (context.raised_setuid) names.emplace_back("setuid");
    if (context.raised_setgid) names.emplace_back("setgid");
    if (context.raised_file_caps) names.emplace_back("file_caps");
    return names;
}

std::vector<std::string> privileges_lowered(const ExecContext& context) {
    std::vector<std::string> names;
    if (context.lowered_setuid) names.emplace_back("setuid");
    if (context.lowered_setgid) names.emplace_back("setgid");
    return names;
}

}  // namespace bootstrap
