// Files the tracer writes its records to (-o, --trace): they hold every traced command line, so they
// must neither be redirected by another user nor readable by one.
#pragma once

#include "util/file_descriptor.h"

#include <string>
#include <string_view>

namespace bootstrap {

// Creates or truncates `path` for writing, readable and writable by its owner only (an existing regular
// file loses its group and other bits). Like the kernel's protected_symlinks, a symlink in a sticky
// world-writable directory such as /tmp is followed only when it belongs to us or to the directory's
// owner: someone else's link there could point us at any file. Throws Error (status 2, naming
// `option`) when the path cannot be used.
FileDescriptor open_private_output(const std::string& path, std::string_view option);

// For a pipe, FIFO or terminal: a description of it of our own, opened non-blocking through /proc, so a
// reader that stops reading never holds us inside write(2), while those who share `fd` (the shell, a
// traced command) keep their blocking one. Empty for anything else (a regular file never stalls for
// good; a socket cannot be reopened) or when it cannot be opened: then `fd` is written as it is.
FileDescriptor nonblocking_twin(int fd);
// The same for a pipe or FIFO only.
FileDescriptor nonblocking_pipe_twin(int fd);

}  // namespace bootstrap
