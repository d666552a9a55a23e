// Command mode (bootstrap -- CMD ARGS): CMD is forked first and held before exec until the tracer is
// attached and has CMD's pid in its traced set, so nothing CMD does is missed.
#pragma once

#include "util/file_descriptor.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace bootstrap {

// Whom the command runs as.
struct Credentials {
    uid_t uid;
    gid_t gid;
    std::string user;  // for the supplementary groups (initgroups)
};

// The default: the user who ran `sudo bootstrap ...` (SUDO_UID, SUDO_GID), so the command does not
// silently run with root's privileges; otherwise whoever runs bootstrap. `run_as` overrides it
// ("root" to keep root). Throws Error (status 2) for an unknown user.
std::optional<Credentials> command_credentials(const std::optional<std::string>& run_as);

class HeldCommand {
public:
    // Forks; the child waits, then becomes `argv` (searched in PATH) with `credentials` when given, and
    // with `stdout_fd` as its standard output when that is not -1 (otherwise it keeps ours). Throws Error.
    HeldCommand(const std::vector<std::string>& argv, const std::optional<Credentials>& credentials,
                int stdout_fd = -1);
    ~HeldCommand();
    HeldCommand(const HeldCommand&) = delete;
    HeldCommand& operator=(const HeldCommand&) = delete;

    pid_t pid() const { return pid_; }
    // Whom it runs as.
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }
    // Lets the child exec. Throws Error if it could not: with status 127 when the command was not found,
    // 126 when it could not be run, as a shell reports it.
    void release();
    // The status when the child has ended (shell convention: 128+N for signal N), else nullopt.
    std::optional<int> poll_exit();
    // Whether the child has ended, without reaping it: poll_exit() still reports its status.
    bool ended() const;
    void forward(int signal);

private:
    pid_t pid_ = -1;
    FileDescriptor go_;     // parent writes a byte: go
    FileDescriptor error_;  // child writes errno if exec fails; closed by exec on success
    std::string name_;
    uid_t uid_;
    gid_t gid_;
    bool released_ = false;
    std::optional<int> status_;
};

}  // namespace bootstrap
