// The end-of-run summary (-s) from hand-built events: counts, the top-10 lists, escaping, and the JSON object.
#include "output/summary.h"
#include "events/exec_pairing.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "event_builders.h"

#include <optional>
#include <string>
#include <vector>

namespace bootstrap {
namespace {

using nlohmann::json;

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMillisecond = 1'000'000;
// 2024-01-02 03:04:05 UTC, reached at CLOCK_MONOTONIC 50 s.
constexpr int64_t kEpochSeconds = 1704164645;
constexpr uint64_t kStart = 50 * kSecond;

using testing::exec;
using testing::proc;

struct ExitSpec {
    uint32_t raw_status = 0;
    std::optional<uint64_t> duration_ns;
    uint64_t age_ns = 0;
    uint64_t cpu_user_ns = 0;
    uint64_t cpu_system_ns = 0;
};

ExitEvent exit_event(uint32_t pid, uint32_t ppid, std::string comm, uint64_t time_ns, ExitSpec spec = {}) {
    ExitEvent e;
    e.proc = proc(pid, ppid, std::move(comm), time_ns);
    e.status.raw = spec.raw_status;
    e.duration_ns = spec.duration_ns;
    e.age_ns = spec.age_ns;
    e.cpu_user_ns = spec.cpu_user_ns;
    e.cpu_system_ns = spec.cpu_system_ns;
    e.max_rss_kb = 1024;
    return e;
}

ExecFailedEvent exec_failed(uint32_t pid, uint64_t time_ns, int error) {
    ExecFailedEvent e;
    e.proc = proc(pid, 1, "sh", time_ns);
    e.error = error;
    e.filename = "/nonexistent";
    e.argv = {"nonexistent"};
    return e;
}

uint32_t exit_code(int code) {
    return static_cast<uint32_t>(code) << 8;
}

// Feeds events to a fresh sink, each exit paired with its exec first as the tracer's pipeline does, then
// returns what end() wrote.
class Summary {
public:
    explicit Summary(bool as_json)
        : sink_(out_, as_json,
                TimeFormatter(WallClock(kEpochSeconds * static_cast<int64_t>(kSecond) - static_cast<int64_t>(kStart)),
                              TimeFormat::Utc, kStart)) {}

    Summary& add(Event event) {
        pairing_.pair(event);
        sink_.on_event(event);
        return *this;
    }
    Summary& lost(uint64_t count, uint64_t time_ns) {
        sink_.on_lost(count, time_ns);
        return *this;
    }
    std::string end() {
        sink_.end();
        return fmt::to_string(out_.buffer());
    }

private:
    Writer out_{-1};  // never flushed: the test reads the buffer
    SummarySink sink_;
    ExecPairing pairing_{true, [](uint32_t) { return true; }};
};

// A small run: a shell that runs make (two execs in one pid), a compiler that fails, a crash, a kill,
// two failed execs, a thread exit and two losses.
void feed_small_run(Summary& s) {
    s.add(exec(100, 1, "sh", kStart, "/bin/sh", {"sh", "-c", "make"}))
        .add(exec(100, 1, "make", kStart + 1 * kMillisecond, "/usr/bin/make", {"make", "-j2"}))
        .add(exec(101, 100, "cc", kStart + 2 * kMillisecond, "/usr/bin/cc", {"cc", "-c", "a.c"}))
        .add(exec_failed(102, kStart + 3 * kMillisecond, ENOENT))
        .add(exec_failed(102, kStart + 4 * kMillisecond, ENOENT))
        .add(exec_failed(103, kStart + 5 * kMillisecond, EACCES))
        .add(exit_event(102, 100, "sh", kStart + 6 * kMillisecond, {exit_code(127), std::nullopt, 3 * kMillisecond}))
        .add(exit_event(103, 100, "sh", kStart + 7 * kMillisecond, {exit_code(126), std::nullopt, 2 * kMillisecond}))
        .add(exit_event(101, 100, "cc", kStart + 500 * kMillisecond,
                        {exit_code(1), 498 * kMillisecond, 499 * kMillisecond, 300 * kMillisecond, 50 * kMillisecond}))
        .add(exit_event(104, 1, "victim", kStart + 600 * kMillisecond, {9, std::nullopt, 5 * kSecond}))
        .add(exit_event(105, 1, "crash", kStart + 700 * kMillisecond, {11 | 0x80, std::nullopt, kSecond}))
        .lost(5, kStart + 800 * kMillisecond)
        .lost(7, kStart + 900 * kMillisecond);
    ExitEvent thread = exit_event(100, 1, "make", kStart + 950 * kMillisecond);
    thread.thread_only = true;
    s.add(thread).add(exit_event(100, 1, "make", kStart + 2 * kSecond,
                                 {0, 1999 * kMillisecond, 2 * kSecond, 10 * kMillisecond, 20 * kMillisecond}));
}

TEST(SummaryText, CountsAndSections) {
    Summary s(false);
    feed_small_run(s);
    std::string text = s.end();

    EXPECT_NE(text.find("  traced          03:04:05 to 03:04:07 (2.000s)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  processes       6\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  execs           3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  failed execs    3 (EACCES 1, ENOENT 2)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  exits           6\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  thread exits    1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  lost events     12\n"), std::string::npos) << text;
    EXPECT_NE(text.find("EXITS BY CODE\n  CODE   COUNT\n  0      1\n  1      1\n  126    1\n  127    1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("EXITS BY SIGNAL\n  SIGNAL       COUNT   CORE DUMPED\n  SIGKILL      1       0\n"
                        "  SIGSEGV      1       1\n"),
              std::string::npos)
        << text;
}

TEST(SummaryText, TopListsNameTheCommandAndTheLifetimeBase) {
    Summary s(false);
    feed_small_run(s);
    std::string text = s.end();

    // Longest first: victim (5 s since fork), make (1.999 s since exec, the second exec's command line).
    size_t victim = text.find("        5.000s fork 104     1       victim           -\n");
    size_t make = text.find("        1.999s exec 100     1       make             /usr/bin/make -j2\n");
    ASSERT_NE(victim, std::string::npos) << text;
    ASSERT_NE(make, std::string::npos) << text;
    EXPECT_LT(victim, make);

    // Most CPU: cc (0.350 s) before make (0.030 s).
    size_t cc =
        text.find("        0.350s       0.300s       0.050s 101     100     cc               /usr/bin/cc -c a.c\n");
    size_t make_cpu = text.find("        0.030s       0.010s       0.020s 100     1       make ");
    ASSERT_NE(cc, std::string::npos) << text;
    ASSERT_NE(make_cpu, std::string::npos) << text;
    EXPECT_LT(cc, make_cpu);
}

TEST(SummaryText, TopTenKeepsTheLargestInOrder) {
    Summary s(false);
    // 25 processes with lifetimes 1..25 s in a scrambled order; ties never happen here.
    for (uint32_t i = 0; i < 25; ++i) {
        uint32_t seconds = (i * 7) % 25 + 1;
        s.add(exit_event(1000 + seconds, 1, "p", kStart + i * kMillisecond, {0, seconds * kSecond, seconds * kSecond}));
    }
    std::string text = s.end();
    size_t section = text.find("LONGEST-LIVED");
    ASSERT_NE(section, std::string::npos);
    size_t previous = section;
    for (uint32_t seconds = 25; seconds > 15; --seconds) {
        size_t at =
            text.find(fmt::format("{:>12} exec {:<7}", fmt::format("{}.000s", seconds), 1000 + seconds), section);
        ASSERT_NE(at, std::string::npos) << seconds << "\n" << text;
        EXPECT_GT(at, previous) << seconds;
        previous = at;
    }
    EXPECT_EQ(text.find("15.000s exec"), std::string::npos) << text;
}

TEST(SummaryText, HostileBytesAreEscaped) {
    Summary s(false);
    s.add(exec(7, 1, "\x1b[31mevil\n", kStart, "/tmp/\x1b]0;pwn\x07",
               {"x",
                "\xff\x9b"
                "2J"}))
        .add(exit_event(7, 1, "\x1b[31mevil\n", kStart + kSecond, {0, kSecond, kSecond, kSecond}));
    std::string text = s.end();
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
    EXPECT_EQ(text.find("\xff"), std::string::npos) << text;
    EXPECT_NE(text.find("\\x1b[31mevil\\n"), std::string::npos) << text;
    EXPECT_NE(text.find("'/tmp/\\x1b]0;pwn\\x07' \\xff\\x9b2J\n"), std::string::npos) << text;
}

TEST(SummaryText, NoEvents) {
    Summary s(false);
    std::string text = s.end();
    EXPECT_NE(text.find("  traced          no events\n"), std::string::npos) << text;
    EXPECT_NE(text.find("LONGEST-LIVED"), std::string::npos);
}

TEST(SummaryJson, OneObjectOnOneLineWithExactFields) {
    Summary s(true);
    feed_small_run(s);
    std::string line = s.end();
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "more than one line";

    EXPECT_EQ(line.rfind("{\"event\":\"summary\",", 0), 0u) << line;  // first, as in the event lines
    json j = json::parse(line);
    EXPECT_EQ(j["event"], "summary");
    EXPECT_EQ(j["start"], "2024-01-02T03:04:05.000000000Z");
    EXPECT_EQ(j["end"], "2024-01-02T03:04:07.000000000Z");
    EXPECT_EQ(j["span_ns"], 2 * kSecond);
    EXPECT_EQ(j["processes"], 6);
    EXPECT_EQ(j["execs"], 3);
    EXPECT_EQ(j["exec_failures"], 3);
    EXPECT_EQ(j["exec_failures_by_error"], json({{"EACCES", 1}, {"ENOENT", 2}}));
    EXPECT_EQ(j["exits"], 6);
    EXPECT_EQ(j["thread_exits"], 1);
    EXPECT_EQ(j["exits_by_code"], json({{"0", 1}, {"1", 1}, {"126", 1}, {"127", 1}}));
    EXPECT_EQ(j["exits_by_signal"],
              json({{"SIGKILL", {{"count", 1}, {"core_dumped", 0}}}, {"SIGSEGV", {{"count", 1}, {"core_dumped", 1}}}}));
    EXPECT_EQ(j["lost"], 12);

    ASSERT_EQ(j["longest_lived"].size(), 6u);
    const json& victim = j["longest_lived"][0];
    EXPECT_EQ(victim["pid"], 104);
    EXPECT_EQ(victim["comm"], "victim");
    EXPECT_TRUE(victim["filename"].is_null());
    EXPECT_TRUE(victim["argv"].is_null());
    EXPECT_EQ(victim["lifetime_ns"], 5 * kSecond);
    EXPECT_EQ(victim["lifetime_from"], "fork");
    EXPECT_TRUE(victim["exit_code"].is_null());
    EXPECT_EQ(victim["signal"], "SIGKILL");
    EXPECT_EQ(victim["core_dumped"], false);

    const json& make = j["longest_lived"][1];
    EXPECT_EQ(make["pid"], 100);
    EXPECT_EQ(make["ppid"], 1);
    EXPECT_EQ(make["filename"], "/usr/bin/make");
    EXPECT_EQ(make["argv"], json({"make", "-j2"}));
    EXPECT_EQ(make["argv_truncated"], false);
    EXPECT_EQ(make["lifetime_ns"], 1999 * kMillisecond);
    EXPECT_EQ(make["lifetime_from"], "exec");
    EXPECT_EQ(make["exit_code"], 0);
    EXPECT_TRUE(make["signal"].is_null());

    ASSERT_EQ(j["most_cpu"].size(), 6u);
    const json& cc = j["most_cpu"][0];
    EXPECT_EQ(cc["pid"], 101);
    EXPECT_EQ(cc["cpu_user_ns"], 300 * kMillisecond);
    EXPECT_EQ(cc["cpu_system_ns"], 50 * kMillisecond);
    EXPECT_EQ(cc["max_rss_kb"], 1024);
    EXPECT_EQ(cc["exit_code"], 1);
}

TEST(SummaryJson, NoEventsStillOneValidObject) {
    Summary s(true);
    json j = json::parse(s.end());
    EXPECT_TRUE(j["start"].is_null());
    EXPECT_TRUE(j["end"].is_null());
    EXPECT_EQ(j["span_ns"], 0);
    EXPECT_EQ(j["processes"], 0);
    EXPECT_EQ(j["longest_lived"], json::array());
    EXPECT_EQ(j["most_cpu"], json::array());
}

TEST(SummaryJson, ArgvIsCappedAndInvalidUtf8Replaced) {
    Summary s(true);
    std::vector<std::string> argv = {"prog\xff", std::string(1000, 'a')};
    for (int i = 0; i < 20; ++i) argv.push_back("x");
    s.add(exec(9, 1, "prog\xfe", kStart, "/bin/prog", argv)).add(exit_event(9, 1, "prog\xfe", kStart + kSecond));
    json j = json::parse(s.end());  // would throw on invalid UTF-8
    const json& p = j["longest_lived"][0];
    EXPECT_EQ(p["comm"], "prog\xef\xbf\xbd");
    ASSERT_EQ(p["argv"].size(), SummarySink::kMaxArgs);
    EXPECT_EQ(p["argv"][0], "prog\xef\xbf\xbd");
    EXPECT_EQ(p["argv"][1].get<std::string>().size(), SummarySink::kMaxArgBytes);
    EXPECT_EQ(p["argv_truncated"], true);
}

TEST(SummaryJson, TiesKeepArrivalOrder) {
    Summary s(true);
    for (uint32_t pid = 1; pid <= 12; ++pid) s.add(exit_event(pid, 1, "same", kStart + pid, {0, kSecond, kSecond}));
    json j = json::parse(s.end());
    ASSERT_EQ(j["longest_lived"].size(), SummarySink::kTopCount);
    for (uint32_t i = 0; i < SummarySink::kTopCount; ++i) EXPECT_EQ(j["longest_lived"][i]["pid"], i + 1);
}

// The command shown is the one the exit carries, from the pairing before any sink (the sink pairs nothing
// itself): an exec the pairing could not pair with the exit shows none.
TEST(SummaryJson, TheCommandIsTheOneTheExitCarries) {
    Summary s(true);
    ExitEvent paired = exit_event(5, 1, "p", kStart + kSecond, {0, 2 * kSecond, 2 * kSecond});
    paired.exec = ExecCommand{"/bin/paired", {"paired", "x"}, false};
    ExecEvent other_image = exec(6, 1, "q", kStart, "/bin/q", {"q"});
    other_image.proc.image.exec_seq = 1;  // the exit below names another image of the process
    s.add(paired).add(other_image).add(exit_event(6, 1, "q", kStart + kSecond, {0, kSecond, kSecond}));
    json j = json::parse(s.end());
    ASSERT_EQ(j["longest_lived"].size(), 2u);
    EXPECT_EQ(j["longest_lived"][0]["filename"], "/bin/paired");
    EXPECT_EQ(j["longest_lived"][0]["argv"], json({"paired", "x"}));
    EXPECT_TRUE(j["longest_lived"][1]["filename"].is_null());
}

}  // namespace
}  // namespace bootstrap
