#include "proc/command.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bootstrap {

namespace {

std::optional<uint32_t> env_id(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    unsigned long value = std::strtoul(text, &end, 10);
    if (*end != '\0') return std::nullopt;
    return static_cast<uint32_t>(value);
}

// The command's path, searched in PATH as execvp would, but here in the tracer: the held child is traced
// from the start, so each miss of execvp's own search would be a failed exec of the child (-x).
std::string resolve_command(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/bin:/usr/bin";  // glibc's default for execvp
    for (;;) {
        size_t colon = dirs.find(':');
        std::string dir(dirs.substr(0, colon));
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (colon == std::string_view::npos) break;
        dirs.remove_prefix(colon + 1);
    }
    throw Error("cannot run '" + name + "': " + std::strerror(ENOENT), {}, 127);
}

// Runs in the child between fork and exec. The tracer is single-threaded, so the few calls that are not
// async-signal-safe (initgroups reads the group database) are safe here too.
[[noreturn]] void become_command(const std::string& path, const std::vector<char*>& argv,
                                 const std::optional<Credentials>& credentials, int stdout_fd, int go_fd,
                                 int error_fd) {
    // Undo what the tracer set up for itself.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    // End of file instead of the go byte: the tracer gave up (or died) before the command could start.
    char go = 0;
    ssize_t n;
    do n = read(go_fd, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(127);

    int err = 0;
    if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) err = errno;
    if (!err && credentials) {
        if (initgroups(credentials->user.c_str(), credentials->gid) != 0 || setgid(credentials->gid) != 0 ||
            setuid(credentials->uid) != 0)
            err = errno ? errno : EPERM;
    }
    if (!err) {
        execv(path.c_str(), argv.data());
        err = errno;
    }
    if (err == ENOEXEC) {  // a script without #!: run by the shell, as execvp does
        std::vector<char*> script = {const_cast<char*>("/bin/sh"), const_cast<char*>(path.c_str())};
        script.insert(script.end(), argv.begin() + 1, argv.end());
        execv("/bin/sh", script.data());
        err = errno;
    }
    (void)!write(error_fd, &err, sizeof(err));
    _exit(err == ENOENT ? 127 : 126);
}

}  // namespace

std::optional<Credentials> command_credentials(const std::optional<std::string>& run_as) {
    if (run_as) {
        const passwd* pw = getpwnam(run_as->c_str());
        if (!pw) {
            char* end = nullptr;
            unsigned long uid = std::strtoul(run_as->c_str(), &end, 10);
            if (!run_as->empty() && *end == '\0') pw = getpwuid(static_cast<uid_t>(uid));
        }
        if (!pw) throw usage_error("--run-as", "no user named '" + *run_as + "'");
        return Credentials{pw->pw_uid, pw->pw_gid, pw->pw_name};
    }
    auto sudo_uid = env_id("SUDO_UID");
    auto sudo_gid = env_id("SUDO_GID");
    if (getuid() != 0 || !sudo_uid || *sudo_uid == 0) return std::nullopt;
    const passwd* pw = getpwuid(*sudo_uid);
    std::string user = pw ? pw->pw_name : std::to_string(*sudo_uid);
    return Credentials{*sudo_uid, sudo_gid.value_or(pw ? pw->pw_gid : *sudo_uid), user};
}

HeldCommand::HeldCommand(const std::vector<std::string>& argv, const std::optional<Credentials>& credentials,
                         int stdout_fd)
    : name_(argv.at(0)),
      uid_(credentials ? credentials->uid : getuid()),
      gid_(credentials ? credentials->gid : getgid()) {
    std::string path = resolve_command(argv.at(0));
    Pipe go = make_pipe();
    Pipe error = make_pipe();
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw system_error("fork");
    if (pid_ == 0) {
        go.write.close();
        error.read.close();
        become_command(path, args, credentials, stdout_fd, go.read.get(), error.write.get());
    }
    go_ = std::move(go.write);
    error_ = std::move(error.read);
}

HeldCommand::~HeldCommand() {
    go_.close();  // an unreleased child reads EOF and exits
    // A released command is the user's work: if the tracer fails, it runs on rather than being waited
    // for or killed.
    if (!released_ && !status_) waitpid(pid_, nullptr, 0);
}

void HeldCommand::release() {
    char go = 1;
    if (write(go_.get(), &go, 1) != 1) throw system_error("write to the held command");
    go_.close();
    released_ = true;
    // Exec closes the child's end of error_ (CLOEXEC): end of file means it succeeded.
    int err = 0;
    ssize_t n;
    do n = read(error_.get(), &err, sizeof(err));
    while (n < 0 && errno == EINTR);
    error_.close();
    if (n == static_cast<ssize_t>(sizeof(err)))
        throw Error("cannot run '" + name_ + "': " + std::strerror(err), {}, err == ENOENT ? 127 : 126);
}

std::optional<int> HeldCommand::poll_exit() {
    if (status_) return status_;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
}

bool HeldCommand::ended() const {
    siginfo_t info{};
    return status_ ||
           (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_);
}

void HeldCommand::forward(int signal) {
    if (!status_) kill(pid_, signal);
}

}  // namespace bootstrap
