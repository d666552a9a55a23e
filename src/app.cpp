#include "app.h"

#include "bpf/tracer.h"
#include "events/clock.h"
#include "events/event.h"
#include "output/text.h"
#include "output/writer.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bootstrap {

namespace {

// The kernel wakes us only for batches; this bounds how late a quiet event is printed.
constexpr int kDrainIntervalMs = 100;

// SIGINT and SIGTERM arrive through a file descriptor, so the poll loop sees them without races.
class SignalFd {
public:
    SignalFd() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, &old_mask_);
        fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    }
    ~SignalFd() {
        if (fd_ >= 0) close(fd_);
        sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;
    int fd() const { return fd_; }

    // Consumes a pending signal; returns its number, or 0 if none was pending. (An unread signal would
    // be delivered, and kill us, when the destructor unblocks it.)
    int take() {
        signalfd_siginfo info{};
        return read(fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info)) ? static_cast<int>(info.ssi_signo) : 0;
    }

private:
    int fd_ = -1;
    sigset_t old_mask_{};
};

// A pipe or socket reports POLLERR once its reader is gone: we can stop even when no event comes.
bool can_watch_for_reader(int fd) {
    struct stat st{};
    return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

class LossReporter {
public:
    void report(uint64_t total) {
        if (total <= reported_) return;
        std::fprintf(stderr, "bootstrap: lost %llu events: the ring buffer was full (a larger --ring-size helps)\n",
                     static_cast<unsigned long long>(total - reported_));
        reported_ = total;
    }

private:
    uint64_t reported_ = 0;
};

}  // namespace

int run(const Options& options) {
    set_libbpf_verbose(options.verbose);
    check_can_trace();
    signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE from write()
    SignalFd signals;

    Writer out(STDOUT_FILENO);
    TextSink sink(out, WallClock{});
    const uint64_t page_size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));

    TracerConfig config;
    config.min_duration_ns = options.min_duration_ms * 1'000'000;
    config.failed_execs = options.failed_execs;
    config.thread_exits = options.thread_exits;
    config.max_args_bytes = options.max_args_bytes;
    config.ring_bytes = options.ring_bytes;

    Tracer tracer(config, [&](std::span<const std::byte> record) {
        DecodeResult decoded = decode(record, page_size);
        if (auto* event = std::get_if<Event>(&decoded)) {
            sink.on_event(*event);
            out.flush_if_large();
        } else {
            std::fprintf(stderr, "bootstrap: skipped a record: %s\n", std::get<DecodeError>(decoded).reason.c_str());
        }
    });

    LossReporter losses;
    try {
        sink.begin();
        out.flush();
        pollfd fds[3] = {{tracer.wakeup_fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}, {STDOUT_FILENO, 0, 0}};
        nfds_t nfds = can_watch_for_reader(STDOUT_FILENO) ? 3 : 2;
        for (;;) {
            int ready = poll(fds, nfds, kDrainIntervalMs);
            if (ready < 0 && errno != EINTR) throw SetupError(std::string("poll failed: ") + std::strerror(errno), "");
            tracer.consume();
            losses.report(tracer.lost_events());
            out.flush();
            if ((fds[1].revents & POLLIN) && signals.take() != 0) break;  // SIGINT, SIGTERM, SIGHUP
            if (nfds == 3 && (fds[2].revents & (POLLERR | POLLHUP))) return 0;  // our reader left
        }
        tracer.consume();
        losses.report(tracer.lost_events());
        out.flush();
    } catch (const OutputClosed&) {
        return 0;
    }
    return 0;
}

}  // namespace bootstrap
