#pragma once

#include "cli/options.h"

namespace bootstrap {

// Loads the programs, streams events to standard output until SIGINT/SIGTERM or until the reader of our
// output goes away, and returns the process exit status. Throws SetupError for setup failures.
int run(const Options& options);

}  // namespace bootstrap
