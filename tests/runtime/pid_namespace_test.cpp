// A tracer started inside a pid namespace of its own (a container's, or `unshare -p`): it traces that
// namespace's processes under the numbers they have there, and nothing from outside. The ground truth is
// what the shells inside report of themselves ($$, $PPID, $!) and what they were told to do.
#include "children.h"
#include "file_text.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bootstrap::testing {
namespace {

std::vector<nlohmann::json> json_events_in(const std::string& path) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return parse_json_lines(lines);
}

// Runs `script` with sh inside a new pid namespace with its own /proc; returns its exit code, or -1. A run
// that hangs is killed with the whole namespace (the death of its first process ends every other).
int run_in_pid_namespace(const std::string& script) {
    std::string command =
        "timeout -s KILL 40 unshare --pid --fork --kill-child --mount-proc /bin/sh -c '" + script + "'";
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool is_exec_of(const nlohmann::json& e, const std::string& filename) {
    return e.value("event", "") == "exec" && e.value("filename", "") == filename;
}

// Command mode inside the namespace: its command and the command's child are traced, with the pids the
// shell sees for itself, and its exit code is returned (it used to print nothing but the summary).
TEST(PidNamespace, CommandModeTracesTheCommandWithTheNamespacesPids) {
    REQUIRE_BPF();
    TempFile out("bootstrap-pidns-out"), self("bootstrap-pidns-self");
    int status =
        run_in_pid_namespace(std::string(BOOTSTRAP_BINARY) + " -j -o " + out.path() +
                             " -- /bin/sh -c \"echo \\$\\$ \\$PPID > " + self.path() + "; /bin/true; exit 7\"");
    ASSERT_EQ(status, 7) << read_file(out.path());
    long shell = 0, tracer = 0;
    std::istringstream(read_file(self.path())) >> shell >> tracer;
    ASSERT_GT(shell, 0);
    ASSERT_LT(tracer, shell) << "the namespace numbers from 1: the tracer came first";

    auto events = json_events_in(out.path());
    auto shell_execs = select(events, "exec", shell);
    ASSERT_EQ(shell_execs.size(), 1u) << read_file(out.path());
    EXPECT_EQ(shell_execs[0]["ppid"], tracer);
    auto shell_exits = select(events, "exit", shell);
    ASSERT_EQ(shell_exits.size(), 1u);
    EXPECT_EQ(shell_exits[0]["exit_code"], 7);
    int children = 0;
    for (const auto& e : events) {
        if (!is_exec_of(e, "/bin/true")) continue;
        ++children;
        EXPECT_EQ(e["ppid"], shell) << e.dump();
        EXPECT_GT(e["pid"].get<long>(), shell) << "numbered in the namespace, after the shell";
    }
    EXPECT_EQ(children, 1);
}

// A shell inside the namespace waits for a go file, then runs `/bin/echo inside`. The tracer runs there with
// `tracer_args` (where $! is that shell's pid); once it has written its first line (--existing lists the
// processes running), this test runs `/bin/echo outside` outside the namespace, and then the go file is
// created.
// Returns the tracer's JSON events and the inside shell's pid in the namespace.
struct InsideRun {
    std::vector<nlohmann::json> events;
    long shell = 0;
    pid_t outside = 0;
};

InsideRun trace_inside(const std::string& tracer_args) {
    TempFile out("bootstrap-pidns-out"), go("bootstrap-pidns-go"), followed("bootstrap-pidns-pid"),
        outside_done("bootstrap-pidns-outside");
    unlink(go.path().c_str());
    unlink(outside_done.path().c_str());
    std::string script = "/bin/sh -c \"until [ -e " + go.path() + " ]; do sleep 0.02; done; /bin/echo inside\" & " +
                         "echo $! > " + followed.path() + "; " + BOOTSTRAP_BINARY + " -j --existing " + tracer_args +
                         " -o " + out.path() + " & tracer=$!; until [ -s " + out.path() +
                         " ]; do sleep 0.02; done; until [ -e " + outside_done.path() +
                         " ]; do sleep 0.02; done; /bin/echo not-followed > /dev/null; touch " + go.path() +
                         "; wait %1; sleep 0.3; kill $tracer; wait $tracer";
    InsideRun run;
    std::thread host([&] {
        struct stat st {};
        for (int i = 0; i < 2000 && (stat(out.path().c_str(), &st) != 0 || st.st_size == 0); ++i)
            std::this_thread::sleep_for(10ms);
        run.outside = run_child([] {
                          execl("/bin/echo", "echo", "outside", static_cast<char*>(nullptr));
                          return 127;
                      }).pid;
        std::ofstream(outside_done.path()).put('\n');
    });
    int status = run_in_pid_namespace(script);
    host.join();
    EXPECT_EQ(status, 0) << read_file(out.path());
    run.shell = std::stol(read_file(followed.path()));
    run.events = json_events_in(out.path());
    return run;
}

// The execs of `/bin/echo WORD` among the events.
std::vector<nlohmann::json> echoes(const std::vector<nlohmann::json>& events, const std::string& word) {
    std::vector<nlohmann::json> found;
    for (const auto& e : events)
        if (is_exec_of(e, "/bin/echo") && e["argv"].back() == word) found.push_back(e);
    return found;
}

// With no filter, the tracer sees every process of its namespace and none outside it: a host process
// reaches the output neither under its own pid nor another's.
TEST(PidNamespace, ProcessesOutsideTheNamespaceAreNotSeen) {
    REQUIRE_BPF();
    InsideRun run = trace_inside("");
    ASSERT_GT(run.outside, 0);
    for (const auto& e : run.events) EXPECT_NE(e.value("pid", 0L), run.outside) << "a host pid: " << e.dump();
    EXPECT_TRUE(echoes(run.events, "outside").empty());
    auto inside = echoes(run.events, "inside");
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_EQ(inside[0]["ppid"], run.shell);
    EXPECT_EQ(echoes(run.events, "not-followed").size(), 1u);
}

// -p inside the namespace follows the namespace's process of that number and its children (it used to
// follow whatever host process had that number).
TEST(PidNamespace, FollowedPidIsTheNamespaces) {
    REQUIRE_BPF();
    InsideRun run = trace_inside("-p $!");
    auto inside = echoes(run.events, "inside");
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_EQ(inside[0]["ppid"], run.shell);
    EXPECT_TRUE(echoes(run.events, "not-followed").empty()) << "not in the followed tree";
    EXPECT_TRUE(echoes(run.events, "outside").empty());
}

}  // namespace
}  // namespace bootstrap::testing
