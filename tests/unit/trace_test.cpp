// The --trace timeline file from hand-built events: valid JSON to nlohmann and to Python's strict parser,
// one slice per process with times from the events, parents sorted before children, and write errors.
#include "output/trace.h"
#include "events/exec_pairing.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "event_builders.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace bootstrap {
namespace {

using nlohmann::json;

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMillisecond = 1'000'000;
constexpr uint64_t kStart = 50 * kSecond;  // CLOCK_MONOTONIC of the first event in most tests
// 2024-01-02 03:04:05 UTC at kStart.
const WallClock kClock(1704164645 * static_cast<int64_t>(kSecond) - static_cast<int64_t>(kStart));

using testing::exec;
using testing::proc;

// An exit `age_ns` after fork, `duration_ns` after exec when the exec was seen.
ExitEvent exit_event(uint32_t pid, uint32_t ppid, std::string comm, uint64_t time_ns, uint64_t age_ns,
                     std::optional<uint64_t> duration_ns, uint32_t raw_status = 0) {
    ExitEvent e;
    e.proc = proc(pid, ppid, std::move(comm), time_ns);
    e.status.raw = raw_status;
    e.age_ns = age_ns;
    e.duration_ns = duration_ns;
    e.cpu_user_ns = 7 * kMillisecond;
    e.cpu_system_ns = 3 * kMillisecond;
    e.max_rss_kb = 2048;
    return e;
}

double us(uint64_t ns) {
    return static_cast<double>(ns) / 1000.0;
}

class TraceFile : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (std::filesystem::temp_directory_path() /
                 ("bootstrap-trace-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json"))
                    .string();
    }
    void TearDown() override { std::filesystem::remove(path_); }

    // Writes the file through a fresh sink, each exit paired with its exec first as the tracer's pipeline
    // does, and returns its bytes.
    std::string write_text(std::vector<Event> events, std::vector<std::pair<uint64_t, uint64_t>> losses = {}) {
        {
            TraceSink sink(path_, kClock, limits_);
            ExecPairing pairing(true, [](uint32_t) { return true; });
            sink.begin();
            for (Event& event : events) {
                pairing.pair(event);
                sink.on_event(event);
            }
            for (auto [count, time] : losses) sink.on_lost(count, time);
            sink.end();
        }
        std::ifstream in(path_, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    // The same, checked with both parsers, and returned parsed.
    json write(const std::vector<Event>& events, std::vector<std::pair<uint64_t, uint64_t>> losses = {}) {
        std::string text = write_text(events, std::move(losses));
        std::string command = "python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' " + path_;
        EXPECT_EQ(std::system(command.c_str()), 0) << "Python's json module rejects " << path_;
        return json::parse(text);  // throws on invalid JSON, invalid UTF-8 included
    }

    static std::vector<json> with(const json& trace, const std::string& ph, std::optional<std::string> name = {}) {
        std::vector<json> found;
        for (const json& e : trace["traceEvents"])
            if (e["ph"] == ph && (!name || e["name"] == *name)) found.push_back(e);
        return found;
    }
    // The X slice of the process on `track`.
    static json slice(const json& trace, uint32_t track) {
        std::vector<json> slices;
        for (const json& e : with(trace, "X"))
            if (e["pid"] == track) slices.push_back(e);
        EXPECT_EQ(slices.size(), 1u) << "slices on track " << track;
        return slices.empty() ? json() : slices[0];
    }
    static json metadata(const json& trace, const std::string& name, uint32_t track) {
        for (const json& e : with(trace, "M", name))
            if (e["pid"] == track) return e["args"];
        ADD_FAILURE() << "no " << name << " for track " << track;
        return json();
    }

    std::string path_;
    TraceLimits limits_;
};

// sh (100) runs make (101), which runs cc (102); an unrelated job (200) starts between sh and make.
std::vector<Event> build_tree() {
    return {
        exec(100, 1, "sh", kStart, "/bin/sh", {"sh", "-c", "make"}),
        exec(200, 1, "job", kStart + 1 * kMillisecond, "/usr/bin/job", {"job"}),
        exec(101, 100, "make", kStart + 3 * kMillisecond, "/usr/bin/make", {"make"}),
        exec(102, 101, "cc", kStart + 5 * kMillisecond, "/usr/bin/cc", {"cc", "-c", "a.c"}),
        exit_event(102, 101, "cc", kStart + 105 * kMillisecond, 101 * kMillisecond, 100 * kMillisecond, 1 << 8),
        exit_event(101, 100, "make", kStart + 200 * kMillisecond, 198 * kMillisecond, 197 * kMillisecond),
        exit_event(100, 1, "sh", kStart + 300 * kMillisecond, 300 * kMillisecond, 300 * kMillisecond),
        exit_event(200, 1, "job", kStart + 400 * kMillisecond, 399 * kMillisecond, 399 * kMillisecond, 9),
    };
}

TEST_F(TraceFile, ObjectFormatWithOneSlicePerProcess) {
    json trace = write(build_tree());
    EXPECT_EQ(trace["displayTimeUnit"], "ms");
    ASSERT_TRUE(trace["traceEvents"].is_array());
    EXPECT_EQ(with(trace, "X").size(), 4u);

    // ts from fork (exit time - age), relative to the first event; dur to the exit; both in microseconds.
    json cc = slice(trace, 102);
    EXPECT_EQ(cc["name"], "cc");
    EXPECT_EQ(cc["tid"], 102);
    EXPECT_DOUBLE_EQ(cc["ts"].get<double>(), us(4 * kMillisecond));
    EXPECT_DOUBLE_EQ(cc["dur"].get<double>(), us(101 * kMillisecond));
    const json& args = cc["args"];
    EXPECT_EQ(args["pid"], 102);
    EXPECT_EQ(args["ppid"], 101);
    EXPECT_EQ(args["filename"], "/usr/bin/cc");
    EXPECT_EQ(args["argv"], json({"cc", "-c", "a.c"}));
    EXPECT_EQ(args["argv_truncated"], false);
    EXPECT_EQ(args["exit_code"], 1);
    EXPECT_TRUE(args["signal"].is_null());
    EXPECT_EQ(args["core_dumped"], false);
    EXPECT_EQ(args["duration_ns"], 100 * kMillisecond);
    EXPECT_EQ(args["age_ns"], 101 * kMillisecond);
    EXPECT_EQ(args["cpu_user_ns"], 7 * kMillisecond);
    EXPECT_EQ(args["cpu_system_ns"], 3 * kMillisecond);
    EXPECT_EQ(args["max_rss_kb"], 2048);
    EXPECT_EQ(args["start_from"], "fork");
    EXPECT_FALSE(args.contains("running"));

    json job = slice(trace, 200);
    EXPECT_TRUE(job["args"]["exit_code"].is_null());
    EXPECT_EQ(job["args"]["signal"], "SIGKILL");
    EXPECT_DOUBLE_EQ(job["ts"].get<double>(), us(1 * kMillisecond));
    EXPECT_DOUBLE_EQ(job["dur"].get<double>(), us(399 * kMillisecond));

    EXPECT_EQ(metadata(trace, "process_name", 101)["name"], "make (101)");
    EXPECT_EQ(metadata(trace, "process_labels", 101)["labels"], "parent: sh (100)");
    EXPECT_EQ(metadata(trace, "thread_name", 101)["name"], "make");

    const json& other = trace["otherData"];
    EXPECT_EQ(other["start_time"], "2024-01-02T03:04:05.000000000Z");
    EXPECT_EQ(other["start_realtime_ns"], 1704164645 * kSecond);
    EXPECT_EQ(other["truncated"], false);
    EXPECT_EQ(other["events_dropped"], 0);
    EXPECT_EQ(other["process_limit"], TraceLimits{}.processes);
}

TEST_F(TraceFile, SortIndexIsDepthFirstParentsBeforeChildren) {
    json trace = write(build_tree());
    auto index = [&](uint32_t track) { return metadata(trace, "process_sort_index", track)["sort_index"].get<int>(); };
    // By start time alone job (200) would come before make; depth first keeps sh's subtree together.
    EXPECT_EQ(index(100), 0);
    EXPECT_EQ(index(101), 1);
    EXPECT_EQ(index(102), 2);
    EXPECT_EQ(index(200), 3);
    EXPECT_FALSE(metadata(trace, "process_labels", 102).is_null());
}

TEST_F(TraceFile, TwoExecsInOneProcessAreOneSliceWithTwoInstants) {
    json trace = write({
        exec(300, 1, "sh", kStart, "/bin/sh", {"sh", "-c", "exec make"}),
        exec(300, 1, "make", kStart + 2 * kMillisecond, "/usr/bin/make", {"make", "all"}),
        exit_event(300, 1, "make", kStart + 10 * kMillisecond, 11 * kMillisecond, 8 * kMillisecond),
    });
    json s = slice(trace, 300);
    EXPECT_EQ(s["name"], "make");
    EXPECT_EQ(s["args"]["filename"], "/usr/bin/make");
    EXPECT_EQ(s["args"]["argv"], json({"make", "all"}));
    // Forked 1 ms before the first event: clamped to the start of the trace, marked so.
    EXPECT_DOUBLE_EQ(s["ts"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(s["dur"].get<double>(), us(10 * kMillisecond));
    EXPECT_EQ(s["args"]["started_before_trace"], true);
    EXPECT_EQ(s["args"]["age_ns"], 11 * kMillisecond);

    std::vector<json> execs = with(trace, "i");
    ASSERT_EQ(execs.size(), 2u);
    EXPECT_EQ(execs[0]["name"], "exec /bin/sh");
    EXPECT_EQ(execs[0]["s"], "t");
    EXPECT_EQ(execs[0]["pid"], 300);
    EXPECT_DOUBLE_EQ(execs[0]["ts"].get<double>(), 0.0);
    EXPECT_EQ(execs[0]["args"]["argv"], json({"sh", "-c", "exec make"}));
    EXPECT_EQ(execs[1]["name"], "exec /usr/bin/make");
    EXPECT_DOUBLE_EQ(execs[1]["ts"].get<double>(), us(2 * kMillisecond));
}

TEST_F(TraceFile, RunningProcessesEndAtTheLastEvent) {
    json trace = write(
        {
            exec(400, 1, "daemon", kStart, "/usr/sbin/daemon", {"daemon"}),
            exec(401, 1, "short", kStart + 5 * kMillisecond, "/bin/short", {"short"}),
            exit_event(401, 1, "short", kStart + 20 * kMillisecond, 15 * kMillisecond, 15 * kMillisecond),
        },
        {{3, kStart + 30 * kMillisecond}});
    json daemon = slice(trace, 400);
    EXPECT_EQ(daemon["args"]["running"], true);
    EXPECT_EQ(daemon["args"]["start_from"], "first_event");
    EXPECT_FALSE(daemon["args"].contains("exit_code"));
    EXPECT_DOUBLE_EQ(daemon["ts"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(daemon["dur"].get<double>(), us(30 * kMillisecond));  // the loss is the last event

    std::vector<json> lost = with(trace, "i", "lost events");
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0]["s"], "g");
    EXPECT_EQ(lost[0]["args"]["count"], 3);
    EXPECT_DOUBLE_EQ(lost[0]["ts"].get<double>(), us(30 * kMillisecond));
    EXPECT_EQ(trace["otherData"]["lost_events"], 3);
}

TEST_F(TraceFile, FailedExecIsAnInstantOnItsProcess) {
    ExecFailedEvent failed;
    failed.proc = proc(500, 1, "sh", kStart + kMillisecond);
    failed.error = ENOENT;
    failed.filename = "/usr/bin/nope";
    failed.argv = {"nope", "--flag"};
    json trace = write({
        exec(499, 1, "first", kStart, "/bin/first", {"first"}),
        failed,
        exit_event(500, 1, "sh", kStart + 2 * kMillisecond, 1500 * 1000, std::nullopt, 127 << 8),
    });
    std::vector<json> instants = with(trace, "i", "exec failed: ENOENT");
    ASSERT_EQ(instants.size(), 1u);
    EXPECT_EQ(instants[0]["pid"], 500);
    EXPECT_EQ(instants[0]["cat"], "exec_failed");
    EXPECT_DOUBLE_EQ(instants[0]["ts"].get<double>(), us(kMillisecond));
    EXPECT_EQ(instants[0]["args"]["filename"], "/usr/bin/nope");
    EXPECT_EQ(instants[0]["args"]["argv"], json({"nope", "--flag"}));
    EXPECT_EQ(instants[0]["args"]["errno"], ENOENT);

    json sh = slice(trace, 500);  // no exec seen: a slice all the same, from fork to exit
    EXPECT_DOUBLE_EQ(sh["ts"].get<double>(), 500.0);
    EXPECT_DOUBLE_EQ(sh["dur"].get<double>(), 1500.0);
    EXPECT_EQ(sh["args"]["exit_code"], 127);
    EXPECT_TRUE(sh["args"]["duration_ns"].is_null());
    EXPECT_FALSE(sh["args"].contains("filename"));
}

TEST_F(TraceFile, InvalidUtf8StillMakesValidJson) {
    json trace = write({
        exec(600, 1, "bad\xff", kStart, "/tmp/\xc3\x28", {"arg\xfe\xff", "ok", "\xed\xa0\x80"}),
    });
    json s = slice(trace, 600);
    EXPECT_EQ(s["name"], "bad\xef\xbf\xbd");
    EXPECT_EQ(s["args"]["argv"][0], "arg\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(s["args"]["argv"][1], "ok");
    EXPECT_EQ(metadata(trace, "process_name", 600)["name"], "bad\xef\xbf\xbd (600)");
}

TEST_F(TraceFile, ReusedPidGetsItsOwnTrack) {
    json trace = write({
        exec(700, 1, "first", kStart, "/bin/first", {"first"}),
        exit_event(700, 1, "first", kStart + kMillisecond, kMillisecond, kMillisecond),
        exec(700, 1, "second", kStart + 2 * kMillisecond, "/bin/second", {"second"}),
        exit_event(700, 1, "second", kStart + 3 * kMillisecond, kMillisecond, kMillisecond),
    });
    std::vector<json> slices = with(trace, "X");
    ASSERT_EQ(slices.size(), 2u);
    EXPECT_NE(slices[0]["pid"], slices[1]["pid"]);
    for (const json& s : slices) {
        EXPECT_EQ(s["args"]["pid"], 700);
        EXPECT_EQ(metadata(trace, "process_name", s["pid"].get<uint32_t>())["name"],
                  s["name"].get<std::string>() + " (700)");
    }
}

TEST_F(TraceFile, EmptyTraceIsValid) {
    json trace = write({});
    EXPECT_EQ(trace["traceEvents"], json::array());
    EXPECT_TRUE(trace["otherData"]["start_time"].is_null());
}

// Past the limit new processes are left out, and the file says so. The real limit (100000) behaves alike;
// a small one keeps the test fast.
TEST_F(TraceFile, ProcessLimitIsRecorded) {
    limits_.processes = 3;
    json trace = write({
        exec(1, 0, "a", kStart, "/bin/a", {"a"}), exec(2, 1, "b", kStart + 1, "/bin/b", {"b"}),
        exit_event(3, 1, "c", kStart + 2, 1, std::nullopt),
        exec(4, 1, "d", kStart + 3, "/bin/d", {"d"}),  // dropped, with its exit
        exit_event(4, 1, "d", kStart + 4, 2, 1),
        exit_event(1, 0, "a", kStart + 5, 5, 5),  // kept: a process already tracked
    });
    EXPECT_EQ(with(trace, "X").size(), 3u);
    EXPECT_EQ(slice(trace, 1)["args"]["exit_code"], 0);
    EXPECT_EQ(trace["otherData"]["process_limit"], 3);
    EXPECT_EQ(trace["otherData"]["truncated"], true);
    EXPECT_EQ(trace["otherData"]["events_dropped"], 2);
}

// Past the exec limit an exec still replaces its process's last one, so the slice names what exited.
TEST_F(TraceFile, ExecLimitKeepsTheLatestCommand) {
    limits_.execs = 1;
    json trace = write({
        exec(1, 0, "sh", kStart, "/bin/sh", {"sh"}),
        exec(1, 0, "make", kStart + 1, "/usr/bin/make", {"make"}),
        exec(2, 1, "cc", kStart + 2, "/usr/bin/cc", {"cc"}),
    });
    EXPECT_EQ(slice(trace, 1)["args"]["filename"], "/usr/bin/make");
    EXPECT_FALSE(slice(trace, 2)["args"].contains("filename"));
    EXPECT_EQ(with(trace, "i").size(), 1u);
    EXPECT_EQ(trace["otherData"]["events_dropped"], 2);
}

// An exited process's slice names the command its exit carries (paired before any sink saw it); the
// sink pairs nothing itself: an exec of another image leaves the slice without a command.
TEST_F(TraceFile, AnExitedSliceNamesTheCommandTheExitCarries) {
    ExitEvent paired = exit_event(1, 0, "p", kStart + 2, 2, 1);
    paired.exec = ExecCommand{"/bin/paired", {"paired", "x"}, false};
    ExecEvent other_image = exec(2, 0, "q", kStart, "/bin/q", {"q"});
    other_image.proc.image.exec_seq = 1;  // the exit below names another image of the process
    json trace = write({paired, other_image, exit_event(2, 0, "q", kStart + 3, 3, std::nullopt)});
    EXPECT_EQ(slice(trace, 1)["args"]["filename"], "/bin/paired");
    EXPECT_EQ(slice(trace, 1)["args"]["argv"], json({"paired", "x"}));
    EXPECT_FALSE(slice(trace, 2)["args"].contains("filename"));
    EXPECT_EQ(with(trace, "i").size(), 1u) << "the exec is an instant all the same";
}

TEST_F(TraceFile, InstantLimitStillCountsAllLosses) {
    limits_.instants = 1;
    json trace = write({exec(1, 0, "a", kStart, "/bin/a", {"a"})}, {{2, kStart + 1}, {5, kStart + 2}});
    EXPECT_EQ(with(trace, "i", "lost events").size(), 1u);
    EXPECT_EQ(trace["otherData"]["lost_events"], 7);
    EXPECT_EQ(trace["otherData"]["events_dropped"], 1);
}

TEST_F(TraceFile, LongCommandLinesAreCapped) {
    std::vector<std::string> argv = {"prog", std::string(TraceSink::kMaxCommandBytes, 'x'), "never"};
    std::vector<std::string> empties(5000, "");
    json trace = write({
        exec(1, 0, "prog", kStart, "/bin/prog", argv),
        exec(2, 0, "empty", kStart + 1, "/bin/empty", empties),
    });
    json args = slice(trace, 1)["args"];
    EXPECT_EQ(args["argv_truncated"], true);
    ASSERT_EQ(args["argv"].size(), 2u);
    // The filename, a byte per argument, and "prog" fill the budget; the long argument gets the rest.
    EXPECT_EQ(args["argv"][1].get<std::string>().size(),
              TraceSink::kMaxCommandBytes - std::string("/bin/prog").size() - 2 - 4);
    EXPECT_LT(slice(trace, 2)["args"]["argv"].size(), TraceSink::kMaxCommandBytes);
    EXPECT_EQ(slice(trace, 2)["args"]["argv_truncated"], true);
}

TEST(TraceErrors, UnopenablePathThrowsAtConstruction) {
    try {
        TraceSink sink("/nonexistent-directory/trace.json", kClock);
        FAIL() << "no Error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "--trace: cannot open /nonexistent-directory/trace.json: No such file or directory");
        EXPECT_EQ(e.status(), kExitUsage);
    }
}

TEST(TraceErrors, FullDiskIsReportedByEnd) {
    TraceSink sink("/dev/full", kClock);
    sink.on_event(exec(1, 0, "init", kStart, "/sbin/init", {"init"}));
    try {
        sink.end();
        FAIL() << "no Error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "cannot write to trace file /dev/full: No space left on device");
    }
}

}  // namespace
}  // namespace bootstrap
