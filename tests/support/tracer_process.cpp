#include "tracer_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>
#include <thread>

namespace bootstrap::testing {

namespace {
void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}
}  // namespace

TracerProcess::TracerProcess(const std::vector<std::string>& args, bool capture_stdout, const Environment& extra_env) {
    int out[2] = {-1, -1}, err[2];
    if ((capture_stdout && pipe2(out, O_CLOEXEC) != 0) || pipe2(err, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    pid_ = fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
        if (capture_stdout)
            dup2(out[1], STDOUT_FILENO);
        else
            dup2(open("/dev/null", O_WRONLY), STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        for (const auto& [name, value] : extra_env) {
            if (value.empty())
                unsetenv(name.c_str());
            else
                setenv(name.c_str(), value.c_str(), 1);
        }
        std::vector<char*> argv;
        std::string binary = BOOTSTRAP_BINARY;
        argv.push_back(binary.data());
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    if (capture_stdout) {
        close(out[1]);
        stdout_fd_ = out[0];
    } else {
        stdout_eof_ = true;
    }
    close(err[1]);
    stderr_fd_ = err[0];
}

TracerProcess::~TracerProcess() {
    if (!exit_status_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
}

bool TracerProcess::fill(int fd, std::string& buffer, std::chrono::milliseconds timeout) {
    if (fd < 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
}

std::optional<std::string> TracerProcess::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto nl = stdout_buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = stdout_buffer_.substr(0, nl);
            stdout_buffer_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (stdout_eof_ || left.count() <= 0) return std::nullopt;
        if (!fill(stdout_fd_, stdout_buffer_, left)) {
            pollfd p{stdout_fd_, POLLIN, 0};
            if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP)) stdout_eof_ = true;
        }
    }
}

std::vector<std::string> TracerProcess::read_remaining_lines(std::chrono::milliseconds timeout) {
    std::vector<std::string> lines;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (auto line = read_line(
               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())))
        lines.push_back(*line);
    return lines;
}

std::string TracerProcess::read_stderr(std::chrono::milliseconds timeout) {
    while (fill(stderr_fd_, stderr_buffer_, timeout)) {
    }
    return stderr_buffer_;
}

void TracerProcess::close_stdout() {
    close_fd(stdout_fd_);
    stdout_eof_ = true;
}

void TracerProcess::send(int signal) {
    kill(pid_, signal);
}

std::optional<int> TracerProcess::wait(std::chrono::milliseconds timeout) {
    if (exit_status_) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Completed run_to_completion(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    TracerProcess process(args);
    Completed result;
    auto status = process.wait(timeout);
    for (const auto& line : process.read_remaining_lines(std::chrono::milliseconds(200))) result.out += line + "\n";
    result.err = process.read_stderr(std::chrono::milliseconds(50));
    result.status = status.value_or(-1);
    return result;
}

}  // namespace bootstrap::testing
