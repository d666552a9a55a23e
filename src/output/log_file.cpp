#include "output/log_file.h"

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

LogFile::LogFile(std::string path, FileDescriptor fd, LogFileLimits limits, std::unique_ptr<OutputFiles> files)
    : path_(std::move(path)), fd_(std::move(fd)), limits_(limits), files_(std::move(files)) {
    if (!files_) files_ = std::make_unique<OutputDirectory>(path_, geteuid(), limits_.max_files);
    // Appending: a file that logrotate's copytruncate empties is written from its new start, not after
    // a hole as large as what it held.
    int flags = fcntl(fd_.get(), F_GETFL);
    if (flags >= 0) fcntl(fd_.get(), F_SETFL, flags | O_APPEND);
    size_ = size_of(fd_.get());
}

std::optional<std::string> LogFile::write(std::string_view lines) {
    if (writing_to_deleted_file()) {
        drop(lines, ENOENT);
        return std::nullopt;
    }
    // Someone else may have truncated the file since (copytruncate): rotation follows its real size.
    if (limits_.max_bytes > 0) {
        size_ = size_of(fd_.get());
        unrotated_ = std::min(unrotated_, size_);
    }
    while (!lines.empty()) {
        size_t take = whole_lines_that_fit(lines, size_ - unrotated_, limits_.max_bytes);
        if (take == 0) {
            rotate();
            continue;
        }
        if (auto failure = write_chunk(lines.substr(0, take))) return failure;
        lines.remove_prefix(take);
    }
    return std::nullopt;
}

std::optional<std::string> LogFile::write_chunk(std::string_view chunk) {
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
        if (!limits_.survive_errors) return "cannot write to " + path_ + ": " + std::strerror(err);
        drop(chunk, err);
        return std::nullopt;
    }
    size_ += chunk.size();
    if (failing_) {
        std::fprintf(stderr, "bootstrap: writing to %s again; %llu events were dropped\n", path_.c_str(),
                     static_cast<unsigned long long>(dropped_in_outage_));
        failing_ = false;
        dropped_in_outage_ = 0;
    }
    return std::nullopt;
}

// The file written has been deleted (a reopen failed, then logrotate compressed the old file away, or
// someone removed it): whatever is written there is lost. FILE is opened again, once for each file found
// deleted; when that fails, lines are dropped and counted until a reopen or a rotation works.
bool LogFile::writing_to_deleted_file() {
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0 || st.st_nlink > 0) return false;
    if (st.st_ino == deleted_inode_) return true;
    deleted_inode_ = st.st_ino;
    std::fprintf(stderr, "bootstrap: the file written as %s was deleted; opening %s again\n", path_.c_str(),
                 path_.c_str());
    return !reopen();
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
    FileChange change = files_->rotate();
    renames_failed_ += change.renames_failed;
    for (size_t start = 0, end; (end = change.renames_said.find('\n', start)) != std::string::npos; start = end + 1)
        std::fprintf(stderr, "bootstrap: %s\n", change.renames_said.substr(start, end - start).c_str());
    if (!change.file) {
        ++write_errors_;
        ++rotation_failures_;
        unrotated_ = size_;
        std::fprintf(stderr, "bootstrap: %s\n", change.failure.c_str());
        return;
    }
    fd_ = std::move(change.file);
    size_ = 0;
    unrotated_ = 0;
    ++rotations_;
}

bool LogFile::reopen() {
    FileChange change = files_->reopen();
    if (!change.file) {
        ++write_errors_;
        ++reopen_failures_;
        std::fprintf(stderr, "bootstrap: %s\n", change.failure.c_str());
        return false;
    }
    fd_ = std::move(change.file);
    size_ = size_of(fd_.get());
    unrotated_ = 0;
    return true;
}

}  // namespace bootstrap
