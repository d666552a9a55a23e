// exec_id: the short name of one program image of one process (events/event.h, ImageKey) on one boot of
// one host. It is a hash of the boot id, the pid, the process's fork time and the kernel's exec count,
// all kernel facts: two tracers, or one restarted, name a process alike, and no counter of ours is in
// it. 96 bits of XXH3-128 in base64url, 16 characters: ids of different boots or hosts differ by the
// boot id, and a collision among a trillion ids has a probability of about 1e-5.
#pragma once

#include "events/event.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bootstrap {

using BootId = std::array<uint8_t, 16>;

// "6f0c...-...": the 36-character UUID the kernel gives in /proc/sys/kernel/random/boot_id.
std::optional<BootId> parse_boot_id(std::string_view text);
// This boot's id. Throws Error when /proc does not give one.
BootId read_boot_id();

class ExecIds {
public:
    static constexpr size_t kLength = 16;

    explicit ExecIds(const BootId& boot_id) : boot_id_(boot_id) {}

    void append(fmt::memory_buffer& out, const ImageKey& image) const;
    std::string operator()(const ImageKey& image) const;

private:
    BootId boot_id_;
};

}  // namespace bootstrap
