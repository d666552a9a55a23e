// Nothing is lost silently, seen from the binary: a tracer that cannot keep up says how much it lost.
// The test traces only its own process tree, so the storm is the only traffic.
#include "children.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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
    std::regex columns(R"(^\S+ (EXEC|EXIT) +.{16} (\d+) .*$)");
    for (const auto& line : lines) {
        std::smatch m;
        if (std::regex_match(line, m, columns) && pids.count(m[2])) ++seen;
    }
    uint64_t lost = 0;
    std::string err = tracer.read_stderr(100ms);
    std::regex lost_line(R"(bootstrap: lost (\d+) events)");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), lost_line); it != std::sregex_iterator(); ++it)
        lost += std::stoull((*it)[1]);
    EXPECT_GT(lost, 0u) << err;
    EXPECT_EQ(seen + lost, 2u * kChildren) << err;
}

}  // namespace
}  // namespace bootstrap::testing
