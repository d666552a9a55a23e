// Command mode (bootstrap -- CMD ARGS): CMD is forked first and held before exec until the tracer is
// attached and has CMD's pid in its traced set, so nothing CMD does is missed.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bootstrap {

// The command could not be started; `status` is what a shell would return (127 not found, 126 otherwise).
class CommandError : public std::runtime_error {
public:
    CommandError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

// Whom the command runs as.
struct Credentials {
    uid_t uid;
    gid_t gid;
    std::string user;  // for the supplementary groups (initgroups)
};

// The default: the user who ran `sudo bootstrap ...` (SUDO_UID, SUDO_GID), so the command does not
// silently run with root's privileges; otherwise whoever runs bootstrap. `run_as` overrides it
// ("root" to keep root). Throws std::runtime_error for an unknown user.
std::optional<Credentials> command_credentials(const std::optional<std::string>& run_as);

class HeldCommand {
public:
    // Forks; the child waits, then becomes `argv` (searched in PATH) with `credentials` when given.
    HeldCommand(const std::vector<std::string>& argv, const std::optional<Credentials>& credentials);
    ~HeldCommand();
    HeldCommand(const HeldCommand&) = delete;
    HeldCommand& operator=(const HeldCommand&) = delete;

    pid_t pid() const { return pid_; }
    // Whom it runs as.
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }
    // Lets the child exec. Throws std::runtime_error (with the reason) if the exec failed.
    void release();
    // The status when the child has ended (shell convention: 128+N for signal N), else nullopt.
    std::optional<int> poll_exit();
    void forward(int signal);

private:
    pid_t pid_ = -1;
    int go_fd_ = -1;     // parent writes a byte: go
    int error_fd_ = -1;  // child writes errno if exec fails; closed by exec on success
    std::string name_;
    uid_t uid_;
    gid_t gid_;
    bool released_ = false;
    std::optional<int> status_;
};

}  // namespace bootstrap
