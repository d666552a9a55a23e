// Nothing is lost silently: every record the kernel could not deliver is counted, lost or throttled, and
// the counts equal what is missing. The test traces only its own process tree, so the storm is the only traffic.
#include "children.h"
#include "trace_session.h"

#include <unistd.h>

#include <set>

namespace bootstrap::testing {
namespace {

TEST(Loss, StalledReaderCountsExactlyWhatIsMissing) {
    REQUIRE_BPF();
    TracerConfig config;
    config.trace_tree = true;
    config.ring_bytes = 64 * 1024;  // the smallest ring: a few hundred records
    TraceSession session(config);
    session.tracer().trace_process(static_cast<uint32_t>(getpid()));

    // Nobody reads while the storm runs.
    constexpr int kChildren = 2000;
    std::set<uint32_t> children;
    for (int i = 0; i < kChildren; ++i) children.insert(static_cast<uint32_t>(reap(spawn([] { return 0; })).pid));

    session.drain_for(500ms);
    size_t received = 0;
    for (const Event& e : session.events())
        if (std::holds_alternative<ExitEvent>(e) && children.count(process_of(e).pid)) ++received;
    uint64_t lost = session.lost();
    uint64_t throttled = session.tracer().throttled_records();
    EXPECT_GT(lost + throttled, 0u) << "the storm should overflow a 64 KiB ring";
    // A flood from one cgroup is throttled once the ring is under pressure: counted too.
    EXPECT_EQ(received + lost + throttled, static_cast<uint64_t>(kChildren));
    EXPECT_EQ(session.decode_errors(), 0u);
}

}  // namespace
}  // namespace bootstrap::testing
