#include "app/run.h"

#include "app/event_loop.h"
#include "app/session.h"
#include "events/clock.h"
#include "output/event_output.h"
#include "output/log_file.h"
#include "output/metrics.h"
#include "proc/cgroup_paths.h"
#include "proc/command.h"
#include "proc/file_keeper.h"
#include "proc/privileges.h"
#include "proc/proc_scan.h"
#include "tracer/tracer.h"
#include "util/error.h"
#include "util/file_descriptor.h"
#include "util/output_file.h"
#include "util/signal_fd.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>

namespace bootstrap {

namespace {

FileDescriptor open_cgroup(const std::string& path) {
    FileDescriptor fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct statfs fs {};
    if (!fd || fstatfs(fd.get(), &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
        throw usage_error("--cgroup",
                          "'" + path + "' is not a cgroup v2 directory (for example /sys/fs/cgroup/system.slice)");
    return fd;
}

// A pipe or socket reports POLLERR once its reader is gone: we can stop even when no event comes.
int reader_to_watch(const RunPlan& plan) {
    struct stat st {};
    if (plan.output.path || fstat(STDOUT_FILENO, &st) != 0) return -1;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? STDOUT_FILENO : -1;
}

// -p: the process and its descendants now; the kernel follows their forks from here on. Twice: forks
// during the first scan, from processes not yet traced, are caught by the second.
void trace_existing_tree(Tracer& tracer, uint32_t root) {
    for (int pass = 0; pass < 2; ++pass)
        for (pid_t pid : process_tree(static_cast<pid_t>(root))) tracer.trace_process(static_cast<uint32_t>(pid));
}

// --existing reports what the kernel filters would have let through: the same ppid, uid, name, cgroup and
// -p tree. In command mode nothing of the command runs yet, so nothing is reported.
std::function<bool(const ExistingEvent&)> existing_filter(const RunPlan& plan,
                                                          const std::optional<std::string>& cgroup_path) {
    std::set<pid_t> tree;
    if (plan.follow_pid) {
        std::vector<pid_t> pids = process_tree(static_cast<pid_t>(*plan.follow_pid));
        tree.insert(pids.begin(), pids.end());
    }
    std::optional<std::string> cgroup;
    if (cgroup_path) cgroup = std::filesystem::weakly_canonical(*cgroup_path).string();
    return [&plan, tree = std::move(tree), cgroup = std::move(cgroup)](const ExistingEvent& e) {
        const TracerConfig& filter = plan.tracer;
        if (!plan.command.empty()) return false;
        if (plan.follow_pid && !tree.contains(static_cast<pid_t>(e.proc.pid))) return false;
        if (filter.ppid && e.proc.ppid != *filter.ppid) return false;
        if (filter.uid && e.proc.uid != *filter.uid) return false;
        if (filter.comm && e.proc.comm != *filter.comm) return false;
        if (filter.pid_namespace && pid_namespace_of(static_cast<pid_t>(e.proc.pid)) != *filter.pid_namespace)
            return false;
        return !cgroup || in_cgroup(static_cast<pid_t>(e.proc.pid), *cgroup);
    };
}

bool is_regular_file(int fd) {
    struct stat st {};
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

// Rotating renames the file and creates a new one in its directory: found now if that cannot be done,
// rather than at the first rotation, hours later. Whoever does it (the tracer, or the file keeper when
// started by root) does it as the identity the tracer has now.
void check_can_rotate(const std::string& path) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::string directory = parent.empty() ? std::string(".") : parent.string();
    if (access(directory.c_str(), W_OK | X_OK) == 0) return;
    int err = errno;
    std::string problem = fmt::format("--max-size: cannot rotate {}: {} cannot be written by uid {}: {}", path,
                                      directory, getuid(), std::strerror(err));
    if (getuid() == 0 || err == EROFS) throw Error(problem, "give it a directory on a file system that can be written");
    throw Error(problem, fmt::format("give it a directory uid {} can write (install -d -o {} {}), or start it as root",
                                     getuid(), getuid(), directory));
}

// Who reopens and rotates -o FILE. Started by root, the tracer gives up root once attached, and with it
// the right to create files where only root may and to rename root's files in a sticky directory: the
// file keeper, forked now (before anything is loaded), keeps it. Otherwise (file capabilities, the
// systemd unit's dynamic user) the tracer stays who it is and does it itself, by the same rules.
std::unique_ptr<OutputFiles> output_files(const std::string& path, const LogFileLimits& limits) {
    if (limits.max_bytes > 0) check_can_rotate(path);
    if (geteuid() != 0) return nullptr;
    return std::make_unique<FileKeeper>(OutputDirectory(path, geteuid(), limits.max_files));
}

// Whether `fd` writes where `event_fd` does, into a file, pipe or socket that something reads as records (a
// terminal or /dev/null is not one).
bool into_event_stream(int fd, int event_fd) {
    struct stat st {};
    struct stat events {};
    if (fstat(fd, &st) != 0 || fstat(event_fd, &events) != 0) return false;
    bool stream = S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
    return stream && st.st_dev == events.st_dev && st.st_ino == events.st_ino;
}

// Events and the command's output never share a stream: a command writing into it could add records that
// parse, or cut a real one in two. When the event stream is our standard output, the command writes its
// own to our standard error instead; when that is the event stream too (`>out 2>&1`, `|&`), there is no
// stream left to give it. A terminal is shared as with any command: a person reads it, not a parser.
// Returns the descriptor the command gets as its standard output, or -1 for ours.
int command_stdout(int event_fd) {
    if (into_event_stream(STDERR_FILENO, event_fd))
        throw usage_error("--",
                          "standard error is the event stream, so the command's output would be mixed "
                          "into the events: write them with -o FILE, or send standard error elsewhere");
    return into_event_stream(STDOUT_FILENO, event_fd) ? STDERR_FILENO : -1;
}

// -p takes a process: the kernel follows processes (thread groups), so a thread's id would match nothing.
void check_followable(pid_t pid) {
    if (!process_exists(pid)) throw usage_error("-p/--pid", "no process with pid " + std::to_string(pid));
    if (auto group = thread_group_of(pid); group && *group != pid)
        throw usage_error("-p/--pid", std::to_string(pid) + " is a thread of process " + std::to_string(*group) +
                                          ": give the process id, " + std::to_string(*group));
}

}  // namespace

int run(const RunPlan& plan) {
    uint64_t run_start = WallClock::monotonic_now_ns();  // the summary's and the timeline's start
    check_can_trace();
    if (own_pid_namespace() != 0) {
        std::fprintf(stderr,
                     "bootstrap: running in a pid namespace of its own: only its processes are traced, with its "
                     "pids (run in the host's pid namespace to see every process)\n");
        if (!proc_shows_own_pid_namespace())
            std::fprintf(stderr,
                         "bootstrap: this /proc shows another pid namespace: -p, --existing and --ancestors would "
                         "read other processes than the kernel reports (mount /proc for this namespace, as "
                         "unshare --mount-proc does)\n");
    }
    if (plan.follow_pid) check_followable(static_cast<pid_t>(*plan.follow_pid));
    if (plan.output.metrics) check_can_listen(*plan.output.metrics);  // a port in use is no reason to stop
    std::optional<std::string> cgroup_path = plan.cgroup_path;
    if (plan.container) cgroup_path = CgroupPaths().container_directory(*plan.container);
    FileDescriptor cgroup = cgroup_path ? open_cgroup(*cgroup_path) : FileDescriptor();

    signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE from write()

    // The output files are opened while a stop signal still ends the process: opening a FIFO waits for
    // its reader. They are written through descriptors that never block (nonblocking_twin), so a reader
    // that stops reading cannot hold up a stop either.
    FileDescriptor output_file =
        plan.output.path ? open_private_output(*plan.output.path, "-o/--output") : FileDescriptor();
    int output_fd = output_file ? output_file.get() : STDOUT_FILENO;
    FileDescriptor output_twin = nonblocking_twin(output_fd);
    // A regular file is rotated, reopened and kept through a full disk (a FIFO or a device is not).
    std::optional<LogFile> log_file;
    if (plan.output.path && is_regular_file(output_file.get()))
        log_file.emplace(*plan.output.path, std::move(output_file), plan.output.file_limits,
                         output_files(*plan.output.path, plan.output.file_limits));
    EventOutput output(output_twin ? output_twin.get() : output_fd, plan.output.path.value_or("standard output"),
                       reader_to_watch(plan), std::move(log_file));
    std::optional<Metrics> metrics;
    if (plan.output.metrics) metrics.emplace(plan.output.metrics_comm_limit);
    Session session(plan.output, output, metrics ? &*metrics : nullptr, run_start);  // opens the --trace file

    SignalFd signals({SIGINT, SIGTERM, SIGHUP, SIGCHLD});
    // The command is forked before anything is loaded, so it inherits no BPF descriptor (the output
    // files close when it execs); it waits to exec until the tracer follows it.
    std::optional<HeldCommand> command;
    if (!plan.command.empty())
        command.emplace(plan.command, plan.command_user,
                        plan.output.events || plan.output.summary ? command_stdout(output_fd) : -1);
    // Messages must not hold up a stop either: on a pipe (often the output's own, with 2>&1), stderr
    // becomes a non-blocking description of our own, and a message the reader has no room for is
    // dropped. The command, forked already, keeps the blocking one.
    FileDescriptor stderr_twin = nonblocking_pipe_twin(STDERR_FILENO);
    if (stderr_twin) dup2(stderr_twin.get(), STDERR_FILENO);
    TracerConfig tracer_config = plan.tracer;
    tracer_config.cgroup_fd = cgroup.get();
    Tracer tracer(tracer_config, [&session](std::span<const std::byte> record) { session.handle(record); });

    if (plan.follow_pid) trace_existing_tree(tracer, *plan.follow_pid);
    // Before privileges go: other users' /proc/PID/exe is readable only with them.
    if (plan.tracer.list_running) session.add_running_processes(tracer, existing_filter(plan, cgroup_path));
    if (command) tracer.trace_process(static_cast<uint32_t>(command->pid()));
    // Everything privileged is done: the ring buffer and counters are read through what we hold.
    drop_privileges(unprivileged_identity(), /*keep_kill=*/command.has_value());
    // The server's threads start only now, with nothing left to drop; so does the thread that tries to
    // listen again when another process holds the port (the tracing goes on meanwhile).
    if (metrics) metrics->serve(*plan.output.metrics);
    // Only now, so that the command never sees a tracer it could signal (unless it runs as root).
    if (command) command->release();

    EventLoop loop(tracer, session, output, signals, command ? &*command : nullptr, plan.wait_for_descendants,
                   std::chrono::milliseconds(plan.output.max_delay_ms));
    return loop.run();
}

}  // namespace bootstrap
