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

}  // namespace bootstrap
