#include "app.h"

#include "bpf/tracer.h"
#include "events/clock.h"
#include "events/event.h"
#include "output/json.h"
#include "output/summary.h"
#include "output/text.h"
#include "output/time_format.h"
#include "output/trace.h"
#include "output/writer.h"
#include "proc/command.h"
#include "proc/privileges.h"
#include "proc/proc_scan.h"
#include "util/file_descriptor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace bootstrap {

namespace {

// The kernel wakes us at once after a quiet spell, then at most every 20 ms in a burst (or when a batch
// waits): the traced processes pay for its wake-ups. While it may be holding records back we drain every
// few ms on our own timer, so none waits longer than that; otherwise its next record wakes us at once,
// and a long timer is only a safety net.
constexpr int kActiveDrainMs = 5;
constexpr int kIdleDrainMs = 100;

// Signals arrive through a file descriptor, so the poll loop sees them without races.
class SignalFd {
public:
    SignalFd() {
        sigset_t set;
        sigemptyset(&set);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
        fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd_ < 0) throw OutputError(std::string("cannot create a signalfd: ") + std::strerror(errno));
        sigprocmask(SIG_BLOCK, &set, &old_mask_);
    }
    ~SignalFd() {
        if (fd_ >= 0) close(fd_);
        sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;
    int fd() const { return fd_; }

    // Consumes a pending signal; returns false if none was pending. (An unread signal would be delivered,
    // and kill us, when the destructor unblocks it.)
    bool take(signalfd_siginfo& info) { return read(fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info)); }

private:
    int fd_ = -1;
    sigset_t old_mask_{};
};

// A pipe or socket reports POLLERR once its reader is gone: we can stop even when no event comes.
bool can_watch_for_reader(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

// -o FILE, or -1 for standard output.
int open_output(const std::optional<std::string>& path) {
    if (!path) return -1;
    // 0600: the events hold every traced command line, which may carry other users' secrets.
    int fd = open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw OutputError("cannot open " + *path + ": " + std::strerror(errno));
    return fd;
}

int open_cgroup(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct statfs fs {};
    if (fd < 0 || fstatfs(fd, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
        if (fd >= 0) close(fd);
        throw OptionValueError("--cgroup: '" + path +
                               "' is not a cgroup v2 directory (for example /sys/fs/cgroup/system.slice)");
    }
    return fd;
}

TracerConfig tracer_config(const Options& options, int cgroup_fd) {
    TracerConfig config;
    config.libbpf_only = options.verbose;  // the light loader has no log to show
    config.min_duration_ns = options.min_duration_ms * 1'000'000;
    config.report_execs = !options.exit_only;
    config.report_exits = !options.exec_only;
    config.failed_execs = options.failed_execs;
    config.thread_exits = options.thread_exits;
    config.max_args_bytes = options.max_args_bytes;
    config.ring_bytes = options.ring_bytes;
    config.trace_tree = options.pid.has_value() || !options.command.empty();
    config.ppid = options.ppid;
    config.uid = options.uid;
    config.comm = options.comm;
    config.cgroup_fd = cgroup_fd;
    return config;
}

// Text mode reports loss on stderr, keeping the columns parseable; structured output gets a record.
class LossReporter {
public:
    explicit LossReporter(bool to_stderr) : to_stderr_(to_stderr) {}
    // Returns the records lost since the last call.
    uint64_t update(const Tracer& tracer) {
        uint64_t untracked = tracer.untracked_forks();
        if (untracked > untracked_reported_)
            std::fprintf(stderr,
                         "bootstrap: %llu new processes could not be followed: more than 32768 traced at once\n",
                         static_cast<unsigned long long>(untracked - untracked_reported_));
        untracked_reported_ = untracked;

        uint64_t total = tracer.lost_events();
        if (total <= reported_) return 0;
        uint64_t fresh = total - reported_;
        reported_ = total;
        if (to_stderr_)
            std::fprintf(stderr, "bootstrap: lost %llu events: the ring buffer was full (a larger --ring-size helps)\n",
                         static_cast<unsigned long long>(fresh));
        return fresh;
    }

private:
    bool to_stderr_;
    uint64_t reported_ = 0;
    uint64_t untracked_reported_ = 0;
};

// Decodes records and hands the events to every sink: the event stream (text or JSON) and the summary
// write to the output; the timeline writes its own file at the end.
class Session {
public:
    Session(const Options& options, Writer& out) : out_(out), losses_(!options.json) {
        WallClock clock;
        TimeFormatter times(clock, options.time_format);
        if (options.json)
            stream_sinks_.push_back(std::make_unique<JsonSink>(out, times));
        else
            stream_sinks_.push_back(std::make_unique<TextSink>(out, times, TextOptions{options.show_args}));
        if (options.summary.value_or(!options.command.empty()))
            stream_sinks_.push_back(std::make_unique<SummarySink>(out, options.json, times));
        // Opened now, so a bad path fails before anything is loaded.
        if (options.trace_path) file_sinks_.push_back(std::make_unique<TraceSink>(*options.trace_path, clock));
        page_size_ = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    }

    void handle(std::span<const std::byte> record) {
        DecodeResult decoded = decode(record, page_size_);
        if (auto* event = std::get_if<Event>(&decoded)) {
            for (auto& sink : stream_sinks_) sink->on_event(*event);
            for (auto& sink : file_sinks_) sink->on_event(*event);
            out_.flush_if_large();
        } else {
            std::fprintf(stderr, "bootstrap: skipped a record: %s\n", std::get<DecodeError>(decoded).reason.c_str());
        }
    }

    void begin() {
        for (auto& sink : stream_sinks_) sink->begin();
    }
    void check_losses(const Tracer& tracer) {
        if (uint64_t lost = losses_.update(tracer)) {
            uint64_t now = WallClock::monotonic_now_ns();
            for (auto& sink : stream_sinks_) sink->on_lost(lost, now);
            for (auto& sink : file_sinks_) sink->on_lost(lost, now);
        }
    }
    // The timeline is written even when the output stream has closed.
    void end(bool stream_open) {
        for (auto& sink : file_sinks_) sink->end();
        if (!stream_open) return;
        try {
            for (auto& sink : stream_sinks_) sink->end();
            out_.flush();
        } catch (const OutputClosed&) {
        }
    }

private:
    Writer& out_;
    LossReporter losses_;
    std::vector<std::unique_ptr<EventSink>> stream_sinks_;
    std::vector<std::unique_ptr<EventSink>> file_sinks_;
    uint64_t page_size_ = 4096;
};

}  // namespace

int run(const Options& options) {
    set_libbpf_verbose(options.verbose);
    check_can_trace();
    if (options.pid && !process_exists(static_cast<pid_t>(*options.pid)))
        throw OptionValueError("-p/--pid: no process with pid " + std::to_string(*options.pid));
    FileDescriptor cgroup(options.cgroup_path ? open_cgroup(*options.cgroup_path) : -1);

    signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE from write()
    SignalFd signals;

    // The command is forked before anything is loaded, so it inherits no BPF or output descriptors.
    std::unique_ptr<HeldCommand> command;
    if (!options.command.empty())
        command = std::make_unique<HeldCommand>(options.command, command_credentials(options.run_as));

    FileDescriptor output_fd(open_output(options.output_path));
    Writer out(options.output_path ? output_fd.get() : STDOUT_FILENO, options.output_path.value_or("standard output"));
    Session session(options, out);
    Tracer tracer(tracer_config(options, cgroup.get()), [&](std::span<const std::byte> r) { session.handle(r); });

    if (options.pid) {
        // Twice: forks during the first scan from processes not yet traced are caught by the second.
        for (int pass = 0; pass < 2; ++pass)
            for (pid_t pid : process_tree(static_cast<pid_t>(*options.pid)))
                tracer.trace_process(static_cast<uint32_t>(pid));
    }

    if (command) {
        tracer.trace_process(static_cast<uint32_t>(command->pid()));
        command->release();
    }
    // Everything privileged is done: the ring buffer and counters are read through what we hold.
    std::optional<Identity> command_identity;
    if (command) command_identity = Identity{command->uid(), command->gid()};
    drop_privileges(unprivileged_identity(command_identity ? &*command_identity : nullptr));

    bool output_open = true;
    try {
        session.begin();
        out.flush();
    } catch (const OutputClosed&) {
        output_open = false;
    }

    bool watch_reader = !options.output_path && can_watch_for_reader(STDOUT_FILENO);
    std::optional<int> command_status;
    while (output_open || command) {
        // Once the output is gone the ring is no longer read: leave it out, or its pending wake-up
        // would make poll() return at once, forever.
        pollfd fds[3] = {
            {output_open ? tracer.wakeup_fd() : -1, POLLIN, 0}, {signals.fd(), POLLIN, 0}, {STDOUT_FILENO, 0, 0}};
        nfds_t nfds = (watch_reader && output_open) ? 3 : 2;
        int timeout_ms = output_open && tracer.records_may_be_held() ? kActiveDrainMs : kIdleDrainMs;
        if (poll(fds, nfds, timeout_ms) < 0 && errno != EINTR)
            throw OutputError(std::string("poll failed: ") + std::strerror(errno));
        try {
            if (output_open) {
                tracer.consume();
                session.check_losses(tracer);
                out.flush();
            }
        } catch (const OutputClosed&) {
            output_open = false;  // like `| head`: stop quietly (in command mode, still wait for it)
        }
        if (nfds == 3 && (fds[2].revents & (POLLERR | POLLHUP))) output_open = false;

        bool stop = false;
        signalfd_siginfo info{};
        while (signals.take(info)) {
            if (info.ssi_signo == SIGCHLD) continue;
            if (!command)
                stop = true;
            else if (info.ssi_code <= 0)
                // Sent with kill(): pass it on. A Ctrl-C from the terminal (SI_KERNEL) has already
                // reached the command, which is in the same process group; a second one could make it
                // give up its own clean-up.
                command->forward(static_cast<int>(info.ssi_signo));
        }
        if (command && (command_status = command->poll_exit())) break;
        if (stop) break;
    }

    try {
        if (output_open) {
            tracer.consume();
            session.check_losses(tracer);
        }
    } catch (const OutputClosed&) {
        output_open = false;
    }
    session.end(output_open);
    return command_status.value_or(0);
}

}  // namespace bootstrap
