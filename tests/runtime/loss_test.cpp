// Nothing is lost silently, seen from the binary: a tracer that cannot keep up says how much it lost, and
// how much it throttled. The tests trace only their own process tree, so the storm is the only traffic.
#include "children.h"
#include "json_lines.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <sys/stat.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <thread>

namespace bootstrap::testing {
namespace {

TEST(Loss, SigstoppedTracerReportsTheLossOnStderr) {
    REQUIRE_BPF();
    TracerProcess tracer({"-p", std::to_string(getpid()), "--ring-size", "64K", "--max-args-bytes", "8K"});
    ASSERT_TRUE(tracer.read_line(10s)) << tracer.read_stderr(100ms);
    tracer.send(SIGSTOP);
    auto stopped = std::chrono::steady_clock::now();

    constexpr int kChildren = 800;  // each child: one EXEC and one EXIT line
    std::set<std::string> pids;
    for (int i = 0; i < kChildren; ++i) pids.insert(std::to_string(reap(spawn_exec("/bin/true", {"true"})).pid));
    std::this_thread::sleep_until(stopped + 10s);  // a reader stalled for 10 s
    tracer.send(SIGCONT);

    std::vector<std::string> lines;
    for (auto& line : tracer.read_remaining_lines(1500ms)) lines.push_back(line);
    // It carries on: a process started after the stall is reported.
    std::string after = std::to_string(reap(spawn_exec("/bin/true", {"true"})).pid);
    bool after_seen = false;
    while (auto line = tracer.read_line(3s)) {
        lines.push_back(*line);
        if (line->find(" " + after + " ") != std::string::npos && line->find(" EXIT ") != std::string::npos) {
            after_seen = true;
            break;
        }
    }
    EXPECT_TRUE(after_seen) << "no EXIT line for pid " << after << " after SIGCONT";
    tracer.send(SIGINT);
    for (auto& line : tracer.read_remaining_lines(3s)) lines.push_back(line);
    ASSERT_EQ(tracer.wait(3s), 0);

    size_t seen = 0;
    uint64_t throttled = 0;
    std::regex columns(R"(^\S+ (EXEC|EXIT) +.{16} (\d+) .*$)");
    std::regex throttle_line(R"(^\S+ THROTL +- +- +- +.*: (\d+) execs, (\d+) exits since \S+$)");
    for (const auto& line : lines) {
        std::smatch m;
        if (std::regex_match(line, m, columns) && pids.count(m[2])) ++seen;
        if (std::regex_match(line, m, throttle_line)) throttled += std::stoull(m[1]) + std::stoull(m[2]);
    }
    uint64_t lost = 0;
    std::string err = tracer.read_stderr(100ms);
    std::regex lost_line(R"(bootstrap: lost (\d+) events)");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), lost_line); it != std::sregex_iterator(); ++it)
        lost += std::stoull((*it)[1]);
    EXPECT_GT(lost + throttled, 0u) << err;
    // The storm is one cgroup's flood: once the ring is under pressure it is throttled, the rest is lost.
    EXPECT_EQ(seen + lost + throttled, 2u * kChildren) << err;
}

// The cgroup the tracer counts this process in at its default level (2): its own cgroup v2 path cut after
// two components, or the whole path when it is shallower.
std::string counted_cgroup_of_self() {
    std::ifstream file("/proc/self/cgroup");
    for (std::string line; std::getline(file, line);) {
        if (line.rfind("0::", 0) != 0) continue;
        std::string path = line.substr(3);
        size_t first = path.find('/', 1);
        size_t second = first == std::string::npos ? first : path.find('/', first + 1);
        return second == std::string::npos ? path : path.substr(0, second);
    }
    return "";
}

// The same stalled storm in JSON: what was dropped is in throttle records naming this test's cgroup, and in
// lost records whose per-cgroup counts add up; with the lines seen they account for every record.
TEST(Loss, ThrottledAndLostRecordsNameTheirCgroup) {
    REQUIRE_BPF();
    std::string cgroup = counted_cgroup_of_self();
    ASSERT_FALSE(cgroup.empty()) << "no cgroup v2 line in /proc/self/cgroup";
    struct stat directory {};
    ASSERT_EQ(stat((cgroup2_mount() + cgroup).c_str(), &directory), 0) << cgroup;

    TracerProcess tracer({"-j", "-p", std::to_string(getpid()), "--ring-size", "64K", "--max-args-bytes", "8K"});
    std::this_thread::sleep_for(1500ms);  // JSON prints no header: loading takes well under this
    tracer.send(SIGSTOP);
    constexpr int kChildren = 800;
    std::set<long> pids;
    for (int i = 0; i < kChildren; ++i) pids.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    std::this_thread::sleep_for(2s);
    tracer.send(SIGCONT);
    std::this_thread::sleep_for(500ms);
    tracer.send(SIGINT);
    auto events = parse_json_lines(tracer.read_remaining_lines(5s));
    ASSERT_EQ(tracer.wait(3s), 0) << tracer.read_stderr(100ms);

    uint64_t seen = 0, lost = 0, lost_by_cgroup = 0, throttled = 0;
    for (const auto& e : events) {
        if ((e["event"] == "exec" || e["event"] == "exit") && pids.count(e["pid"].get<long>())) ++seen;
        if (e["event"] == "lost") {
            lost += e["count"].get<uint64_t>();
            for (const auto& c : e.value("cgroups", nlohmann::json::array())) {
                EXPECT_EQ(c["cgroup_id"].get<uint64_t>(), directory.st_ino) << c.dump();
                lost_by_cgroup += c["count"].get<uint64_t>();
            }
        }
        if (e["event"] == "throttle") {
            EXPECT_EQ(e["cgroup_id"].get<uint64_t>(), directory.st_ino) << e.dump();
            EXPECT_EQ(e["cgroup"], cgroup) << e.dump();
            EXPECT_LE(e["since"].get<std::string>(), e["until"].get<std::string>());
            throttled += e["dropped_execs"].get<uint64_t>() + e["dropped_exits"].get<uint64_t>();
        }
    }
    EXPECT_GT(throttled, 0u) << "the stalled storm should put the ring under pressure";
    EXPECT_EQ(lost_by_cgroup, lost);
    EXPECT_EQ(seen + lost + throttled, 2u * kChildren);
}

}  // namespace
}  // namespace bootstrap::testing
