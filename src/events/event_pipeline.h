// What happens to a decoded event before any sink sees it: its exit paired with its exec (lifetime and
// command), its cgroup's path and container, --containers, redaction, the process table kept and the
// exec's ancestry added, and in command mode the set of live traced processes. Pure: what needs the
// system (a cgroup's path, whether a pid exists) comes in as Lookups, so the tests give their own.
#pragma once

#include "events/event.h"
#include "events/exec_pairing.h"
#include "events/process_key.h"
#include "events/process_table.h"
#include "events/redact.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace bootstrap {

class EventPipeline {
public:
    struct Options {
        bool pair_exits_with_execs = true;           // unless the kernel kept the exec time (events/exec_pairing.h)
        bool exit_commands = false;                  // exits carry their exec's command (the summary, the timeline)
        bool ancestors = false;                      // execs carry their ancestry (--ancestors)
        bool containers_only = false;                // --containers
        bool count_live = false;                     // command mode: which traced processes live
        std::vector<std::string> redact_patterns{};  // {}: designated initializers may leave it out
        bool redact_args = false;
    };
    struct Lookups {
        // The cgroup v2 path of cgroup `id`, where process `pid` was; nothing when it cannot be found.
        std::function<std::optional<std::string>(uint64_t id, uint32_t pid)> cgroup_path;
        // Whether a process with this pid exists now.
        std::function<bool(uint32_t pid)> pid_exists;
    };

    EventPipeline(Options options, Lookups lookups);

    // A cgroup's path by its id, from the lookups (cached there).
    std::optional<std::string> cgroup_path(uint64_t id) const { return lookups_.cgroup_path(id, 0); }

    // A process running at start: into the process table, resolved and redacted. Returns false when
    // --containers leaves it out (the table has it all the same).
    bool add_running(Event& event);
    // After the last running process: links those added before their parents.
    void running_added();
    // A decoded record. Returns true when the sinks get the event, enriched; false when only the
    // bookkeeping saw it (an exit the kernel's filters left out, an event outside every container).
    bool process(Event& event);
    // Command mode: how many traced processes (the command and its descendants) are alive: those the
    // events so far named, less those that no longer exist (an exit record can be filtered out or lost).
    size_t live_processes();

    const ProcessTable* table() const { return table_ ? &*table_ : nullptr; }
    const ExecPairing* pairing() const { return pairing_ ? &*pairing_ : nullptr; }

private:
    bool resolve(Event& event);
    void count_live(const Event& event);

    Options options_;
    Lookups lookups_;
    Redactor redactor_;
    std::optional<ExecPairing> pairing_;
    std::optional<ProcessTable> table_;
    std::unordered_set<ProcessKey, ProcessKeyHash> live_;
};

}  // namespace bootstrap
