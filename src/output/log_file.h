// A regular file given with -o, written the way log shippers and logrotate expect: whole lines only,
// rotated by size (FILE.1, FILE.2, ...), reopened on request (SIGHUP), and, for a service, kept going
// through write errors such as a full disk: what cannot be written is dropped, counted and reported,
// and writing resumes once the file takes data again.
#pragma once

#include "util/file_descriptor.h"

#include <cstdint>
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
    LogFile(std::string path, FileDescriptor fd, LogFileLimits limits);

    // Writes `lines`, which end with a newline. A line never spans two files: a file is rotated before a
    // line that would take it past the limit (a single line longer than the limit gets a file of its
    // own). Throws Error for a write error unless errors are survived.
    void write(std::string_view lines);

    // Opens `path` again, creating it if it was moved away; the old file is kept when that fails.
    // Returns false (and says why on stderr) then.
    bool reopen();

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    uint64_t lines_dropped() const { return lines_dropped_; }
    uint64_t write_errors() const { return write_errors_; }
    uint64_t rotations() const { return rotations_; }

private:
    void write_chunk(std::string_view chunk);
    void rotate();
    void drop(std::string_view lines, int err);

    std::string path_;
    FileDescriptor fd_;
    LogFileLimits limits_;
    uint64_t size_ = 0;  // bytes in the current file: whole lines only
    uint64_t lines_dropped_ = 0;
    uint64_t write_errors_ = 0;
    uint64_t rotations_ = 0;
    uint64_t dropped_in_outage_ = 0;  // lines dropped since the last write that worked
    bool failing_ = false;
};

}  // namespace bootstrap
