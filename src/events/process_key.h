// How the user side tells processes and their images apart, in maps and sets: a process is its pid and
// its fork time (a pid reused is another process), an image adds the kernel's exec count (ImageKey,
// events/event.h). Every table of processes keys by these, so none of them can mistake a reused pid.
#pragma once

#include "events/event.h"

#include <cstddef>
#include <cstdint>

namespace bootstrap {

struct ProcessKey {
    uint32_t pid = 0;
    uint64_t start_time_ns = 0;  // CLOCK_MONOTONIC

    bool operator==(const ProcessKey&) const = default;
    // The process an image belongs to.
    static ProcessKey of(const ImageKey& image) { return {image.pid, image.start_time_ns}; }
};

struct ProcessKeyHash {
    size_t operator()(const ProcessKey& key) const noexcept { return key.start_time_ns * 31 + key.pid; }
};

struct ImageKeyHash {
    size_t operator()(const ImageKey& key) const noexcept {
        return (key.start_time_ns * 31 + key.exec_seq) * 31 + key.pid;
    }
};

}  // namespace bootstrap
