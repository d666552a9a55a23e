#include "events/container.h"

#include <array>
#include <cctype>

namespace bootstrap {

namespace {

constexpr size_t kIdLength = 64;

bool all_hex(std::string_view text) {
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
    return true;
}

// One path component: the id it names, if it names a container.
std::optional<std::string> id_in(std::string_view name) {
    constexpr std::string_view kScope = ".scope";
    if (name.size() > kScope.size() && name.substr(name.size() - kScope.size()) == kScope)
        name.remove_suffix(kScope.size());
    // conmon, Podman's monitor, has a scope of its own beside the container's.
    if (name.find("conmon") != std::string_view::npos) return std::nullopt;
    constexpr std::array<std::string_view, 4> kPrefixes = {"docker-", "cri-containerd-", "crio-", "libpod-"};
    for (std::string_view prefix : kPrefixes)
        if (name.substr(0, prefix.size()) == prefix) {
            name.remove_prefix(prefix.size());
            break;
        }
    if (name.size() == kIdLength && all_hex(name)) return std::string(name);
    return std::nullopt;
}

}  // namespace

// From the root down: a process inside a container may be able to make cgroups below its own (a
// delegated cgroup, a nested runtime) and name them like another container, but not above it.
std::optional<std::string> container_id_of(std::string_view path) {
    while (!path.empty()) {
        size_t slash = path.find('/');
        if (auto id = id_in(path.substr(0, slash))) return id;
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return std::nullopt;
}

}  // namespace bootstrap
