#include "output/log_file.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bootstrap {

namespace {

uint64_t count_lines(std::string_view text) {
    return static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

uint64_t size_of(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// The bytes of `rest` to write into a file that holds `size` bytes: the whole lines that fit under
// `max_bytes`, or none (rotate first), or, in an empty file, the first line whatever its length.
size_t whole_lines_that_fit(std::string_view rest, uint64_t size, uint64_t max_bytes) {
    if (max_bytes == 0 || size + rest.size() <= max_bytes) return rest.size();
    uint64_t room = size < max_bytes ? max_bytes - size : 0;
    if (room > 0) {
        size_t last_newline = rest.rfind('\n', static_cast<size_t>(room) - 1);
        if (last_newline != std::string_view::npos) return last_newline + 1;
    }
    if (size > 0) return 0;
    size_t first_newline = rest.find('\n');
    return first_newline == std::string_view::npos ? rest.size() : first_newline + 1;
}

}  // namespace

LogFile::LogFile(std::string path, FileDescriptor fd, LogFileLimits limits)
    : path_(std::move(path)), fd_(std::move(fd)), limits_(limits) {
    // Appending: a file that logrotate's copytruncate empties is written from its new start, not after
    // a hole as large as what it held.
    int flags = fcntl(fd_.get(), F_GETFL);
    if (flags >= 0) fcntl(fd_.get(), F_SETFL, flags | O_APPEND);
    size_ = size_of(fd_.get());
}

void LogFile::write(std::string_view lines) {
    // Someone else may have truncated the file since (copytruncate): rotation follows its real size.
    if (limits_.max_bytes > 0) size_ = size_of(fd_.get());
    while (!lines.empty()) {
        size_t take = whole_lines_that_fit(lines, size_, limits_.max_bytes);
        if (take == 0) {
            rotate();
            continue;
        }
        write_chunk(lines.substr(0, take));
        lines.remove_prefix(take);
    }
}

void LogFile::write_chunk(std::string_view chunk) {
    size_t written = 0;
    while (written < chunk.size()) {
        ssize_t n = ::write(fd_.get(), chunk.data() + written, chunk.size() - written);
        if (n >= 0) {
            written += static_cast<size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        int err = errno;
        // A line cut short would be a line no parser reads: the part of the chunk written goes again.
        if (written > 0) {
            off_t end = lseek(fd_.get(), 0, SEEK_END);
            if (end >= static_cast<off_t>(written)) (void)ftruncate(fd_.get(), end - static_cast<off_t>(written));
        }
        if (!limits_.survive_errors) throw Error("cannot write to " + path_ + ": " + std::strerror(err));
        drop(chunk, err);
        return;
    }
    size_ += chunk.size();
    if (failing_) {
        std::fprintf(stderr, "bootstrap: writing to %s again; %llu events were dropped\n", path_.c_str(),
                     static_cast<unsigned long long>(dropped_in_outage_));
        failing_ = false;
        dropped_in_outage_ = 0;
    }
}

// Said once per outage: a full disk would otherwise repeat it at every drain.
void LogFile::drop(std::string_view lines, int err) {
    ++write_errors_;
    lines_dropped_ += count_lines(lines);
    dropped_in_outage_ += count_lines(lines);
    if (failing_) return;
    failing_ = true;
    std::fprintf(stderr, "bootstrap: cannot write to %s: %s; events are dropped and counted until it can be written\n",
                 path_.c_str(), std::strerror(err));
}

// FILE.N-1 becomes FILE.N (replacing the oldest), ..., FILE becomes FILE.1, and a new FILE is created.
// A shipper that follows FILE by name reads the rest of the old one first (its inode is unchanged).
void LogFile::rotate() {
    size_ = 0;  // whatever happens: a rotation that fails is tried again one file size later
    for (uint32_t n = limits_.max_files; n > 1; --n) {
        std::string from = path_ + "." + std::to_string(n - 1);
        std::string to = path_ + "." + std::to_string(n);
        if (rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) break;
    }
    std::string first = path_ + ".1";
    if (rename(path_.c_str(), first.c_str()) != 0 && errno != ENOENT) {
        ++write_errors_;
        std::fprintf(stderr, "bootstrap: cannot rotate %s: %s; it goes on growing\n", path_.c_str(),
                     std::strerror(errno));
        return;
    }
    // Created afresh: never a link someone put there meanwhile.
    FileDescriptor next(open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600));
    if (!next) {
        ++write_errors_;
        std::fprintf(stderr, "bootstrap: cannot create %s after rotating it: %s; writing on in %s\n", path_.c_str(),
                     std::strerror(errno), first.c_str());
        return;
    }
    fd_ = std::move(next);
    ++rotations_;
}

bool LogFile::reopen() {
    FileDescriptor next(open(path_.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600));
    if (!next) {
        ++write_errors_;
        std::fprintf(stderr, "bootstrap: cannot reopen %s: %s; writing on to the file it was\n", path_.c_str(),
                     std::strerror(errno));
        return false;
    }
    fd_ = std::move(next);
    size_ = size_of(fd_.get());
    return true;
}

}  // namespace bootstrap
