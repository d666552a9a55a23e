// The one error type. Whatever fails, wherever it is found, ends the run the same way: main() prints
// "bootstrap: WHAT", then the hint (or, for bad input, the usage line), and exits with status().
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bootstrap {

// Exit statuses besides a traced command's own.
inline constexpr int kExitFailure = 1;  // tracing could not start or go on: what is missing, what to do
inline constexpr int kExitUsage = 2;    // bad input: an option, its value, or what the value names

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what, std::string hint = {}, int status = kExitFailure)
        : std::runtime_error(what), hint_(std::move(hint)), status_(status) {}

    // What the user can do about it; may be empty.
    const std::string& hint() const noexcept { return hint_; }
    int status() const noexcept { return status_; }
    bool is_usage() const noexcept { return status_ == kExitUsage; }

private:
    std::string hint_;
    int status_;
};

// Bad input, named by the option it came in: "--run-as: no user named 'x'" (status 2).
Error usage_error(std::string_view option, std::string_view reason);

// A system call failed: "fork failed: Resource temporarily unavailable" (status 1). `err` may be
// negative, as libbpf returns it.
Error system_error(std::string_view call, int err = errno, std::string hint = {});

// strerror() for an errno of either sign.
std::string errno_text(int err);

}  // namespace bootstrap
