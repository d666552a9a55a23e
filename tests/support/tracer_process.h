// The bootstrap binary run as a child process, with its stdout and stderr captured through pipes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bootstrap::testing {

class TracerProcess {
public:
    // Variables to set in the tracer's environment; an empty value unsets the variable.
    using Environment = std::vector<std::pair<std::string, std::string>>;
    explicit TracerProcess(const std::vector<std::string>& args, bool capture_stdout = true,
                           const Environment& extra_env = {});
    ~TracerProcess();
    TracerProcess(const TracerProcess&) = delete;
    TracerProcess& operator=(const TracerProcess&) = delete;

    // The next line of stdout (without '\n'), or nullopt on timeout or end of output.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    // Reads stdout until end of output or timeout; returns the lines.
    std::vector<std::string> read_remaining_lines(std::chrono::milliseconds timeout);
    // Everything written to stderr so far (reads what is available, up to `timeout`).
    std::string read_stderr(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    void close_stdout();  // as `| head` does when it has read enough
    void send(int signal);
    // Exit status as a shell reports it (128+N for a signal), or nullopt if still running after timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    pid_t pid() const { return pid_; }

private:
    bool fill(int fd, std::string& buffer, std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::string stdout_buffer_;
    std::string stderr_buffer_;
    bool stdout_eof_ = false;
    std::optional<int> exit_status_;
};

// Runs the binary to completion (for option errors and --help), capturing output.
struct Completed {
    int status = -1;
    std::string out;
    std::string err;
};
Completed run_to_completion(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

}  // namespace bootstrap::testing
