// Whose records the kernel dropped, from its per-cgroup totals (bpf/throttle.h): a throttled cgroup's spell
// is reported once nothing more of it was dropped for a second (BOOTSTRAP_THROTTLE_QUIET_NS), and every
// open spell at the end of the run; the records the full ring lost are attributed to their cgroups as they
// are reported. The totals are read only when the kernel's counters moved, or a spell is open.
#pragma once

#include "events/event.h"
#include "tracer/tracer.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bootstrap {

class ThrottleReport {
public:
    // A cgroup's path by its id, when it can be found.
    using CgroupPath = std::function<std::optional<std::string>(uint64_t id)>;

    explicit ThrottleReport(CgroupPath cgroup_path) : cgroup_path_(std::move(cgroup_path)) {}

    // Whether the kernel's totals must be read: its counters moved since the last read, or a spell is open.
    bool needs_counts(uint64_t throttled_total, uint64_t lost_total) const {
        return throttled_total != throttled_seen_ || lost_total != lost_seen_ || open_spells_;
    }
    // The spells over at `now_ns` (CLOCK_MONOTONIC), all of them when `ending`, from `counts` read when the
    // kernel's totals were `throttled_total` and `lost_total`, each handed to `reported` too; and what the
    // full ring lost of each cgroup since the last call (into `losses`).
    std::vector<ThrottledSpell> take(const std::vector<CgroupCounts>& counts, uint64_t throttled_total,
                                     uint64_t lost_total, uint64_t now_ns, bool ending, std::vector<CgroupLoss>& losses,
                                     const std::function<void(const CgroupCounts&)>& reported);

    // One line on `messages` (stderr for text output, as losses are said there too): the spell's counts and
    // cgroup, for a reader of the terminal, and for the record when the output itself cannot be written.
    static void say(const ThrottledSpell& spell, std::FILE* messages);

private:
    struct Reported {
        uint64_t execs = 0;
        uint64_t exits = 0;
        uint64_t lost = 0;
    };

    CgroupPath cgroup_path_;
    std::unordered_map<uint64_t, Reported> reported_;  // by cgroup id
    uint64_t throttled_seen_ = 0;
    uint64_t lost_seen_ = 0;
    bool open_spells_ = false;
};

}  // namespace bootstrap
