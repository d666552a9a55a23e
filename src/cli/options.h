// The command line: what the user asked for, validated, with nothing half-parsed left behind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bootstrap {

struct Options {
    uint64_t min_duration_ms = 0;  // -d: 0 means report everything
    bool verbose = false;          // -v: libbpf's debug log on stderr
    bool failed_execs = false;     // -x
    bool thread_exits = false;     // --threads
    uint32_t max_args_bytes = 32 * 1024;
    uint32_t ring_bytes = 1024 * 1024;
};

// Either options to run with, or an exit: status 0 with text for stdout (--help, --version), or status 2
// with a one-line reason and the usage line for stderr.
struct ParseOutcome {
    std::optional<Options> options;
    int exit_status = 0;
    std::string message;
};

ParseOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace bootstrap
