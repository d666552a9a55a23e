// What a run does, decided from the options in one place: every rule that ties options together or
// gives one a meaning beyond its own value ("-d reports exits only", "a command is traced with its
// descendants", "the summary is on in command mode") is in plan_run(), and its result is in the terms
// each layer takes.
#pragma once

#include "output/log_file.h"
#include "output/metrics_address.h"
#include "output/text.h"
#include "output/time_format.h"
#include "proc/command.h"
#include "tracer/tracer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bootstrap {

struct Options;

struct OutputPlan {
    static constexpr size_t kDefaultCommLimit = 100;
    // A burst is written every this many ms: a wake-up costs as much as formatting a hundred lines.
    static constexpr uint32_t kDefaultMaxDelayMs = 50;

    bool events = true;  // the event stream, text or JSON; --metrics-only turns it off
    bool json = false;
    TextOptions text;
    TimeFormat time_format = TimeFormat::Local;
    bool summary = false;
    bool losses_on_stderr = true;  // text keeps its columns parseable; JSON gets a record
    bool ancestors = false;        // exec events carry their ancestry from a process table
    bool existing = false;         // a record for each process running at start
    bool count_live = false;       // command mode: which traced processes live, for the summary and --wait
    uint32_t max_args_bytes = TracerConfig::kDefaultArgsBytes;  // for the arguments of those, from /proc
    std::optional<std::string> path;                            // -o; standard output otherwise
    std::optional<std::string> trace_path;                      // --trace
    bool env = false;                                           // exec records carry `env`
    std::vector<std::string> redact_patterns;                   // secret names besides the defaults
    bool redact_args = false;                                   // hide secret values in arguments too
    bool containers_only = false;                               // --containers (decided in user space)
    std::optional<MetricsAddress> metrics;                      // --metrics: serve Prometheus metrics there
    size_t metrics_comm_limit = kDefaultCommLimit;              // command names with a series of their own
    LogFileLimits file_limits;                                  // -o FILE: rotation, surviving write errors
    uint32_t max_delay_ms = kDefaultMaxDelayMs;                 // --max-delay: 0 drains at every wake-up
    bool pair_exits_with_execs = true;  // an exit's duration from its exec record (events/exec_pairing.h)
};

struct RunPlan {
    TracerConfig tracer;                      // cgroup_fd is opened at start from cgroup_path
    std::optional<std::string> cgroup_path;   // --cgroup
    std::optional<std::string> container;     // --container: a prefix of a running container's id
    std::optional<uint32_t> follow_pid;       // -p: seeded into the traced set from /proc
    std::vector<std::string> command;         // empty: trace the whole host
    std::optional<Credentials> command_user;  // whom it runs as; unset: as whoever runs bootstrap
    bool wait_for_descendants = false;        // --wait: the run ends when the command's whole tree has
    OutputPlan output;
};

// Throws Error (status 2, naming the option) for options that cannot go together, or a --run-as user
// this system does not know.
RunPlan plan_run(const Options& options);

}  // namespace bootstrap
