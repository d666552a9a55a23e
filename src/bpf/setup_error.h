#pragma once

#include <stdexcept>
#include <string>

namespace bootstrap {

// Loading or attaching failed. what() says what failed and why ("failed to attach handle_exec: Operation not
// permitted"); hint() says what the user can do about it. main() prints both and exits 1.
class SetupError : public std::runtime_error {
public:
    SetupError(const std::string& what, std::string hint) : std::runtime_error(what), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }

private:
    std::string hint_;
};

}  // namespace bootstrap
