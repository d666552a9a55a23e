// Files the tracer writes its records to (-o, --trace): they hold every traced command line, so they
// must neither be redirected by another user nor readable by one.
#pragma once

#include "util/file_descriptor.h"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace bootstrap {

// Creates or truncates `path` for writing, readable and writable by its owner only (an existing regular
// file loses its group and other bits). Like the kernel's protected_symlinks, a symlink in a sticky
// world-writable directory such as /tmp is followed only when it belongs to us or to the directory's
// owner: someone else's link there could point us at any file. Throws Error (status 2, naming
// `option`) when the path cannot be used.
FileDescriptor open_private_output(const std::string& path, std::string_view option);

// What reopening or rotating the output file did.
struct FileChange {
    FileDescriptor file;          // the new file, for appending; empty when there is none (see `failure`)
    std::string failure;          // why the old file is written on, as a sentence naming the file
    uint32_t renames_failed = 0;  // rotated files that could not be moved along (rotation went on)
    std::string renames_said;     // a line for each of the first few of them
};

// Reopens and rotates the output file: OutputDirectory in the tracer's own process, or the file keeper
// (proc/file_keeper.h), which runs it in a process that kept the privilege to.
class OutputFiles {
public:
    virtual ~OutputFiles() = default;
    // FILE again (a tool moved it away, or put an empty one there): an existing one, or created.
    virtual FileChange reopen() = 0;
    // FILE.N-1 becomes FILE.N (replacing the oldest), ..., FILE becomes FILE.1, and FILE is created.
    virtual FileChange rotate() = 0;
};

// The directory of an output file, held open from the first open on: every later name is looked up in
// it (openat, renameat), so a path component renamed or swapped for a symlink since cannot redirect a
// reopen or a rotation. Every file it opens obeys the rules of the first open: never through a symlink,
// never blocking (a FIFO cannot hold the tracer in open(2)), checked with fstat once open: a regular
// file of `owner` with no other link, readable and writable by its owner only. Anything else is left as
// it is and refused.
class OutputDirectory : public OutputFiles {
public:
    // Throws Error when the directory cannot be opened.
    OutputDirectory(const std::string& path, uid_t owner, uint32_t max_files);
    FileChange reopen() override;
    FileChange rotate() override;
    const std::string& path() const { return path_; }
    // The descriptor of the directory, for a process that takes this object over.
    int directory_fd() const { return directory_.get(); }

private:
    FileDescriptor open_file(const std::string& name, int flags, std::string& why) const;

    std::string path_;  // as given, for messages
    std::string name_;  // its last component, looked up in directory_
    FileDescriptor directory_;
    uid_t owner_;
    uint32_t max_files_;
};

// For a pipe, FIFO or terminal: a description of it of our own, opened non-blocking through /proc, so a
// reader that stops reading never holds us inside write(2), while those who share `fd` (the shell, a
// traced command) keep their blocking one. Empty for anything else (a regular file never stalls for
// good; a socket cannot be reopened) or when it cannot be opened: then `fd` is written as it is.
FileDescriptor nonblocking_twin(int fd);
// The same for a pipe or FIFO only.
FileDescriptor nonblocking_pipe_twin(int fd);

}  // namespace bootstrap
