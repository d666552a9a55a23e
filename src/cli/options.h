// The command line: what the user typed, each value parsed and checked on its own against the limits of
// the layer that enforces it. What the options mean together is decided in one place: plan_run()
// (cli/plan.h), which parse_command_line() calls.
#pragma once

#include "cli/plan.h"
#include "output/time_format.h"
#include "util/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bootstrap {

struct Options {
    // What to capture.
    uint64_t min_duration_ms = 0;  // -d: 0 means report everything
    bool failed_execs = false;     // -x
    bool thread_exits = false;     // --threads
    bool exec_only = false;
    bool exit_only = false;
    std::optional<uint32_t> max_args_bytes;  // unset: the tracer's default
    std::optional<uint32_t> ring_bytes;
    uint32_t cgroup_rate = 0;              // --cgroup-rate: records per second per cgroup, 0: no limit
    std::optional<uint32_t> cgroup_level;  // --cgroup-level: where cgroups are counted
    bool no_isolation = false;             // --no-isolation: no cgroup is throttled under pressure

    // Filters (AND).
    std::optional<uint32_t> pid;  // -p: this process and its descendants
    std::optional<uint32_t> ppid;
    std::optional<uint32_t> uid;
    std::optional<std::string> comm;
    std::optional<std::string> cgroup_path;
    std::optional<uint32_t> pid_namespace;  // --pidns INODE
    std::optional<std::string> container;   // --container ID: a prefix of a container's id
    bool containers = false;                // --containers: only processes in a container

    // Output.
    bool json = false;          // -j
    bool show_args = false;     // -a
    bool existing = false;      // --existing: a record for each process running at start
    bool ancestors = false;     // --ancestors: each exec's chain of parents
    bool metrics_only = false;  // --metrics-only: no event output, only --metrics
    TimeFormat time_format = TimeFormat::Local;
    std::optional<bool> summary;             // -s; unset: on in command mode only
    std::optional<std::string> output_path;  // -o
    std::optional<std::string> trace_path;   // --trace (Perfetto / Chrome trace JSON)
    bool verbose = false;                    // -v: libbpf's and the verifier's log on stderr
    bool context = false;                    // --context: text lines show where and as whom
    bool env = false;                        // --env: exec records carry the environment
    std::vector<std::string> redact;         // --redact PATTERN: more secret names
    bool redact_args = false;                // --redact-args: hide secret values in arguments too

    // Service.
    std::optional<MetricsAddress> metrics;       // --metrics [ADDR:]PORT
    std::optional<uint32_t> metrics_comm_limit;  // --metrics-comm-limit N
    std::optional<uint32_t> max_files;           // --max-files: rotated files kept
    std::optional<uint64_t> max_size;            // --max-size: rotate -o FILE past this many bytes
    std::optional<uint32_t> max_delay_ms;        // --max-delay MS: how long a line may wait in a burst

    // Command mode: bootstrap [OPTIONS] -- CMD [ARGS...]
    bool command_mode = false;  // a "--" was given
    bool wait = false;          // --wait: also for the command's descendants
    std::vector<std::string> command;
    std::optional<std::string> run_as;  // --run-as USER
};

// Either a plan to run, or an exit: status 0 with text for stdout (--help, --version), or status 2 with
// a one-line reason and the usage line for stderr.
struct ParseOutcome {
    std::optional<RunPlan> plan;
    int exit_status = 0;
    std::string message;
};

ParseOutcome parse_command_line(int argc, const char* const* argv);

// What main() prints for an error, wherever it was found: "bootstrap: WHAT\n", then for bad input
// (status 2) the usage line and a pointer to --help, otherwise "hint: ...\n" when there is one.
std::string error_message(const Error& error);

}  // namespace bootstrap
