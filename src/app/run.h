// A run of the tracer, from a plan: set up (check, open, fork the command, load, drop privileges), then
// the event loop.
#pragma once

#include "cli/plan.h"

namespace bootstrap {

// Streams events until SIGINT/SIGTERM, the command's exit or the output reader's departure, and returns
// the exit status. Throws Error.
int run(const RunPlan& plan);

}  // namespace bootstrap
