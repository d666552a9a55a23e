// exec_id and parent_exec_id as the binary writes them: the same for every tracer of the same processes,
// and two processes when a pid is used twice.
#include "children.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace bootstrap::testing {
namespace {

// Loading takes a few hundred milliseconds and JSON mode prints no header: wait well over that.
constexpr auto kAttachWait = 1500ms;

std::vector<nlohmann::json> stop_and_read(TracerProcess& tracer) {
    std::this_thread::sleep_for(300ms);  // more than the 50 ms a record waits in a burst
    tracer.send(SIGINT);
    auto lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr(100ms);
    return parse_json_lines(lines);
}

std::string only_exec_id(const std::vector<nlohmann::json>& events, const std::string& event, pid_t pid) {
    auto found = select(events, event, pid);
    EXPECT_EQ(found.size(), 1u) << event << " of " << pid;
    return found.empty() ? "" : found[0]["exec_id"].get<std::string>();
}

TEST(ExecId, ExecTwiceIsTwoIdsAndTheExitCarriesTheSecond) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "--ppid", std::to_string(getpid())});
    std::this_thread::sleep_for(kAttachWait);
    Reaped shell = reap(spawn_exec("/bin/sh", {"sh", "-c", "exec /bin/sh -c '/bin/true; exit 6'"}));
    ASSERT_EQ(WEXITSTATUS(shell.status), 6);
    tracer.send(SIGINT);
    auto lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0);
    auto events = parse_json_lines(lines);

    // The shell execs twice (sh, then sh again): two exec_ids, and its exit carries the second.
    auto shell_execs = select(events, "exec", shell.pid);
    ASSERT_EQ(shell_execs.size(), 2u);
    std::string first = shell_execs[0]["exec_id"], second = shell_execs[1]["exec_id"];
    EXPECT_NE(first, second);
    EXPECT_EQ(first.size(), 16u);
    EXPECT_EQ(only_exec_id(events, "exit", shell.pid), second);
    EXPECT_EQ(shell_execs[1]["parent_exec_id"], shell_execs[0]["parent_exec_id"]) << "the same parent: this test";
}

// -p follows the whole tree: the shell and the child it forks.
TEST(ExecId, GrandchildNamesItsParentsExecId) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "-p", std::to_string(getpid())});
    std::this_thread::sleep_for(kAttachWait);
    Reaped shell = reap(spawn_exec("/bin/sh", {"sh", "-c", "/bin/true; exit 0"}));
    auto events = stop_and_read(tracer);
    std::string shell_id = only_exec_id(events, "exec", shell.pid);
    int children = 0;
    for (const auto& e : events) {
        if (e["event"] != "exec" || e["ppid"] != shell.pid) continue;
        ++children;
        EXPECT_EQ(e["parent_exec_id"], shell_id);
    }
    EXPECT_EQ(children, 1);
}

// Two tracers at once name every process alike: the id is the kernel's facts, not a counter of theirs.
TEST(ExecId, TwoTracersAgree) {
    REQUIRE_BPF();
    std::vector<std::string> args = {"-j", "--ppid", std::to_string(getpid())};
    TracerProcess one(args), two(args);
    std::this_thread::sleep_for(kAttachWait);
    std::vector<pid_t> children;
    for (int i = 0; i < 5; ++i) children.push_back(reap(spawn_exec("/bin/true", {"true"})).pid);
    children.push_back(run_child([] { return 0; }).pid);  // never execs: its exit still has an id
    auto first = stop_and_read(one), second = stop_and_read(two);
    for (pid_t pid : children) {
        for (const char* event : {"exec", "exit"}) {
            auto a = select(first, event, pid), b = select(second, event, pid);
            if (std::string(event) == "exec" && pid == children.back()) continue;
            ASSERT_EQ(a.size(), 1u) << event << " " << pid;
            ASSERT_EQ(b.size(), 1u) << event << " " << pid;
            EXPECT_EQ(a[0]["exec_id"], b[0]["exec_id"]);
            EXPECT_EQ(a[0]["parent_exec_id"], b[0]["parent_exec_id"]);
        }
    }
}

// Forks until a child gets `pid` again, steering the kernel with ns_last_pid; other processes on the
// host can take the number first, so it tries a few times.
std::optional<Reaped> exec_true_as(pid_t pid) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::ofstream("/proc/sys/kernel/ns_last_pid") << pid - 1;
        Reaped child = reap(spawn_exec("/bin/true", {"true"}));
        if (child.pid == pid) return child;
    }
    return std::nullopt;
}

// A pid used twice is two processes: two exec_ids, and the summary and the timeline count two, even
// when no exit says the first one ended.
TEST(ExecId, PidReusedIsTwoProcesses) {
    REQUIRE_BPF();
    TempFile trace("bootstrap-reuse-trace");
    TracerProcess tracer({"-j", "-s", "--exec-only", "--ppid", std::to_string(getpid()), "--trace", trace.path()});
    std::this_thread::sleep_for(kAttachWait);
    pid_t pid = reap(spawn_exec("/bin/true", {"true"})).pid;
    auto again = exec_true_as(pid);
    auto events = stop_and_read(tracer);
    ASSERT_TRUE(again) << "pid " << pid << " could not be had again";

    auto execs = select(events, "exec", pid);
    ASSERT_EQ(execs.size(), 2u);
    EXPECT_NE(execs[0]["exec_id"], execs[1]["exec_id"]);
    ASSERT_FALSE(events.empty());
    const auto& summary = events.back();
    ASSERT_EQ(summary["event"], "summary");
    EXPECT_EQ(summary["processes"], 2);
    EXPECT_EQ(summary["execs"], 2);

    std::ifstream file(trace.path());
    auto timeline = nlohmann::json::parse(file);
    int slices = 0;
    for (const auto& e : timeline["traceEvents"])
        if (e["ph"] == "X" && e["args"]["pid"] == pid) ++slices;
    EXPECT_EQ(slices, 2);
}

// A process started before the tracer is reported with its arguments, and its exit joins to it.
TEST(Existing, ARunningProcessIsReportedAndItsExitCarriesTheSameExecId) {
    REQUIRE_BPF();
    pid_t sleeper = spawn_exec("/bin/sleep", {"sleep", "1.5", "0.1"});
    std::this_thread::sleep_for(100ms);  // it has exec'd by now
    TracerProcess tracer({"-j", "--existing", "--ppid", std::to_string(getpid())});
    Reaped reaped = reap(sleeper);
    ASSERT_EQ(WEXITSTATUS(reaped.status), 0);
    auto events = stop_and_read(tracer);

    auto existing = select(events, "existing", sleeper);
    ASSERT_EQ(existing.size(), 1u);
    EXPECT_EQ(existing[0]["argv"], nlohmann::json({"sleep", "1.5", "0.1"}));
    EXPECT_EQ(existing[0]["filename"], "/usr/bin/sleep");
    EXPECT_EQ(existing[0]["ppid"], getpid());
    EXPECT_EQ(existing[0]["uid"], getuid());
    EXPECT_EQ(existing[0]["exec_id"], only_exec_id(events, "exit", sleeper));
    for (const auto& e : events)
        if (e["event"] == "existing") {
            EXPECT_EQ(e["ppid"], getpid()) << "--ppid applies to existing processes too";
        }
}

// --ancestors names the chain the process itself reads from /proc at the time of its exec.
TEST(Ancestors, ThreeShellsDeepMatchTheirParentChainInProc) {
    REQUIRE_BPF();
    TempFile chain_file("bootstrap-chain");
    TracerProcess tracer({"-j", "--ancestors", "-p", std::to_string(getpid())});
    std::this_thread::sleep_for(kAttachWait);
    // The innermost shell walks its ppids up to 1 (the field after the comm's closing parenthesis and
    // the state), writes them down, then becomes /bin/true with its parents still waiting for it.
    TempFile script("bootstrap-walk");
    std::ofstream(script.path()) << "p=$$; c=\nwhile [ \"$p\" != 1 ] && [ \"$p\" != 0 ]; do\n"
                                 << "  p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2); c=\"$c $p\"\ndone\n"
                                 << "echo $c > " << chain_file.path() << "\nexec /bin/true marker-of-the-innermost\n";
    std::string middle = "/bin/sh -c '/bin/sh " + script.path() + "; exit 0'; exit 0";
    Reaped outer = reap(spawn_exec("/bin/sh", {"sh", "-c", middle}));
    ASSERT_EQ(WEXITSTATUS(outer.status), 0);
    auto events = stop_and_read(tracer);

    std::ifstream file(chain_file.path());
    std::vector<long> expected;
    for (long pid; file >> pid;) expected.push_back(pid);
    ASSERT_GE(expected.size(), 4u) << "shell, shell, test, ... , 1";

    const nlohmann::json* exec = nullptr;
    for (const auto& e : events)
        if (e["event"] == "exec" && e["argv"].size() == 2 && e["argv"][1] == "marker-of-the-innermost") exec = &e;
    ASSERT_NE(exec, nullptr);
    std::vector<long> reported;
    for (const auto& a : (*exec)["ancestors"]) reported.push_back(a["pid"].get<long>());
    EXPECT_EQ(reported, expected);
    EXPECT_EQ((*exec)["ancestors"][0]["exec_id"], (*exec)["parent_exec_id"]);
    EXPECT_EQ((*exec)["ancestors"][0]["comm"], "sh");
}

// The tracer's anonymous resident memory (heap), from /proc/PID/status; the ring buffer's pages are not in it.
long anonymous_rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
    return -1;
}

// Children named `comm` that exit at once: their exits pass `-c comm`. Returns once the tracer has written
// the exit of one, so every record before it has been read (and the tracer is attached). One more is
// started every half second until then: the tracer may still be loading.
bool exit_seen_named(TracerProcess& tracer, const std::string& comm) {
    std::set<long> markers;
    for (int attempt = 0; attempt < 40; ++attempt) {
        markers.insert(reap(spawn([&] {
                           prctl(PR_SET_NAME, comm.c_str());
                           return 0;
                       })).pid);
        while (auto line = tracer.read_line(500ms)) {
            auto event = nlohmann::json::parse(*line, nullptr, false);
            if (!event.is_discarded() && event.value("event", "") == "exit" && markers.contains(event.value("pid", 0L)))
                return true;
        }
    }
    return false;
}

// `count` processes forked by a process named `comm` (so the kernel reports their forks under -c comm),
// each renaming itself before it exits (so their exits do not pass -c).
void fork_renamed(const std::string& comm, int count) {
    Reaped storm = reap(spawn([&] {
        prctl(PR_SET_NAME, comm.c_str());
        for (int i = 0; i < count; ++i) {
            pid_t child = fork();
            if (child == 0) {
                prctl(PR_SET_NAME, "renamed");
                _exit(0);
            }
            if (child < 0 || waitpid(child, nullptr, 0) != child) return 1;
        }
        return 0;
    }));
    ASSERT_EQ(WEXITSTATUS(storm.status), 0);
}

// --ancestors keeps a process table by fork, exec and exit records: a process whose fork passed the filter
// and whose exit does not must still leave it, or the tracer grows with every such process (forks of a
// shell that run other programs, under -c sh). 10,000 of them leave its heap where it was.
TEST(Ancestors, TableForgetsProcessesWhoseExitsTheFiltersLeaveOut) {
    REQUIRE_BPF();
    std::string comm = "anc" + std::to_string(getpid());
    // Under AddressSanitizer freed memory waits in a quarantine, which would grow the heap as much as a
    // table that never frees: without it, the heap measures what is held, as in a plain build.
    TracerProcess tracer({"-j", "--ancestors", "-c", comm}, true,
                         {{"ASAN_OPTIONS", "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"}});
    ASSERT_TRUE(exit_seen_named(tracer, comm)) << tracer.read_stderr(100ms);
    fork_renamed(comm, 2000);  // the table and the allocator at their working size
    ASSERT_TRUE(exit_seen_named(tracer, comm));
    long before = anonymous_rss_kb(tracer.pid());
    fork_renamed(comm, 10000);
    ASSERT_TRUE(exit_seen_named(tracer, comm));
    long after = anonymous_rss_kb(tracer.pid());
    ASSERT_GT(before, 0);
    // An entry left behind takes about 170 bytes: 10,000 of them grew the heap by 1.7 MB.
    EXPECT_LT(after - before, 512) << "RssAnon " << before << " kB -> " << after << " kB";
    RecordProperty("rss_anon_growth_kb", std::to_string(after - before));
    tracer.send(SIGINT);
    tracer.read_remaining_lines(5s);
    std::string errors = tracer.read_stderr(100ms);
    EXPECT_EQ(tracer.wait(3s), 0) << errors;
    EXPECT_EQ(errors.find("lost"), std::string::npos) << errors;
}

// The comm this test's forked children start with: the test program's.
std::string own_comm() {
    std::string comm;
    std::getline(std::ifstream("/proc/self/comm"), comm);
    return comm;
}

const nlohmann::json* exec_with_marker(const std::vector<nlohmann::json>& events, const std::string& marker) {
    for (const auto& e : events)
        if (e["event"] == "exec" && e["argv"].size() == 2 && e["argv"][1] == marker) return &e;
    return nullptr;
}

// fork, fork, the middle one exits, the grandchild is re-parented and then execs: its chain still starts
// with the process that forked it, then this test.
TEST(Ancestors, AnOrphanStillNamesWhoForkedIt) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "--ancestors", "-p", std::to_string(getpid())});
    std::this_thread::sleep_for(kAttachWait);
    Reaped middle = reap(spawn([] {
        pid_t forker = getpid();
        pid_t grandchild = fork();
        if (grandchild < 0) return 125;
        if (grandchild == 0) {
            for (int i = 0; i < 2000 && getppid() == forker; ++i) usleep(1000);  // until re-parented
            execl("/bin/true", "true", "marker-of-the-orphan", static_cast<char*>(nullptr));
            _exit(127);
        }
        return 0;
    }));
    ASSERT_EQ(WEXITSTATUS(middle.status), 0);
    std::this_thread::sleep_for(200ms);  // the grandchild's wait for its new parent, and its exec
    auto events = stop_and_read(tracer);

    const nlohmann::json* exec = exec_with_marker(events, "marker-of-the-orphan");
    ASSERT_NE(exec, nullptr);
    EXPECT_NE((*exec)["ppid"], middle.pid) << "re-parented before its exec";
    ASSERT_GE((*exec)["ancestors"].size(), 2u) << exec->dump();
    EXPECT_EQ((*exec)["ancestors"][0]["pid"], middle.pid) << exec->dump();
    EXPECT_EQ((*exec)["ancestors"][1]["pid"], getpid()) << exec->dump();
}

// A parent that forks a child and then execs /bin/sleep: the child's parent_exec_id and chain name the
// parent as it was when it forked (this test's program, never exec'd), not sleep.
TEST(Ancestors, AParentThatExecsAfterTheForkIsNamedAsItWasAtTheFork) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "--ancestors", "-p", std::to_string(getpid())});
    std::this_thread::sleep_for(kAttachWait);
    pid_t parent = spawn([] { return fork_then_exec_sleep("marker-of-the-child"); });
    Reaped reaped = reap(parent);
    ASSERT_EQ(WEXITSTATUS(reaped.status), 0);
    auto events = stop_and_read(tracer);

    auto sleeps = select(events, "exec", parent);
    ASSERT_EQ(sleeps.size(), 1u);
    const nlohmann::json* exec = exec_with_marker(events, "marker-of-the-child");
    ASSERT_NE(exec, nullptr);
    EXPECT_NE((*exec)["parent_exec_id"], sleeps[0]["exec_id"]) << "it was forked before the parent became sleep";
    ASSERT_GE((*exec)["ancestors"].size(), 2u) << exec->dump();
    const auto& first = (*exec)["ancestors"][0];
    EXPECT_EQ(first["pid"], parent);
    EXPECT_EQ(first["exec_id"], (*exec)["parent_exec_id"]);
    EXPECT_EQ(first["comm"], own_comm()) << exec->dump();
    EXPECT_EQ(first["filename"], nullptr) << "the parent had not exec'd when it forked";
    EXPECT_EQ((*exec)["ancestors"][1]["pid"], getpid());
}

}  // namespace
}  // namespace bootstrap::testing
