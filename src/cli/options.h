// The command line: what the user asked for, validated, with nothing half-parsed left behind.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bootstrap {

enum class TimeFormat { Local, Utc, Iso, Relative };

struct Options {
    // What to capture.
    uint64_t min_duration_ms = 0;  // -d: 0 means report everything
    bool failed_execs = false;     // -x
    bool thread_exits = false;     // --threads
    bool exec_only = false;
    bool exit_only = false;
    uint32_t max_args_bytes = 32 * 1024;
    uint32_t ring_bytes = 1024 * 1024;

    // Filters (AND).
    std::optional<uint32_t> pid;  // -p: this process and its descendants
    std::optional<uint32_t> ppid;
    std::optional<uint32_t> uid;
    std::optional<std::string> comm;
    std::optional<std::string> cgroup_path;

    // Output.
    bool json = false;       // -j
    bool show_args = false;  // -a
    TimeFormat time_format = TimeFormat::Local;
    std::optional<bool> summary;             // -s; unset: on in command mode only
    std::optional<std::string> output_path;  // -o
    std::optional<std::string> trace_path;   // --trace (Perfetto / Chrome trace JSON)
    bool verbose = false;                    // -v: libbpf's debug log on stderr

    // Command mode: bootstrap [OPTIONS] -- CMD [ARGS...]
    std::vector<std::string> command;
    std::optional<std::string> run_as;  // --run-as USER
};

// Either options to run with, or an exit: status 0 with text for stdout (--help, --version), or status 2
// with a one-line reason and the usage line for stderr.
struct ParseOutcome {
    std::optional<Options> options;
    int exit_status = 0;
    std::string message;
};

ParseOutcome parse_command_line(int argc, const char* const* argv);

// A value that parsed but does not fit this system (no such pid, not a cgroup directory): found when
// the run starts, reported like a parse error (status 2, the reason and the usage line).
class OptionValueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "bootstrap: REASON\nUsage: ...\nTry 'bootstrap --help' ...\n"
std::string usage_message(const std::string& reason);

}  // namespace bootstrap
