// Filters applied in the kernel, seen from this process: what a filter matches on when a process ends.
#include "children.h"
#include "trace_session.h"

#include <sys/prctl.h>

namespace bootstrap::testing {
namespace {

TEST(Filters, CommOnAProcessExitIsTheProcessName) {
    REQUIRE_BPF();
    TracerConfig config;
    config.comm = "bs-leadr";
    TraceSession session(config);
    Reaped child = run_child([] {
        prctl(PR_SET_NAME, "bs-leadr");
        return end_leader_before_renamed_thread("bs-worker");
    });
    const ExitEvent* exit = session.wait_for<ExitEvent>(child.pid);
    ASSERT_NE(exit, nullptr) << "-c matches the process, whichever thread ends it";
    EXPECT_EQ(exit->proc.comm, "bs-leadr");
}

}  // namespace
}  // namespace bootstrap::testing
