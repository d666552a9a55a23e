#include "proc/file_keeper.h"

#include "proc/privileges.h"
#include "util/error.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace bootstrap {

namespace {

constexpr uint8_t kReopen = 1;
constexpr uint8_t kRotate = 2;

struct Request {
    uint32_t sequence;
    uint8_t operation;
};

// An answer: this header, the failure's bytes, then those of the renames said; the file, if any, as
// SCM_RIGHTS.
struct AnswerHeader {
    uint32_t sequence;
    uint32_t renames_failed;
    uint32_t failure_bytes;
    uint32_t said_bytes;
};
constexpr size_t kMaxAnswer = 8192;

// A request the keeper takes longer than this to answer (a file system that hangs) fails instead of
// holding the tracer's loop.
constexpr int kAnswerTimeoutSeconds = 5;

// The keeper is ready: it holds only what it needs.
constexpr char kReady = 'k';

void close_all_but(int a, int b) {
    if (a > b) std::swap(a, b);
    if (a > 3) close_range(3, static_cast<unsigned>(a) - 1, 0);
    if (b > a + 1) close_range(static_cast<unsigned>(a) + 1, static_cast<unsigned>(b) - 1, 0);
    close_range(static_cast<unsigned>(b) + 1, ~0U, 0);
}

// Nothing of the tracer's is left: standard descriptors on /dev/null, every other one closed.
void hold_only(int socket, int directory) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; ++fd) {
        if (null >= 0)
            dup2(null, fd);
        else
            close(fd);
    }
    close_all_but(socket, directory);
}

void send_answer(int socket, uint32_t sequence, FileChange& change) {
    std::array<char, kMaxAnswer> buffer{};
    AnswerHeader header{sequence, change.renames_failed, 0, 0};
    size_t room = buffer.size() - sizeof header;
    header.failure_bytes = static_cast<uint32_t>(std::min(change.failure.size(), room));
    header.said_bytes = static_cast<uint32_t>(std::min(change.renames_said.size(), room - header.failure_bytes));
    std::memcpy(buffer.data(), &header, sizeof header);
    std::memcpy(buffer.data() + sizeof header, change.failure.data(), header.failure_bytes);
    std::memcpy(buffer.data() + sizeof header + header.failure_bytes, change.renames_said.data(), header.said_bytes);
    iovec data{buffer.data(), sizeof header + header.failure_bytes + header.said_bytes};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    if (change.file) {
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        cmsghdr* rights = CMSG_FIRSTHDR(&message);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        int fd = change.file.get();
        std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
    }
    (void)sendmsg(socket, &message, MSG_NOSIGNAL);
}

// The keeper's whole life: confined, it answers requests until the tracer's end closes.
[[noreturn]] void keep_files(OutputDirectory& directory, int socket, pid_t tracer) {
    try {
        setsid();  // out of the terminal's session: Ctrl-C and Ctrl-Z are the tracer's to act on
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) signal(sig, SIG_IGN);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != tracer) _exit(0);  // it died before the line above
        prctl(PR_SET_NAME, "bootstrap-files", 0, 0, 0);
        hold_only(socket, directory.directory_fd());
        keep_only_capabilities(uint64_t{1} << CAP_DAC_OVERRIDE);
    } catch (...) {
        _exit(1);
    }
    if (send(socket, &kReady, 1, MSG_NOSIGNAL) != 1) _exit(1);
    for (;;) {
        Request request{};
        ssize_t n = recv(socket, &request, sizeof request, 0);
        if (n == 0) _exit(0);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof request)) _exit(1);
        FileChange change;
        if (request.operation == kRotate)
            change = directory.rotate();
        else if (request.operation == kReopen)
            change = directory.reopen();
        else
            change.failure = "unknown request";
        send_answer(socket, request.sequence, change);
    }
}

// Reads one answer; false when the keeper has gone (end of file, an error, or no answer in time).
bool receive_answer(int socket, AnswerHeader& header, std::string& text, FileDescriptor& file, std::string& why) {
    std::array<char, kMaxAnswer> buffer{};
    iovec data{buffer.data(), buffer.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    ssize_t n;
    do n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            file = FileDescriptor(fd);
        }
    if (n <= 0) {
        why = n == 0            ? "it has ended"
              : errno == EAGAIN ? "it did not answer within " + std::to_string(kAnswerTimeoutSeconds) + " s"
                                : std::strerror(errno);
        return false;
    }
    if (static_cast<size_t>(n) < sizeof header) {
        why = "a short answer";
        return false;
    }
    std::memcpy(&header, buffer.data(), sizeof header);
    size_t body = static_cast<size_t>(n) - sizeof header;
    if (header.failure_bytes > body || header.said_bytes > body - header.failure_bytes) {
        why = "a malformed answer";
        return false;
    }
    text.assign(buffer.data() + sizeof header, header.failure_bytes + header.said_bytes);
    return true;
}

}  // namespace

FileKeeper::FileKeeper(OutputDirectory directory) : path_(directory.path()) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw system_error("socketpair");
    FileDescriptor ours(pair[0]), theirs(pair[1]);
    pid_t tracer = getpid();
    pid_ = fork();
    if (pid_ < 0) throw system_error("fork");
    if (pid_ == 0) keep_files(directory, theirs.get(), tracer);
    theirs.close();
    socket_ = std::move(ours);
    char ready = 0;
    ssize_t n;
    do n = recv(socket_.get(), &ready, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n != 1 || ready != kReady)
        throw Error("cannot start the process that reopens and rotates " + path_ + " as root",
                    "run bootstrap with CAP_BPF and CAP_PERFMON as the owner of its directory instead");
    timeval timeout{kAnswerTimeoutSeconds, 0};
    setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

FileKeeper::~FileKeeper() {
    socket_.close();
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

FileChange FileKeeper::reopen() {
    return ask(kReopen);
}

FileChange FileKeeper::rotate() {
    return ask(kRotate);
}

FileChange FileKeeper::ask(uint8_t operation) {
    FileChange change;
    Request request{};  // padding included: nothing of the tracer's memory goes out
    request.sequence = ++sequence_;
    request.operation = operation;
    std::string why;
    if (send(socket_.get(), &request, sizeof request, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof request)) {
        why = std::strerror(errno);
    } else {
        AnswerHeader header{};
        std::string text;
        // An answer to an earlier request that timed out comes first: it is skipped.
        while (receive_answer(socket_.get(), header, text, change.file, why) && header.sequence != request.sequence)
            change.file.close();
        if (why.empty()) {
            change.renames_failed = header.renames_failed;
            change.failure = text.substr(0, header.failure_bytes);
            change.renames_said = text.substr(header.failure_bytes);
            return change;
        }
    }
    change.file.close();
    change.failure = std::string(operation == kRotate ? "cannot rotate " : "cannot reopen ") + path_ +
                     ": the process that does it as root failed (" + why + "); " +
                     (operation == kRotate ? "it goes on growing" : "writing on to the file it was");
    return change;
}

}  // namespace bootstrap
