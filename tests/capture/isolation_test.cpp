// Isolation: a flood of records from one cgroup, while the reader is stalled, must not take the ring from
// the rest of the host, and every record dropped is counted on its cgroup.
#include "children.h"
#include "trace_session.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>

namespace bootstrap::testing {
namespace {

// A cgroup of the test's own under the cgroup2 mount (level 1), removed at destruction.
class TestCgroup {
public:
    explicit TestCgroup(const std::string& name)
        : path_(cgroup2_mount() + "/bootstrap-" + name + "-" + std::to_string(getpid())) {
        if (mkdir(path_.c_str(), 0755) != 0) path_.clear();
    }
    ~TestCgroup() {
        if (!path_.empty()) rmdir(path_.c_str());
    }
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    bool made() const { return !path_.empty(); }
    uint64_t id() const {
        struct stat st {};
        return stat(path_.c_str(), &st) == 0 ? st.st_ino : 0;
    }
    // Called in a child: moves it, and what it starts from then on, into this cgroup.
    bool join() const { return static_cast<bool>(std::ofstream(path_ + "/cgroup.procs") << getpid() << std::flush); }

private:
    std::string path_;
};

// A child in `group` that execs /bin/true with a 20 KiB argument, one child at a time, until SIGTERM;
// it exits with how many of those children it ran (capped at 255 by the exit status, so it also writes
// the count to `count_fd`).
pid_t start_flooder(const TestCgroup& group, int count_fd) {
    return spawn([&group, count_fd] {
        if (!group.join()) return 2;
        static volatile sig_atomic_t stop = 0;
        signal(SIGTERM, [](int) { stop = 1; });
        const std::string big(20 * 1024, 'f');
        uint32_t ran = 0;
        while (!stop) {
            pid_t child = spawn_exec("/bin/true", {"true", big});
            if (child < 0) break;
            reap(child);
            ++ran;
        }
        return write(count_fd, &ran, sizeof(ran)) == sizeof(ran) ? 0 : 3;
    });
}

// What execs_in() ran: the children's pids, and the wait status of the child that ran them.
struct ChildExecs {
    std::set<uint32_t> pids;
    int status = -1;
};

// A child in `group` execs /bin/true `count` times, one at a time, `pause` after each, and exits 0 once
// every one exited 0 (or 2 to 4 on a failure); each pid comes back through a pipe.
ChildExecs execs_in(const TestCgroup& group, int count, const char* argument, std::chrono::milliseconds pause) {
    ChildExecs ran;
    int pids[2];
    if (pipe(pids) != 0) return ran;
    pid_t runner = spawn([&] {
        if (!group.join()) return 2;
        for (int i = 0; i < count; ++i) {
            pid_t child = spawn_exec("/bin/true", {"true", argument});
            if (child < 0 || write(pids[1], &child, sizeof(child)) != sizeof(child)) return 3;
            Reaped reaped = reap(child);
            if (!WIFEXITED(reaped.status) || WEXITSTATUS(reaped.status) != 0) return 4;
            std::this_thread::sleep_for(pause);
        }
        return 0;
    });
    close(pids[1]);
    for (pid_t pid; read(pids[0], &pid, sizeof(pid)) == sizeof(pid);) ran.pids.insert(static_cast<uint32_t>(pid));
    close(pids[0]);
    ran.status = reap(runner).status;
    return ran;
}

// The flood runs with long argv in one cgroup while nobody reads the ring for two seconds; meanwhile
// 300 marker execs run in another cgroup. Every marker's exec and exit must be reported, and the flood's
// reported, throttled and lost records must account for what it ran.
TEST(Isolation, AFloodInOneCgroupLeavesTheOthersReported) {
    REQUIRE_BPF();
    ASSERT_FALSE(cgroup2_mount().empty()) << "no cgroup2 file system mounted";
    TestCgroup flood("flood"), markers("markers");
    ASSERT_TRUE(flood.made() && markers.made()) << strerror(errno);
    TraceSession session;  // the defaults: isolation on, a 1 MiB ring

    int counts[2];
    ASSERT_EQ(pipe(counts), 0);
    constexpr int kFlooders = 4;
    std::vector<pid_t> flooders;
    for (int i = 0; i < kFlooders; ++i) flooders.push_back(start_flooder(flood, counts[1]));
    close(counts[1]);

    // The markers: 300 execs over the two seconds the reader stalls, from a child in their cgroup.
    constexpr int kMarkers = 300;
    ChildExecs marker_run = execs_in(markers, kMarkers, "marker", std::chrono::milliseconds(6));
    ASSERT_TRUE(WIFEXITED(marker_run.status) && WEXITSTATUS(marker_run.status) == 0);
    const std::set<uint32_t>& marker_set = marker_run.pids;
    ASSERT_EQ(marker_set.size(), static_cast<size_t>(kMarkers));

    for (pid_t pid : flooders) kill(pid, SIGTERM);
    uint64_t flood_ran = 0;
    for (pid_t pid : flooders) {
        Reaped reaped = reap(pid);
        EXPECT_TRUE(WIFEXITED(reaped.status) && WEXITSTATUS(reaped.status) == 0);
    }
    for (uint32_t ran; read(counts[0], &ran, sizeof(ran)) == sizeof(ran);) flood_ran += ran;
    close(counts[0]);

    // Only now the reader reads.
    session.drain_for(1500ms);

    size_t marker_execs = 0, marker_exits = 0;
    uint64_t flood_execs = 0;
    for (const Event& e : session.events()) {
        const ProcessInfo& p = process_of(e);
        bool marker = marker_set.count(p.pid) > 0;
        if (std::holds_alternative<ExecEvent>(e)) {
            if (marker) ++marker_execs;
            if (p.cgroup_id == flood.id()) ++flood_execs;
        }
        if (std::holds_alternative<ExitEvent>(e) && marker) ++marker_exits;
    }
    CgroupCounts flood_counts, marker_counts;
    for (const CgroupCounts& c : session.tracer().cgroup_counts()) {
        if (c.cgroup_id == flood.id()) flood_counts = c;
        if (c.cgroup_id == markers.id()) marker_counts = c;
    }
    EXPECT_EQ(marker_execs, static_cast<size_t>(kMarkers)) << "lost: " << marker_counts.lost;
    EXPECT_EQ(marker_exits, static_cast<size_t>(kMarkers));
    EXPECT_EQ(marker_counts.dropped_execs + marker_counts.dropped_exits + marker_counts.lost, 0u);

    EXPECT_GT(flood_counts.dropped_execs, 0u) << "the flood ran " << flood_ran << " execs";
    EXPECT_LE(flood_execs + flood_counts.dropped_execs, flood_ran);
    EXPECT_GE(flood_execs + flood_counts.dropped_execs + flood_counts.lost, flood_ran)
        << "reported " << flood_execs << ", throttled " << flood_counts.dropped_execs;
    EXPECT_EQ(session.decode_errors(), 0u);
}

// --cgroup-rate: a cgroup past N records in a second has the rest dropped and counted, whether or not the
// ring is under pressure; what was reported and what was dropped of its processes add up to what they did.
TEST(Isolation, CgroupRateLimitsRecordsPerSecond) {
    REQUIRE_BPF();
    ASSERT_FALSE(cgroup2_mount().empty()) << "no cgroup2 file system mounted";
    TestCgroup group("rate");
    ASSERT_TRUE(group.made()) << strerror(errno);
    TracerConfig config;
    config.cgroup_rate = 20;
    TraceSession session(config);

    constexpr int kExecs = 100;  // 200 records, in well under the seconds it would take at 20 a second
    ChildExecs ran = execs_in(group, kExecs, "rate", std::chrono::milliseconds(0));
    ASSERT_TRUE(WIFEXITED(ran.status) && WEXITSTATUS(ran.status) == 0);
    const std::set<uint32_t>& children = ran.pids;
    ASSERT_EQ(children.size(), static_cast<size_t>(kExecs));
    session.drain_for(500ms);

    uint64_t execs = 0, exits = 0;
    for (const Event& e : session.events()) {
        if (!children.count(process_of(e).pid)) continue;
        if (std::holds_alternative<ExecEvent>(e)) ++execs;
        if (std::holds_alternative<ExitEvent>(e)) ++exits;
    }
    CgroupCounts counts;
    for (const CgroupCounts& c : session.tracer().cgroup_counts())
        if (c.cgroup_id == group.id()) counts = c;
    EXPECT_GT(counts.dropped_execs + counts.dropped_exits, 0u);
    // The runner is in the cgroup too: it never execs, and its own exit may be among those dropped.
    EXPECT_EQ(execs + counts.dropped_execs, static_cast<uint64_t>(kExecs));
    EXPECT_GE(exits + counts.dropped_exits, static_cast<uint64_t>(kExecs));
    EXPECT_LE(exits + counts.dropped_exits, static_cast<uint64_t>(kExecs) + 1);
    EXPECT_EQ(counts.lost, 0u);
}

}  // namespace
}  // namespace bootstrap::testing
