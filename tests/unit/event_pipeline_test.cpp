// The event pipeline: what each decoded event gets before the sinks see it (its exit paired with its
// exec, cgroup and container, --containers, redaction, ancestry) and which events the sinks get at all,
// with the system's answers (cgroup paths, live pids) given by the test.
#include "events/event_pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace bootstrap {
namespace {

const std::string kContainerId(64, 'c');
const std::string kContainerCgroup = "/system.slice/docker-" + kContainerId + ".scope";
constexpr uint64_t kContainerCgroupId = 7;
constexpr uint64_t kHostCgroupId = 3;

ProcessInfo info(uint32_t pid, uint64_t start, uint64_t seq, uint32_t ppid, uint64_t parent_start, uint64_t time_ns) {
    ProcessInfo p;
    p.pid = p.tid = pid;
    p.ppid = ppid;
    p.time_ns = time_ns;
    p.comm = "comm" + std::to_string(pid);
    p.cgroup_id = kHostCgroupId;
    p.image = {pid, start, seq};
    if (ppid) p.parent_image = ImageKey{ppid, parent_start, 1};
    return p;
}

ExecEvent exec_of(uint32_t pid, uint64_t start, uint32_t ppid, uint64_t parent_start, uint64_t time_ns) {
    ExecEvent e;
    e.proc = info(pid, start, 2, ppid, parent_start, time_ns);
    e.filename = "/bin/prog" + std::to_string(pid);
    e.argv = {"prog", "--password=hunter2"};
    return e;
}

ExitEvent exit_of(const ExecEvent& exec, uint64_t time_ns) {
    ExitEvent e;
    e.proc = exec.proc;
    e.proc.time_ns = time_ns;
    return e;
}

class Pipeline : public ::testing::Test {
protected:
    EventPipeline make(EventPipeline::Options options) {
        EventPipeline::Lookups lookups;
        lookups.cgroup_path = [this](uint64_t id, uint32_t pid) -> std::optional<std::string> {
            looked_up_.insert(pid);
            if (id == kContainerCgroupId) return kContainerCgroup;
            if (id == kHostCgroupId) return std::string("/user.slice");
            return std::nullopt;
        };
        lookups.pid_exists = [this](uint32_t pid) { return !gone_.contains(pid); };
        return EventPipeline(std::move(options), std::move(lookups));
    }

    std::set<uint32_t> looked_up_;  // pids whose cgroup was looked up
    std::set<uint32_t> gone_;       // pids that no longer exist
};

TEST_F(Pipeline, AnExitGetsItsExecsDurationAndCommandWhenAskedFor) {
    EventPipeline pipeline = make({.exit_commands = true});
    Event exec = exec_of(100, 10, 1, 5, 1'000);
    EXPECT_TRUE(pipeline.process(exec));
    Event exit = exit_of(std::get<ExecEvent>(exec), 4'000);
    EXPECT_TRUE(pipeline.process(exit));
    const ExitEvent& e = std::get<ExitEvent>(exit);
    EXPECT_EQ(e.duration_ns, 3'000u);
    ASSERT_TRUE(e.exec);
    EXPECT_EQ(e.exec->filename, "/bin/prog100");
}

TEST_F(Pipeline, NoPairingWhenTheKernelKeptTheTime) {
    EventPipeline pipeline = make({.pair_exits_with_execs = false, .exit_commands = true});
    EXPECT_EQ(pipeline.pairing(), nullptr);
    Event exec = exec_of(100, 10, 1, 5, 1'000);
    pipeline.process(exec);
    Event exit = exit_of(std::get<ExecEvent>(exec), 4'000);
    pipeline.process(exit);
    EXPECT_FALSE(std::get<ExitEvent>(exit).duration_ns);
    EXPECT_FALSE(std::get<ExitEvent>(exit).exec);
}

TEST_F(Pipeline, AnExecGetsItsCgroupAndContainer) {
    EventPipeline pipeline = make({});
    Event in_container = exec_of(100, 10, 1, 5, 1'000);
    std::get<ExecEvent>(in_container).proc.cgroup_id = kContainerCgroupId;
    ASSERT_TRUE(pipeline.process(in_container));
    const ExecContext& context = std::get<ExecEvent>(in_container).context;
    EXPECT_EQ(context.cgroup, kContainerCgroup);
    EXPECT_EQ(context.container_id, kContainerId);

    Event on_host = exec_of(101, 10, 1, 5, 1'000);
    ASSERT_TRUE(pipeline.process(on_host));
    EXPECT_EQ(std::get<ExecEvent>(on_host).context.cgroup, "/user.slice");
    EXPECT_FALSE(std::get<ExecEvent>(on_host).context.container_id);

    // An exit has no context: without --containers its cgroup is never looked up.
    Event exit = exit_of(std::get<ExecEvent>(on_host), 2'000);
    looked_up_.clear();
    EXPECT_TRUE(pipeline.process(exit));
    EXPECT_TRUE(looked_up_.empty());
}

TEST_F(Pipeline, ContainersOnlyLeavesOutEventsOutsideEveryContainer) {
    EventPipeline pipeline = make({.ancestors = true, .containers_only = true});
    Event on_host = exec_of(101, 10, 1, 5, 1'000);
    EXPECT_FALSE(pipeline.process(on_host));
    Event in_container = exec_of(102, 10, 1, 5, 1'000);
    std::get<ExecEvent>(in_container).proc.cgroup_id = kContainerCgroupId;
    EXPECT_TRUE(pipeline.process(in_container));
    // The exit left out still ends its process in the table.
    size_t before = pipeline.table()->size();
    Event exit = exit_of(std::get<ExecEvent>(in_container), 2'000);
    std::get<ExitEvent>(exit).proc.cgroup_id = kHostCgroupId;  // moved out before it ended
    EXPECT_FALSE(pipeline.process(exit));
    EXPECT_EQ(pipeline.table()->size(), before - 1);
}

TEST_F(Pipeline, SecretsAreRedactedBeforeAnySinkSeesThem) {
    EventPipeline pipeline = make({.redact_args = true});
    Event exec = exec_of(100, 10, 1, 5, 1'000);
    std::get<ExecEvent>(exec).context.env = std::vector<std::string>{"API_TOKEN=abc", "HOME=/root"};
    ASSERT_TRUE(pipeline.process(exec));
    const ExecEvent& e = std::get<ExecEvent>(exec);
    EXPECT_EQ(e.argv[1], "--password=" + std::string(Redactor::kHidden));
    EXPECT_EQ((*e.context.env)[0], "API_TOKEN=" + std::string(Redactor::kHidden));
    EXPECT_EQ((*e.context.env)[1], "HOME=/root");
}

TEST_F(Pipeline, AnUnreportedExitReachesOnlyTheBookkeeping) {
    EventPipeline pipeline = make({.ancestors = true, .count_live = true});
    Event exec = exec_of(100, 10, 1, 5, 1'000);
    ASSERT_TRUE(pipeline.process(exec));
    EXPECT_EQ(pipeline.live_processes(), 1u);
    EXPECT_EQ(pipeline.table()->size(), 1u);
    Event exit = exit_of(std::get<ExecEvent>(exec), 2'000);
    std::get<ExitEvent>(exit).unreported = true;
    EXPECT_FALSE(pipeline.process(exit));
    EXPECT_EQ(pipeline.table()->size(), 0u);
    EXPECT_EQ(pipeline.pairing()->size(), 0u) << "paired all the same";
}

TEST_F(Pipeline, ExecsCarryTheirAncestryFromRunningProcessesAndForks) {
    EventPipeline pipeline = make({.ancestors = true});
    ExistingEvent init;
    init.proc = info(1, 1, 1, 0, 0, 0);
    init.filename = "/sbin/init";
    Event running = init;
    EXPECT_TRUE(pipeline.add_running(running));
    pipeline.running_added();
    Event shell = exec_of(50, 5, 1, 1, 100);
    ASSERT_TRUE(pipeline.process(shell));
    Event fork = ForkEvent{info(100, 10, 2, 50, 5, 200)};
    ASSERT_TRUE(pipeline.process(fork));
    Event exec = exec_of(100, 10, 50, 5, 300);
    ASSERT_TRUE(pipeline.process(exec));
    const auto& chain = std::get<ExecEvent>(exec).ancestors;
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_EQ((*chain)[0].filename, "/bin/prog50");
    EXPECT_EQ((*chain)[1].filename, "/sbin/init");
    EXPECT_FALSE(std::get<ExecEvent>(shell).ancestors->empty());
}

TEST_F(Pipeline, WithoutAncestorsNoTableAndNoChain) {
    EventPipeline pipeline = make({});
    EXPECT_EQ(pipeline.table(), nullptr);
    Event exec = exec_of(100, 10, 1, 5, 300);
    ASSERT_TRUE(pipeline.process(exec));
    EXPECT_FALSE(std::get<ExecEvent>(exec).ancestors);
}

TEST_F(Pipeline, ARunningProcessOutsideEveryContainerIsKeptInTheTableOnly) {
    EventPipeline pipeline = make({.ancestors = true, .containers_only = true});
    ExistingEvent daemon;
    daemon.proc = info(20, 2, 1, 0, 0, 0);
    Event running = daemon;
    EXPECT_FALSE(pipeline.add_running(running));
    EXPECT_EQ(pipeline.table()->size(), 1u);
}

// Command mode: a process is live from its first event to its exit, or until its pid is gone (its exit
// was filtered out or lost). A thread's end and a failed exec change nothing.
TEST_F(Pipeline, LiveProcessesAreThoseSeenLessThoseEndedOrGone) {
    EventPipeline pipeline = make({.count_live = true});
    Event a = exec_of(100, 10, 1, 5, 1'000);
    Event b = exec_of(101, 11, 1, 5, 1'000);
    Event c = ForkEvent{info(102, 12, 2, 100, 10, 1'100)};
    ExecFailedEvent failed;
    failed.proc = info(103, 13, 2, 100, 10, 1'200);
    Event d = failed;
    for (Event* event : {&a, &b, &c, &d}) pipeline.process(*event);
    EXPECT_EQ(pipeline.live_processes(), 3u);

    Event thread_end = exit_of(std::get<ExecEvent>(a), 2'000);
    std::get<ExitEvent>(thread_end).thread_only = true;
    pipeline.process(thread_end);
    EXPECT_EQ(pipeline.live_processes(), 3u);

    Event end = exit_of(std::get<ExecEvent>(a), 3'000);
    pipeline.process(end);
    EXPECT_EQ(pipeline.live_processes(), 2u);

    gone_.insert(101);
    EXPECT_EQ(pipeline.live_processes(), 1u);
}

}  // namespace
}  // namespace bootstrap
