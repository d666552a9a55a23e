// What a traced process can do to the tracer's output, and how the tracer's results hold up in the
// corners: each test is named after the case it checks and builds on the command that showed it.
#include "children.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace bootstrap::testing {
namespace {

std::string status_field_of(pid_t pid, const std::string& name) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
    return "";
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// Text columns cannot be spoofed: a name with spaces keeps every line in the same columns, and a name
// padded with an invisible character does not pass for another.
TEST(Hardening, TextColumnsHoldWhateverTheName) {
    REQUIRE_BPF();
    TracerProcess tracer({"--ppid", std::to_string(getpid())});
    ASSERT_TRUE(tracer.read_line(10s)) << "no header";
    Reaped spoof = run_child([] {
        prctl(PR_SET_NAME, "cron 1 1 [0]");
        return 0;
    });
    Reaped lookalike = run_child([] {
        prctl(PR_SET_NAME, "sshd\xe3\x85\xa4");  // U+3164 HANGUL FILLER
        return 0;
    });
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    auto lines = tracer.read_remaining_lines(5s);
    ASSERT_EQ(tracer.wait(3s), 0);

    int seen = 0;
    for (const std::string& line : lines) {
        auto columns = words(line);
        if (columns.size() < 6 || columns[1] != "EXIT") continue;
        if (columns[2].rfind("cron", 0) == 0) {
            ++seen;
            EXPECT_EQ(columns[2], "cron\\x201\\x201\\x20[0]");
            EXPECT_EQ(columns[3], std::to_string(spoof.pid)) << "awk '{print $4}' reads the pid: " << line;
        }
        if (columns[2].rfind("sshd", 0) == 0) {
            ++seen;
            EXPECT_EQ(columns[2], "sshd\\u{3164}") << line;
            EXPECT_EQ(columns[3], std::to_string(lookalike.pid));
        }
    }
    EXPECT_EQ(seen, 2);
}

// The timeline file is ASCII like the event lines: a name with a bidi override or a C1 control (CSI)
// arrives as \u escapes, and the file still parses.
TEST(Hardening, TimelineFileIsAscii) {
    REQUIRE_BPF();
    TempFile trace("bootstrap-ascii-trace");
    auto run = run_to_completion({"--trace", trace.path(), "-o", "/dev/null", "--", "/bin/sh", "-c",
                                  "printf '\\342\\200\\256evil\\302\\233[2J' > /proc/self/comm; exit 3"},
                                 20s);
    EXPECT_EQ(run.status, 3) << run.err;
    std::ifstream file(trace.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    for (size_t i = 0; i < bytes.size(); ++i)
        ASSERT_LT(static_cast<unsigned char>(bytes[i]), 0x80) << "byte " << i << " is not ASCII";
    auto timeline = nlohmann::json::parse(bytes);
    bool renamed = false;
    for (const auto& e : timeline["traceEvents"])
        if (e["ph"] == "X" && e["name"].get<std::string>().find("evil") != std::string::npos) renamed = true;
    EXPECT_TRUE(renamed) << "the shell's slice carries its new name, decoded";
}

// -p with a thread's id is refused with the process id to give instead (it used to trace nothing).
TEST(Hardening, PidOfAThreadIsRefusedNamingItsProcess) {
    REQUIRE_BPF();
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    std::thread thread([&] {
        tid = gettid();
        while (!done) std::this_thread::sleep_for(10ms);
    });
    while (!tid) std::this_thread::sleep_for(1ms);
    auto run = run_to_completion({"-p", std::to_string(tid.load())}, 10s);
    done = true;
    thread.join();
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.err.rfind("bootstrap: -p/--pid: " + std::to_string(tid.load()) + " is a thread of process " +
                                std::to_string(getpid()) + ": give the process id, " + std::to_string(getpid()) + "\n",
                            0),
              0u)
        << run.err;
}

// -x in command mode shows the command's failed execs, not the tracer's own search of PATH for it.
TEST(Hardening, CommandModeDoesNotReportTheSearchOfPath) {
    REQUIRE_BPF();
    TracerProcess tracer({"-x", "-j", "--", "true"}, true, {{"PATH", "/nonexistent-1:/nonexistent-2:/usr/bin:/bin"}});
    auto lines = tracer.read_remaining_lines(20s);
    EXPECT_EQ(tracer.wait(5s), 0) << tracer.read_stderr(100ms);
    auto events = parse_json_lines(lines);
    int execs = 0;
    for (const auto& e : events) {
        EXPECT_NE(e["event"], "exec_failed") << e.dump();
        if (e["event"] == "exec") {
            ++execs;
            EXPECT_EQ(e["filename"], "/usr/bin/true");
        }
    }
    EXPECT_EQ(execs, 1);
}

// With -d (exits only) the timeline still starts each process when it started, and the summary's span
// is the run's: a 2 s command is not "traced for 0.001 s", nor are its processes squashed to the start.
TEST(Hardening, DurationFilterKeepsRealStartsInTheTimelineAndTheSummary) {
    REQUIRE_BPF();
    TempFile trace("bootstrap-d-trace"), out("bootstrap-d-out");
    auto started = std::chrono::steady_clock::now();
    auto run = run_to_completion({"-d", "100", "-j", "-s", "-o", out.path(), "--trace", trace.path(), "--", "/bin/sh",
                                  "-c", "/bin/sleep 1 & /bin/sleep 2; wait"},
                                 20s);
    auto lasted = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(run.status, 0) << run.err;

    std::ifstream trace_file(trace.path());
    auto timeline = nlohmann::json::parse(trace_file);
    std::vector<double> sleeps;
    double shell = -1;
    for (const auto& e : timeline["traceEvents"]) {
        if (e["ph"] != "X") continue;
        EXPECT_FALSE(e["args"].contains("started_before_trace")) << e.dump();
        double seconds = e["dur"].get<double>() / 1e6;
        if (e["name"] == "sleep") sleeps.push_back(seconds);
        if (e["name"] == "sh") shell = seconds;
    }
    std::sort(sleeps.begin(), sleeps.end());
    ASSERT_EQ(sleeps.size(), 2u);
    EXPECT_NEAR(sleeps[0], 1.0, 0.3);
    EXPECT_NEAR(sleeps[1], 2.0, 0.3);
    EXPECT_NEAR(shell, 2.0, 0.3);

    std::ifstream out_file(out.path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(out_file, line);) lines.push_back(line);
    auto events = parse_json_lines(lines);
    ASSERT_FALSE(events.empty());
    ASSERT_EQ(events.back()["event"], "summary");
    auto span = std::chrono::nanoseconds(events.back()["span_ns"].get<int64_t>());
    EXPECT_GE(span, 2s);
    EXPECT_LE(span, lasted);
}

// -d reports a process that exec'd before tracing began by its age since fork (it used to be dropped
// for want of an exec time), and still leaves out one that did not live long enough.
TEST(Hardening, DurationFilterReportsProcessesExecdBeforeTracing) {
    REQUIRE_BPF();
    pid_t long_lived = spawn_exec("/bin/sleep", {"sleep", "2"});
    pid_t short_lived = spawn_exec("/bin/sleep", {"sleep", "0.2"});
    TracerProcess tracer({"-j", "-d", "1000", "--ppid", std::to_string(getpid())});
    reap(short_lived);
    Reaped reaped = reap(long_lived);
    ASSERT_EQ(WEXITSTATUS(reaped.status), 0);
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    auto events = parse_json_lines(tracer.read_remaining_lines(5s));
    EXPECT_EQ(tracer.wait(3s), 0);
    auto exits = select(events, "exit", long_lived);
    ASSERT_EQ(exits.size(), 1u) << "a 2 s process under -d 1000";
    EXPECT_GE(exits[0]["age_ns"].get<uint64_t>(), 1'000'000'000u);
    EXPECT_TRUE(select(events, "exit", short_lived).empty());
}

// The timeline nests processes by fork: a subshell that never execs is a track of its own, between the
// shell and the program it runs, even with no exit record to name it (--exec-only).
TEST(Hardening, TimelineNestsByForkWithoutExitRecords) {
    REQUIRE_BPF();
    TempFile trace("bootstrap-fork-trace");
    auto run = run_to_completion({"--exec-only", "--trace", trace.path(), "-o", "/dev/null", "--", "/bin/sh", "-c",
                                  "(/bin/true; exit 0); exit 0"},
                                 20s);
    ASSERT_EQ(run.status, 0) << run.err;
    std::ifstream file(trace.path());
    auto timeline = nlohmann::json::parse(file);
    std::map<long, std::string> labels;  // track -> "parent: comm (pid)"
    std::map<long, long> ppid_of;        // track -> the kernel's ppid of its process
    long true_track = -1;
    for (const auto& e : timeline["traceEvents"]) {
        if (e["name"] == "process_labels") labels[e["pid"]] = e["args"]["labels"];
        if (e["ph"] == "X") ppid_of[e["pid"]] = e["args"]["ppid"];
        if (e["ph"] == "X" && e["name"] == "true") true_track = e["pid"];
    }
    ASSERT_NE(true_track, -1);
    long subshell = ppid_of[true_track];
    ASSERT_TRUE(ppid_of.count(subshell)) << "the subshell that forked true has a track";
    EXPECT_EQ(labels[true_track], "parent: sh (" + std::to_string(subshell) + ")");
    long shell = ppid_of[subshell];
    EXPECT_EQ(labels[subshell], "parent: sh (" + std::to_string(shell) + ")");
}

// A script's record shows its interpreter: -a prints the command line the kernel runs, not the script's
// path twice; JSON has it as `interpreter`.
TEST(Hardening, ScriptShowsItsInterpreter) {
    REQUIRE_BPF();
    TempFile script("bootstrap-script", 0700);
    { std::ofstream(script.path()) << "#!/bin/sh\nexit 0\n"; }
    auto text = run_to_completion({"-a", "--", script.path(), "one"}, 20s);
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find(" /bin/sh " + script.path() + " one\n"), std::string::npos) << text.out;
    auto json = run_to_completion({"-j", "--", script.path(), "one"}, 20s);
    ASSERT_EQ(json.status, 0) << json.err;
    std::istringstream lines(json.out);
    int scripts = 0;
    for (std::string line; std::getline(lines, line);) {
        auto record = nlohmann::json::parse(line);
        if (record["event"] != "exec" || record["filename"] != script.path()) continue;
        ++scripts;
        EXPECT_EQ(record["interpreter"], "/bin/sh");
    }
    EXPECT_EQ(scripts, 1);
}

// -o does not follow another user's symlink in a sticky world-writable directory (as protected_symlinks
// would not), and never leaves the events readable by others, even in a file that was.
TEST(Hardening, OutputFileIsNotRedirectedNorLeftReadable) {
    REQUIRE_BPF();
    TempFile victim("bootstrap-victim", 0644);
    std::ofstream(victim.path()) << "keep\n";
    std::string link = "/tmp/bootstrap-link-" + std::to_string(getpid());
    unlink(link.c_str());
    ASSERT_EQ(symlink(victim.path().c_str(), link.c_str()), 0);
    ASSERT_EQ(lchown(link.c_str(), 65534, 65534), 0) << "the link now belongs to nobody";
    auto redirected = run_to_completion({"-o", link, "--", "/bin/true"}, 10s);
    unlink(link.c_str());
    EXPECT_EQ(redirected.status, 2);
    EXPECT_EQ(redirected.err.rfind("bootstrap: -o/--output: " + link + " is a symlink of uid 65534", 0), 0u)
        << redirected.err;
    std::ifstream kept(victim.path());
    std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "keep\n");

    TempFile shared("bootstrap-shared", 0666);
    auto written = run_to_completion({"-o", shared.path(), "--", "/bin/true"}, 10s);
    EXPECT_EQ(written.status, 0) << written.err;
    struct stat st {};
    ASSERT_EQ(stat(shared.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << "the events are readable by their owner only";
}

// A write error in command mode no longer ends the run at once, orphaning the command: the tracer
// reports it, follows the command to its end, returns its status and still writes the timeline.
TEST(Hardening, CommandModeSurvivesAWriteError) {
    REQUIRE_BPF();
    TempFile trace("bootstrap-full-trace");
    auto started = std::chrono::steady_clock::now();
    auto run = run_to_completion(
        {"-o", "/dev/full", "--trace", trace.path(), "--", "/bin/sh", "-c", "/bin/sleep 1; exit 5"}, 20s);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1s) << "it waited for the command";
    EXPECT_EQ(run.status, 5);
    EXPECT_NE(run.err.find("bootstrap: cannot write to /dev/full: No space left on device"), std::string::npos)
        << run.err;
    std::ifstream file(trace.path());
    auto timeline = nlohmann::json::parse(file);
    bool shell = false;
    for (const auto& e : timeline["traceEvents"])
        if (e["ph"] == "X" && e["name"] == "sh" && e["args"]["exit_code"] == 5) shell = true;
    EXPECT_TRUE(shell) << "the timeline has the command, exit code and all";
}

// A command can no longer kill its tracer to hide what it does next: the tracer runs as an identity of
// its own, not the command's user, and the command is started only once it has switched.
TEST(Hardening, TheCommandCannotKillItsTracer) {
    REQUIRE_BPF();
    auto run = run_to_completion({"-j", "--run-as", "nobody", "--", "/bin/sh", "-c",
                                  "kill -KILL $PPID 2>/dev/null; /bin/echo hidden >/dev/null; exit 4"},
                                 20s);
    EXPECT_EQ(run.status, 4) << "the tracer lived to return the command's status; " << run.err;
    bool echoed = false;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
        auto record = nlohmann::json::parse(line);
        if (record["event"] == "exec" && record["filename"] == "/bin/echo") echoed = true;
    }
    EXPECT_TRUE(echoed) << "what came after the kill is recorded";
}

// Nothing running as nobody (or as any user) can stop, freeze or limit the tracer any more.
TEST(Hardening, OtherUsersCannotStopOrLimitTheTracer) {
    REQUIRE_BPF();
    TracerProcess tracer({"-o", "/dev/null"});
    std::this_thread::sleep_for(1500ms);
    std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    std::string pid = std::to_string(tracer.pid());
    for (const std::string& attempt :
         {"kill -TERM " + pid, "kill -STOP " + pid, "prlimit --fsize=0 --pid " + pid, "renice -n 19 -p " + pid})
        EXPECT_NE(std::system((as_nobody + attempt + " 2>/dev/null").c_str()), 0) << attempt;
    EXPECT_FALSE(tracer.wait(200ms)) << "still running";
    EXPECT_EQ(status_field_of(tracer.pid(), "State").find('T'), std::string::npos) << "not stopped";
    tracer.send(SIGTERM);
    EXPECT_EQ(tracer.wait(3s), 0);
}

// Descendants that outlive the command are no longer dropped silently: the summary says how many were
// left running, and --wait follows them to their end, so the late exec is recorded.
TEST(Hardening, LateDescendantsAreCountedAndCanBeWaitedFor) {
    REQUIRE_BPF();
    const std::string script = "(/bin/sleep 0.5; /bin/echo late >/dev/null) & exit 0";
    auto summary_of = [](const Completed& run) {
        std::istringstream lines(run.out);
        nlohmann::json last;
        bool late = false;
        for (std::string line; std::getline(lines, line);) {
            last = nlohmann::json::parse(line);
            if (last["event"] == "exec" && last["filename"] == "/bin/echo") late = true;
        }
        return std::pair(last, late);
    };

    auto quick = run_to_completion({"-j", "--", "/bin/sh", "-c", script}, 20s);
    ASSERT_EQ(quick.status, 0) << quick.err;
    auto [summary, late] = summary_of(quick);
    ASSERT_EQ(summary["event"], "summary");
    // The subshell, and its sleep when it was forked before the command's exit was read.
    EXPECT_GE(summary["descendants_running"].get<int>(), 1);
    EXPECT_LE(summary["descendants_running"].get<int>(), 2);
    EXPECT_FALSE(late) << "the run ended with the command";

    auto started = std::chrono::steady_clock::now();
    auto waited = run_to_completion({"-j", "--wait", "--", "/bin/sh", "-c", script}, 20s);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 500ms);
    ASSERT_EQ(waited.status, 0) << waited.err;
    auto [waited_summary, waited_late] = summary_of(waited);
    EXPECT_TRUE(waited_late) << "--wait records what the descendants did after the command exited";
    EXPECT_GE(waited_summary["descendants_running"].get<int>(), 1);
}

// Steps CLOCK_REALTIME by `step`, and back (by the same amount) when it goes out of scope.
class ClockStep {
public:
    explicit ClockStep(std::chrono::seconds step) : step_(step) { ok_ = shift(step_); }
    ~ClockStep() {
        if (ok_) shift(-step_);
    }
    bool ok() const { return ok_; }

private:
    static bool shift(std::chrono::seconds by) {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        now.tv_sec += by.count();
        return clock_settime(CLOCK_REALTIME, &now) == 0;
    }
    std::chrono::seconds step_;
    bool ok_ = false;
};

// Event times follow the system clock when it steps (NTP, a suspend): the offset is measured again at
// every drain, not once at start.
TEST(Hardening, EventTimesFollowAClockStep) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "--ppid", std::to_string(getpid())});
    std::this_thread::sleep_for(1500ms);
    int64_t spawned_at = 0;
    pid_t child = 0;
    {
        ClockStep step(std::chrono::hours(1));
        ASSERT_TRUE(step.ok()) << strerror(errno);
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        spawned_at = now.tv_sec;
        child = reap(spawn_exec("/bin/true", {"true"})).pid;
        std::this_thread::sleep_for(300ms);  // a drain or more while the clock is stepped
    }
    tracer.send(SIGINT);
    auto events = parse_json_lines(tracer.read_remaining_lines(5s));
    EXPECT_EQ(tracer.wait(3s), 0);
    auto execs = select(events, "exec", child);
    ASSERT_EQ(execs.size(), 1u);
    // "2026-12-02T04:41:07.123456789Z": compare whole seconds since the epoch.
    std::tm tm{};
    std::string time = execs[0]["time"];
    ASSERT_NE(strptime(time.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << time;
    int64_t reported = static_cast<int64_t>(timegm(&tm));
    EXPECT_NEAR(static_cast<double>(reported), static_cast<double>(spawned_at), 2.0) << time;
}

// Found in review. --wait ends once the command's tree is gone even when its exits are not recorded
// (--exec-only); a timeline that cannot be written at the end costs neither the summary nor the status;
// an existing file of another user is not written; command mode works with file capabilities.
TEST(Hardening, WaitEndsWithoutExitRecords) {
    REQUIRE_BPF();
    auto run = run_to_completion(
        {"--wait", "--exec-only", "-o", "/dev/null", "--", "/bin/sh", "-c", "(/bin/sleep 0.3) & exit 0"}, 10s);
    EXPECT_EQ(run.status, 0) << "it ended on its own: " << run.err;
}

TEST(Hardening, TimelineWriteErrorKeepsTheSummaryAndTheStatus) {
    REQUIRE_BPF();
    auto run = run_to_completion({"--trace", "/dev/full", "--", "/bin/sh", "-c", "exit 3"}, 10s);
    EXPECT_EQ(run.status, 3);
    EXPECT_NE(run.err.find("bootstrap: cannot write to trace file /dev/full: No space left on device"),
              std::string::npos)
        << run.err;
    EXPECT_NE(run.out.find("SUMMARY"), std::string::npos) << run.out;
}

TEST(Hardening, AnotherUsersFileIsNotWritten) {
    REQUIRE_BPF();
    TempFile theirs("bootstrap-theirs", 0600);
    ASSERT_EQ(chown(theirs.path().c_str(), 65534, 65534), 0);
    auto run = run_to_completion({"-o", theirs.path(), "--", "/bin/true"}, 10s);
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.err.rfind("bootstrap: -o/--output: " + theirs.path() + " belongs to uid 65534", 0), 0u) << run.err;
}

TEST(Hardening, CommandModeWithFileCapabilitiesOnly) {
    REQUIRE_BPF();
    std::string out = command_output(
        "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon "
        "--ambient-caps=+bpf,+perfmon " BOOTSTRAP_BINARY " -o /dev/null -- /bin/sh -c 'exit 6' 2>&1; echo status=$?");
    EXPECT_NE(out.find("status=6"), std::string::npos) << out;
}

// The number in "bootstrap: N events were not written" on stderr, or -1 without that line.
long unwritten_events(const std::string& err) {
    const std::string suffix = " events were not written";
    size_t end = err.find(suffix);
    if (end == std::string::npos) return -1;
    size_t start = err.rfind("bootstrap: ", end);
    return start == std::string::npos ? -1 : std::stol(err.substr(start + 11, end - start - 11));
}

// The number in "bootstrap: lost N events", summed over the run.
long lost_events(const std::string& err) {
    long lost = 0;
    for (size_t at = err.find("bootstrap: lost "); at != std::string::npos; at = err.find("bootstrap: lost ", at + 1))
        lost += std::stol(err.substr(at + 16));
    return lost;
}

// The records stderr says were throttled ("bootstrap: throttled N execs and M exits of ...").
long throttled_events(const std::string& err) {
    long throttled = 0;
    std::regex line(R"(bootstrap: throttled (\d+) execs and (\d+) exits of )");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator(); ++it)
        throttled += std::stol((*it)[1]) + std::stol((*it)[2]);
    return throttled;
}

// A stop ends the tracer at once while the reader of its output has stopped reading (it used to wait in
// write(2) for the reader), and every event is accounted for: written whole, reported as not written,
// or reported lost.
TEST(Hardening, StopEndsTheTracerWhileItsReaderStalls) {
    REQUIRE_BPF();
    TracerProcess tracer({"-a", "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(tracer.read_line(10s)) << "no header";
    // 300 command lines of 3 KB: far more than the pipe and the tracer's buffer hold.
    constexpr int kChildren = 300;
    std::vector<std::string> args{"/bin/true", std::string(3000, 'x')};
    for (int i = 0; i < kChildren; ++i) reap(spawn_exec("/bin/true", args));
    std::this_thread::sleep_for(500ms);
    auto stop = std::chrono::steady_clock::now();
    tracer.send(SIGTERM);
    auto status = tracer.wait(3s);
    ASSERT_TRUE(status)
        << "still waiting for the reader "
        << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stop).count();
    EXPECT_EQ(*status, 0);

    std::string err = tracer.read_stderr(200ms);
    long unwritten = unwritten_events(err);
    ASSERT_GT(unwritten, 0) << err;
    long written = 0;
    for (const std::string& line : tracer.read_remaining_lines(5s)) {
        auto columns = words(line);
        if (columns.size() >= 2 && (columns[1] == "EXEC" || columns[1] == "EXIT")) ++written;
    }
    // The ring filled while the reader stalled: the storm's cgroup was throttled, the rest lost, and stderr
    // says both.
    EXPECT_EQ(written + unwritten + lost_events(err) + throttled_events(err), 2 * kChildren) << err;
}

// The same stop in command mode is passed on to the command, and the tracer returns the command's
// status as soon as it has ended, though its reader is still not reading.
TEST(Hardening, StopPassedOnToTheCommandEndsTheTracerWhileItsReaderStalls) {
    REQUIRE_BPF();
    TracerProcess tracer({"-a", "--", "/bin/sh", "-c",
                          "i=0; while [ $i -lt 300 ]; do /bin/true " + std::string(3000, 'x') +
                              "; i=$((i+1)); done; exec /bin/sleep 60"});
    // Once the command has become sleep, the storm is over and the output has long stalled.
    std::string children =
        "/proc/" + std::to_string(tracer.pid()) + "/task/" + std::to_string(tracer.pid()) + "/children";
    bool sleeping = false;
    for (int i = 0; i < 1000 && !sleeping; ++i) {
        std::this_thread::sleep_for(20ms);
        std::ifstream list(children);
        pid_t command = 0;
        if (list >> command) {
            std::ifstream comm("/proc/" + std::to_string(command) + "/comm");
            std::string name;
            sleeping = (comm >> name) && name == "sleep";
        }
    }
    ASSERT_TRUE(sleeping);
    tracer.send(SIGTERM);
    auto status = tracer.wait(3s);
    ASSERT_TRUE(status) << "still waiting for the reader";
    EXPECT_EQ(*status, 128 + SIGTERM) << "the command's status";
    EXPECT_GT(unwritten_events(tracer.read_stderr(200ms)), 0);
}

// A shell loop writing 60 command lines of 3 KB: more than a pipe holds.
std::string pipe_filling_loop() {
    return "i=0; while [ $i -lt 60 ]; do /bin/true " + std::string(3000, 'x') + "; i=$((i+1)); done";
}

// Reads the tracer's JSON lines to their end: whether they hold the exec of `/bin/echo marker`.
bool echo_recorded(TracerProcess& tracer, const std::string& marker) {
    bool recorded = false;
    for (const std::string& line : tracer.read_remaining_lines(10s)) {
        nlohmann::json event = nlohmann::json::parse(line);
        if (event["event"] == "exec" && event["filename"] == "/bin/echo" && event["argv"].size() == 2 &&
            event["argv"][1] == marker)
            recorded = true;
    }
    return recorded;
}

// A command that exits while the reader of the output is not reading has its records read before its
// tree is counted: --wait then follows the descendant it left running (the tree was counted from the
// records read before the stall, which did not name it, so the run ended early).
TEST(Hardening, WaitFollowsTheTreeOfACommandThatEndedWhileItsReaderStalled) {
    REQUIRE_BPF();
    const std::string marker = "late-" + std::to_string(getpid());
    // The output stalls before the command exits.
    TracerProcess tracer({"-j", "--wait", "--", "/bin/sh", "-c",
                          pipe_filling_loop() + "; (/bin/sleep 1; /bin/echo " + marker + " >/dev/null) & exit 0"});
    std::this_thread::sleep_for(700ms);  // the command has exited, its last records still in the ring
    EXPECT_TRUE(echo_recorded(tracer, marker)) << "--wait records what the descendant did after the command exited";
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr();
}

// The same after the command's end: while the reader does not read, a descendant that leaves a child of
// its own and exits is not the end of the tree, though the records naming that child are still unread.
TEST(Hardening, WaitFollowsATreeThatForkedWhileItsReaderStalled) {
    REQUIRE_BPF();
    const std::string marker = "later-" + std::to_string(getpid());
    // After the command has exited, its subshell writes more than the pipe holds, then leaves a child and
    // exits, all while the reader is not reading.
    TracerProcess tracer({"-j", "--wait", "--", "/bin/sh", "-c",
                          "(/bin/sleep 0.3; " + pipe_filling_loop() + "; (/bin/sleep 3; /bin/echo " + marker +
                              " >/dev/null) & exit 0) & exit 0"});
    std::this_thread::sleep_for(2500ms);
    EXPECT_TRUE(echo_recorded(tracer, marker)) << "--wait records what the grandchild did after its parent exited";
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr();
}

// `-o FIFO` waits for a reader to open the FIFO, as a shell's redirection does, but a stop still ends it
// (it used to hang in open(2) until SIGKILL).
TEST(Hardening, StopEndsTheTracerWaitingForAFifoReader) {
    REQUIRE_BPF();
    TempFile fifo("bootstrap-fifo");
    unlink(fifo.path().c_str());
    ASSERT_EQ(mkfifo(fifo.path().c_str(), 0600), 0);
    TracerProcess tracer({"-o", fifo.path()});
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(tracer.wait(0ms)) << "it waits for a reader";
    tracer.send(SIGTERM);
    EXPECT_TRUE(tracer.wait(3s)) << "still waiting in open()";
}

// Started by root without sudo, or with --run-as root, the command runs as root but the tracer does not:
// it switches to its own identity with only CAP_KILL, as with sudo (it used to stay root).
TEST(Hardening, CommandModeStartedByRootLeavesRootToTheCommand) {
    REQUIRE_BPF();
    for (const std::vector<std::string>& run_as :
         {std::vector<std::string>{}, std::vector<std::string>{"--run-as", "root"}}) {
        std::vector<std::string> args{"-o", "/dev/null"};
        args.insert(args.end(), run_as.begin(), run_as.end());
        args.insert(args.end(), {"--", "/bin/sh", "-c", "sleep 1"});
        TracerProcess tracer(args, true, {{"SUDO_UID", ""}, {"SUDO_GID", ""}});
        std::this_thread::sleep_for(700ms);
        std::string uids = status_field_of(tracer.pid(), "Uid");
        auto columns = words(uids);
        ASSERT_EQ(columns.size(), 4u) << uids;
        for (const std::string& uid : columns) EXPECT_NE(uid, "0") << "the tracer gave up root: " << uids;
        EXPECT_EQ(words(status_field_of(tracer.pid(), "CapEff")), (std::vector<std::string>{"0000000000000020"}))
            << "CAP_KILL alone";
        EXPECT_EQ(tracer.wait(10s), 0);
    }
}

}  // namespace
}  // namespace bootstrap::testing
