#include "app/throttle_report.h"

#include "events.h"
#include "events/container.h"
#include "output/escape.h"

namespace bootstrap {

std::vector<ThrottledSpell> ThrottleReport::take(const std::vector<CgroupCounts>& counts, uint64_t throttled_total,
                                                 uint64_t lost_total, uint64_t now_ns, bool ending,
                                                 std::vector<CgroupLoss>& losses,
                                                 const std::function<void(const CgroupCounts&)>& reported) {
    std::vector<ThrottledSpell> spells;
    throttled_seen_ = throttled_total;
    lost_seen_ = lost_total;
    open_spells_ = false;
    for (const CgroupCounts& c : counts) {
        Reported& done = reported_[c.cgroup_id];
        std::optional<std::string> path;
        auto path_of = [&]() -> const std::optional<std::string>& {
            if (!path && c.cgroup_id) path = cgroup_path_(c.cgroup_id);
            return path;
        };
        if (c.lost > done.lost) {
            losses.push_back({.cgroup_id = c.cgroup_id, .cgroup = path_of(), .count = c.lost - done.lost});
            done.lost = c.lost;
        }
        if (c.dropped_execs == done.execs && c.dropped_exits == done.exits) continue;
        bool quiet = now_ns - c.last_drop_ns >= BOOTSTRAP_THROTTLE_QUIET_NS;
        if (!quiet && !ending) {
            open_spells_ = true;
            continue;
        }
        ThrottledSpell spell{.cgroup_id = c.cgroup_id,
                             .cgroup = path_of(),
                             .container_id = std::nullopt,
                             .dropped_execs = c.dropped_execs - done.execs,
                             .dropped_exits = c.dropped_exits - done.exits,
                             .since_ns = c.spell_start_ns,
                             .until_ns = c.last_drop_ns};
        if (spell.cgroup) spell.container_id = container_id_of(*spell.cgroup);
        spells.push_back(std::move(spell));
        done.execs = c.dropped_execs;
        done.exits = c.dropped_exits;
        reported(c);
    }
    return spells;
}

void ThrottleReport::say(const ThrottledSpell& spell, std::FILE* messages) {
    fmt::memory_buffer cgroup;
    if (spell.cgroup)
        append_escaped(cgroup, *spell.cgroup);  // a path is anyone's bytes: never raw to a terminal
    else
        fmt::format_to(fmt::appender(cgroup), "cgroup {}", spell.cgroup_id);
    std::fprintf(messages,
                 "bootstrap: throttled %llu execs and %llu exits of %.*s: its records filled the ring buffer\n",
                 static_cast<unsigned long long>(spell.dropped_execs),
                 static_cast<unsigned long long>(spell.dropped_exits), static_cast<int>(cgroup.size()), cgroup.data());
}

}  // namespace bootstrap
