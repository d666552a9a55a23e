// A regular file given with -o, written the way log shippers and logrotate expect: whole lines only,
// rotated by size (FILE.1, FILE.2, ...), reopened on request (SIGHUP), and, for a service, kept going
// through write errors such as a full disk: what cannot be written is dropped, counted and reported,
// and writing resumes once the file takes data again.
#pragma once

#include "util/file_descriptor.h"
#include "util/output_file.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bootstrap {

struct LogFileLimits {
    uint64_t max_bytes = 0;       // rotate before a file would grow past this; 0: never rotate
    uint32_t max_files = 0;       // rotated files kept besides FILE (FILE.1 is the newest)
    bool survive_errors = false;  // a write error drops lines instead of ending the run
};

class LogFile {
public:
    // `fd` is `path` opened for writing (open_private_output); it is written in append mode from here on.
    // `files` reopens and rotates it (the file keeper, when the tracer gives up the right to); by default
    // the tracer does, in `path`'s directory, accepting files of its own effective uid.
    LogFile(std::string path, FileDescriptor fd, LogFileLimits limits, std::unique_ptr<OutputFiles> files = nullptr);

    // Writes `lines`, which end with a newline. A line never spans two files: a file is rotated before a
    // line that would take it past the limit (a single line longer than the limit gets a file of its
    // own). A write error that is not survived ends the writing: it returns why ("cannot write to FILE:
    // ..."), and the lines from the piece that failed on are not written (a piece is a file's worth).
    std::optional<std::string> write(std::string_view lines);

    // Opens `path` again, creating it if it was moved away; the old file is kept when that fails or what
    // is there is refused (OutputDirectory's rules). Returns false (and says why on stderr) then.
    bool reopen();

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    uint64_t lines_dropped() const { return lines_dropped_; }
    uint64_t write_errors() const { return write_errors_; }
    uint64_t rotations() const { return rotations_; }
    // Reopens and rotations that failed or were refused (the old file written on), and rotated files
    // that could not be moved along (the rotation went on).
    uint64_t reopen_failures() const { return reopen_failures_; }
    uint64_t rotation_failures() const { return rotation_failures_; }
    uint64_t renames_failed() const { return renames_failed_; }

private:
    std::optional<std::string> write_chunk(std::string_view chunk);
    void rotate();
    void drop(std::string_view lines, int err);
    bool writing_to_deleted_file();

    std::string path_;
    FileDescriptor fd_;
    LogFileLimits limits_;
    std::unique_ptr<OutputFiles> files_;
    uint64_t size_ = 0;  // bytes in the current file: whole lines only
    // What the file held when it last failed to rotate: it is tried again once the file has grown by
    // another max_bytes, not at every write.
    uint64_t unrotated_ = 0;
    uint64_t lines_dropped_ = 0;
    uint64_t write_errors_ = 0;
    uint64_t rotations_ = 0;
    uint64_t reopen_failures_ = 0;
    uint64_t rotation_failures_ = 0;
    uint64_t renames_failed_ = 0;
    uint64_t dropped_in_outage_ = 0;  // lines dropped since the last write that worked
    bool failing_ = false;
    ino_t deleted_inode_ = 0;  // the file last found deleted, reopened once
};

}  // namespace bootstrap
