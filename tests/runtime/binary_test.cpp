// The bootstrap binary end to end: its output for our own children, and how it ends.
#include "children.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <string>

namespace bootstrap::testing {
namespace {

const std::string kHeader = "TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE";

// Starts the binary and waits for its header, which it prints once the programs are attached.
std::unique_ptr<TracerProcess> start_tracer(const std::vector<std::string>& args) {
    auto tracer = std::make_unique<TracerProcess>(args);
    auto header = tracer->read_line(10s);
    EXPECT_EQ(header.value_or("<no header>"), kHeader) << tracer->read_stderr(100ms);
    return tracer;
}

// Lines whose PID column is `pid`.
std::vector<std::string> lines_of(const std::vector<std::string>& lines, pid_t pid) {
    std::vector<std::string> found;
    std::regex columns(R"(^\d\d:\d\d:\d\d (\S+) +.{16} (\d+) +(\d+) +(.*)$)");
    for (const auto& line : lines) {
        std::smatch m;
        if (std::regex_match(line, m, columns) && m[2] == std::to_string(pid)) found.push_back(line);
    }
    return found;
}

TEST(Binary, DurationFilterHidesShortLivedProcesses) {
    REQUIRE_BPF();
    auto tracer = start_tracer({"-d", "200"});
    pid_t short_lived = spawn_exec("/bin/sleep", {"sleep", "0.01"});
    pid_t long_lived = spawn_exec("/bin/sleep", {"sleep", "0.4"});
    reap(short_lived);
    Reaped long_child = reap(long_lived);
    ASSERT_EQ(WEXITSTATUS(long_child.status), 0);

    std::vector<std::string> lines;
    // The exit of the long-lived child must show up within the drain interval.
    while (lines_of(lines, long_lived).empty()) {
        auto line = tracer->read_line(3s);
        ASSERT_TRUE(line) << "no line for pid " << long_lived;
        lines.push_back(*line);
    }
    tracer->send(SIGINT);
    for (auto& line : tracer->read_remaining_lines(3s)) lines.push_back(line);
    EXPECT_EQ(tracer->wait(3s), 0);

    EXPECT_TRUE(lines_of(lines, short_lived).empty()) << "a 10 ms process was reported under -d 200";
    auto reported = lines_of(lines, long_lived);
    ASSERT_EQ(reported.size(), 1u);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(reported[0], m, std::regex(R"( EXIT  +sleep .*\[0\] \((\d+)ms\)$)"))) << reported[0];
    EXPECT_GE(std::stoi(m[1]), 400);
    for (const auto& line : lines) EXPECT_EQ(line.find(" EXEC "), std::string::npos) << "-d hides EXEC lines: " << line;
}

TEST(Binary, ReportsExecAndExitOfAChild) {
    REQUIRE_BPF();
    ProgramCopy program("/bin/true", "bootstrap-bin-probe");
    auto tracer = start_tracer({});
    pid_t child = spawn_exec(program.path(), {"x"});
    reap(child);
    std::vector<std::string> lines;
    while (lines_of(lines, child).size() < 2) {
        auto line = tracer->read_line(3s);
        ASSERT_TRUE(line) << "missing lines for pid " << child;
        lines.push_back(*line);
    }
    auto mine = lines_of(lines, child);
    std::string pid = std::to_string(child), ppid = std::to_string(getpid());
    EXPECT_TRUE(std::regex_match(mine[0], std::regex("^\\d\\d:\\d\\d:\\d\\d EXEC  bootstrap-bin-p  +" + pid + " +" +
                                                     ppid + " +" + program.path() + "$")))
        << mine[0];
    EXPECT_TRUE(std::regex_match(mine[1], std::regex("^\\d\\d:\\d\\d:\\d\\d EXIT  bootstrap-bin-p  +" + pid + " +" +
                                                     ppid + " +\\[0\\] \\(\\d+ms\\)$")))
        << mine[1];
    tracer->send(SIGTERM);
    EXPECT_EQ(tracer->wait(3s), 0);
}

TEST(Binary, SigintAndSigtermEndWithStatusZero) {
    REQUIRE_BPF();
    for (int sig : {SIGINT, SIGTERM}) {
        auto tracer = start_tracer({});
        tracer->send(sig);
        EXPECT_EQ(tracer->wait(3s), 0) << "after signal " << sig;
        EXPECT_EQ(tracer->read_stderr(), "");
    }
}

TEST(Binary, EndsPromptlyWhenItsReaderGoesAway) {
    REQUIRE_BPF();
    auto tracer = start_tracer({});
    // Like `bootstrap | head -3`: read two event lines, then close the pipe.
    for (int i = 0; i < 2; ++i) {
        reap(spawn([] { return 0; }));
        ASSERT_TRUE(tracer->read_line(3s));
    }
    tracer->close_stdout();
    // No further event is needed: the closed pipe alone must end it.
    EXPECT_EQ(tracer->wait(2s), 0);
    EXPECT_EQ(tracer->read_stderr(), "") << "no 'Broken pipe' or other message";
}

// -v debugs the loader users run: the light skeleton (where the kernel runs it) prints the verifier's
// figures on stderr, and the run goes on as without -v.
TEST(Binary, VerboseShowsTheLightLoadersVerifierLog) {
    REQUIRE_BPF();
    auto run = run_to_completion({"-v", "--", "/bin/sh", "-c", "exit 3"}, 20s);
    EXPECT_EQ(run.status, 3) << run.err;
    if (kernel_runs_light_loader()) {
        EXPECT_NE(run.err.find("light skeleton: loaded"), std::string::npos) << run.err;
        EXPECT_TRUE(std::regex_search(run.err, std::regex(R"(processed \d+ insns)"))) << run.err;
    }
    EXPECT_TRUE(std::regex_search(run.out, std::regex(R"( EXIT +sh +\d+ +\d+ +\[3\])"))) << run.out;
}

}  // namespace
}  // namespace bootstrap::testing
