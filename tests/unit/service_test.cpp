// The service pieces that need no BPF: the options, the bounded label, the metrics address, and the
// rotating output file, each against what the test itself wrote.
#include "cli/options.h"
#include "command_line.h"
#include "output/log_file.h"
#include "output/metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bootstrap {
namespace {

using testing::parse;

TEST(ServiceOptions, MetricsAddressForms) {
    auto port_only = parse({"--metrics", "9469"});
    ASSERT_TRUE(port_only.plan) << port_only.message;
    EXPECT_EQ(port_only.plan->output.metrics->listening_port(), "127.0.0.1:9469");
    auto v4 = parse({"--metrics", "0.0.0.0:9470"});
    ASSERT_TRUE(v4.plan) << v4.message;
    EXPECT_EQ(v4.plan->output.metrics->listening_port(), "0.0.0.0:9470");
    auto v6 = parse({"--metrics", "[::1]:9471"});
    ASSERT_TRUE(v6.plan) << v6.message;
    EXPECT_EQ(v6.plan->output.metrics->listening_port(), "[::1]:9471");
    EXPECT_EQ(port_only.plan->output.metrics_comm_limit, 100u);
}

TEST(ServiceOptions, RotationSizesAndDefaults) {
    auto outcome = parse({"-o", "/tmp/x", "--max-size", "100M"});
    ASSERT_TRUE(outcome.plan) << outcome.message;
    EXPECT_EQ(outcome.plan->output.file_limits.max_bytes, 100u << 20);
    EXPECT_EQ(outcome.plan->output.file_limits.max_files, 5u);
    EXPECT_TRUE(outcome.plan->output.file_limits.survive_errors);
    auto big = parse({"-o", "/tmp/x", "--max-size", "2G", "--max-files", "12"});
    ASSERT_TRUE(big.plan) << big.message;
    EXPECT_EQ(big.plan->output.file_limits.max_bytes, uint64_t{2} << 30);
    EXPECT_EQ(big.plan->output.file_limits.max_files, 12u);
    // By hand, a full disk still ends the run with the error.
    auto plain = parse({"-o", "/tmp/x"});
    ASSERT_TRUE(plain.plan);
    EXPECT_FALSE(plain.plan->output.file_limits.survive_errors);
    EXPECT_EQ(plain.plan->output.file_limits.max_bytes, 0u);
}

TEST(ServiceOptions, MetricsOnlyWritesNoEvents) {
    auto outcome = parse({"--metrics", "9469", "--metrics-only", "--", "true"});
    ASSERT_TRUE(outcome.plan) << outcome.message;
    EXPECT_FALSE(outcome.plan->output.events);
    EXPECT_FALSE(outcome.plan->output.summary);
}

TEST(ServiceOptions, BadValuesAndCombinationsNameTheOption) {
    struct Case {
        std::vector<std::string> args;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {{"--metrics", "x"}, "--metrics: 'x' is not [ADDRESS:]PORT"},
        {{"--metrics", "70000"}, "--metrics: '70000' is not [ADDRESS:]PORT"},
        {{"--metrics", "80"}, "--metrics: port 80 needs a privilege"},
        {{"--metrics", "host.example:9469"}, "--metrics: 'host.example' is not an IPv4 or IPv6 address"},
        {{"--metrics-only"}, "--metrics-only: needs --metrics"},
        {{"--metrics", "9469", "--metrics-only", "-j"}, "--metrics-only: writes no events"},
        {{"--metrics-comm-limit", "5"}, "--metrics-comm-limit: applies to --metrics"},
        {{"--metrics", "9469", "--metrics-comm-limit", "x"}, "--metrics-comm-limit: 'x' is not a number"},
        {{"--max-size", "1M"}, "--max-size: rotates the file of -o FILE"},
        {{"-o", "f", "--max-size", "100"}, "--max-size: '100' is not a size from 4K"},
        {{"-o", "f", "--max-size", "2000G"}, "--max-size: '2000G' is not a size from 4K"},
        {{"-o", "f", "--max-files", "3"}, "--max-files: counts the files --max-size rotates"},
        {{"-o", "f", "--max-size", "1M", "--max-files", "0"}, "--max-files: '0' is not a number of files"},
    };
    for (const Case& c : cases) {
        auto outcome = parse(c.args);
        EXPECT_EQ(outcome.exit_status, 2) << c.args[0];
        EXPECT_EQ(outcome.message.rfind("bootstrap: " + c.reason, 0), 0u) << outcome.message;
        EXPECT_NE(outcome.message.find("\nUsage: bootstrap "), std::string::npos) << outcome.message;
    }
}

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMinute = 60 * kSecond;

TEST(BoundedLabel, ANameGetsASeriesOnItsSecondSightingWhileThereIsRoom) {
    BoundedLabel label(2);
    EXPECT_EQ(label.value_for("sshd", kSecond), "other");  // seen once: may be a one-off
    EXPECT_EQ(label.value_for("sshd", kSecond), "sshd");
    EXPECT_EQ(label.value_for("sshd", kSecond), "sshd");
    EXPECT_EQ(label.value_for("tmp.x1", kSecond), "other");
    EXPECT_EQ(label.value_for("cron", kSecond), "other");
    EXPECT_EQ(label.value_for("cron", kSecond), "cron");
    EXPECT_EQ(label.series(), 2u);
}

TEST(BoundedLabel, ABusierNameTakesTheSeriesOfTheIdlestAndTiesChangeNothing) {
    BoundedLabel label(2);
    for (int i = 0; i < 3; ++i) label.value_for("sshd", kSecond);
    for (int i = 0; i < 2; ++i) label.value_for("cron", 2 * kSecond);
    std::optional<std::string> displaced;
    EXPECT_EQ(label.value_for("bash", 3 * kSecond, &displaced), "other");
    EXPECT_EQ(label.value_for("bash", 3 * kSecond, &displaced), "other") << "as often as cron, not more";
    EXPECT_EQ(displaced, std::nullopt);
    EXPECT_EQ(label.value_for("bash", 3 * kSecond, &displaced), "bash");
    EXPECT_EQ(displaced, "cron") << "the idlest";
    EXPECT_EQ(label.series(), 2u);
    // cron's ranking starts again from nothing: it must now come more often than bash's 3.
    displaced.reset();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(label.value_for("cron", 4 * kSecond, &displaced), "other") << i;
    EXPECT_EQ(label.value_for("cron", 4 * kSecond, &displaced), "cron");
    EXPECT_EQ(displaced, "sshd") << "as busy as bash, and seen longer ago";
    EXPECT_EQ(label.value_for("bash", 5 * kSecond), "bash");
    EXPECT_EQ(label.series(), 2u);
}

TEST(BoundedLabel, ANameIdleForAWholeWindowGivesWayToABusyOne) {
    BoundedLabel label(1);
    for (int i = 0; i < 50; ++i) label.value_for("backup", kSecond);
    // In the next window its 50 still count.
    for (int i = 0; i < 10; ++i) EXPECT_EQ(label.value_for("make", 11 * kMinute), "other");
    // One more later: backup's 50 are two windows back, make's ten in the window before.
    std::optional<std::string> displaced;
    EXPECT_EQ(label.value_for("make", 25 * kMinute, &displaced), "make");
    EXPECT_EQ(displaced, "backup");
    EXPECT_EQ(label.series(), 1u);
}

TEST(BoundedLabel, AWholeWindowWithoutANameForgetsIt) {
    BoundedLabel label(1);
    EXPECT_EQ(label.value_for("cc1", kSecond), "other");
    EXPECT_EQ(label.value_for("cc1", 25 * kMinute), "other") << "its first sighting is forgotten";
    EXPECT_EQ(label.value_for("cc1", 25 * kMinute), "cc1");
}

TEST(BoundedLabel, TenThousandNamesKeepTheSeriesWithinTheLimit) {
    BoundedLabel label(100);
    for (int round = 0; round < 3; ++round)
        for (int i = 0; i < 10'000; ++i) label.value_for("name" + std::to_string(i), kSecond);
    EXPECT_EQ(label.series(), 100u);
}

TEST(BoundedLabel, NoLimitNoSeries) {
    BoundedLabel label(0);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(label.value_for("make", kSecond), "other");
    EXPECT_EQ(label.series(), 0u);
}

TEST(BoundedLabel, AProgramNamedOtherNeverTakesASeries) {
    BoundedLabel label(1);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(label.value_for("other", kSecond), "other");
    EXPECT_EQ(label.series(), 0u) << "the one series other may have is other's";
}

// "name{label=value}" -> value, for everything the registry and the command-name counts hold.
std::map<std::string, double> values_of(const Metrics& metrics) {
    std::map<std::string, double> values;
    for (const auto& family : metrics.collect()) {
        for (const auto& metric : family.metric) {
            std::string key = family.name;
            for (const auto& label : metric.label) key += "{" + label.name + "=" + label.value + "}";
            if (family.type == prometheus::MetricType::Histogram)
                values[key + "_count"] = static_cast<double>(metric.histogram.sample_count);
            else
                values[key] = family.type == prometheus::MetricType::Gauge ? metric.gauge.value : metric.counter.value;
        }
    }
    return values;
}

Event exec_of(const char* comm, uint64_t time_ns = kSecond) {
    ExecEvent e;
    e.proc.comm = comm;
    e.proc.time_ns = time_ns;
    return Event{e};
}

// A series that goes and comes back resumes where it stopped: a counter never goes back.
TEST(MetricsRegistry, ACommandNameSeriesThatComesBackResumesItsCount) {
    Metrics metrics(1);
    for (int i = 0; i < 2; ++i) metrics.count(exec_of("make"));
    EXPECT_EQ(values_of(metrics)["bootstrap_execs_total{comm=make}"], 1);
    for (int i = 0; i < 3; ++i) metrics.count(exec_of("cc1"));
    auto values = values_of(metrics);
    EXPECT_EQ(values.count("bootstrap_execs_total{comm=make}"), 0u) << "cc1 came more often";
    EXPECT_EQ(values["bootstrap_execs_total{comm=cc1}"], 1);
    EXPECT_EQ(values["bootstrap_execs_total{comm=other}"], 3);
    for (int i = 0; i < 4; ++i) metrics.count(exec_of("make"));
    values = values_of(metrics);
    EXPECT_EQ(values["bootstrap_execs_total{comm=make}"], 2) << "its 1, and the exec that took the series back";
    EXPECT_EQ(values.count("bootstrap_execs_total{comm=cc1}"), 0u);
    EXPECT_EQ(values["bootstrap_execs_total{comm=other}"], 6);
}

// A process may name itself nothing at all: that name gives its series up like any other.
TEST(MetricsRegistry, AnEmptyCommandNameGivesItsSeriesUpToo) {
    Metrics metrics(1);
    for (int i = 0; i < 2; ++i) metrics.count(exec_of(""));
    EXPECT_EQ(values_of(metrics)["bootstrap_execs_total{comm=}"], 1);
    for (int i = 0; i < 3; ++i) metrics.count(exec_of("cc1"));
    size_t series = 0;
    for (const auto& [key, value] : values_of(metrics)) series += key.rfind("bootstrap_execs_total{", 0) == 0;
    EXPECT_EQ(series, 2u) << "cc1 and other";
}

TEST(MetricsRegistry, CountsWhatTheEventsSay) {
    Metrics metrics(10);
    auto exit = [](uint32_t raw_status, uint64_t age_ns) {
        ExitEvent e;
        e.status.raw = raw_status;
        e.age_ns = age_ns;
        return Event{e};
    };
    for (int i = 0; i < 3; ++i) metrics.count(exec_of("make"));
    metrics.count(exit(0, 500'000));             // success, 0.5 ms
    metrics.count(exit(2 << 8, 2'000'000'000));  // status 2, 2 s
    metrics.count(exit(9, 1'000));               // SIGKILL
    metrics.count(exit(11 | 0x80, 1'000));       // SIGSEGV, core dumped
    ExitEvent thread;
    thread.thread_only = true;
    metrics.count(Event{thread});  // a thread's end is not a process's
    ExecFailedEvent failed;
    failed.error = ENOENT;
    metrics.count(Event{failed});
    metrics.count_lost(4);

    auto values = values_of(metrics);
    EXPECT_EQ(values["bootstrap_execs_total{comm=other}"], 1);  // make's first sighting
    EXPECT_EQ(values["bootstrap_execs_total{comm=make}"], 2);
    EXPECT_EQ(values["bootstrap_exits_total{outcome=success}"], 1);
    EXPECT_EQ(values["bootstrap_exits_total{outcome=failure}"], 1);
    EXPECT_EQ(values["bootstrap_exits_total{outcome=signaled}"], 1);
    EXPECT_EQ(values["bootstrap_exits_total{outcome=core_dumped}"], 1);
    EXPECT_EQ(values["bootstrap_exit_signals_total{signal=SIGKILL}"], 1);
    EXPECT_EQ(values["bootstrap_exit_signals_total{signal=SIGSEGV}"], 1);
    EXPECT_EQ(values["bootstrap_exec_failures_total{error=ENOENT}"], 1);
    EXPECT_EQ(values["bootstrap_events_lost_total"], 4);
    EXPECT_EQ(values["bootstrap_process_lifetime_seconds_count"], 4);
    EXPECT_EQ(values["bootstrap_build_info{version=" BOOTSTRAP_VERSION "}"], 1);
}

// A directory of its own for each LogFile test, removed at the end.
class LogFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/bootstrap-logfile-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        path_ = dir_ + "/events.json";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    FileDescriptor open_file() const { return FileDescriptor(open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)); }
    static std::string read(const std::string& path) {
        std::ifstream in(path);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    std::string dir_;
    std::string path_;
};

TEST_F(LogFileTest, RotatesAtLineBoundariesKeepingEveryLineOnce) {
    LogFile file(path_, open_file(), {.max_bytes = 4096, .max_files = 100, .survive_errors = false});
    std::string expected;
    std::string batch;
    for (int i = 0; i < 1000; ++i) {
        std::string line =
            "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(static_cast<size_t>(i % 97), 'x') + "\"}\n";
        expected += line;
        batch += line;
        if (i % 13 == 0) {  // batches of every size, as drains write them
            file.write(batch);
            batch.clear();
        }
    }
    file.write(batch);
    std::string all;
    for (uint32_t n = 100; n >= 1; --n) {
        std::string rotated = path_ + "." + std::to_string(n);
        if (!std::filesystem::exists(rotated)) continue;
        std::string text = read(rotated);
        EXPECT_LE(text.size(), 4096u) << rotated;
        EXPECT_EQ(text.back(), '\n') << rotated;
        all += text;
    }
    all += read(path_);
    EXPECT_EQ(all, expected);
    EXPECT_GT(file.rotations(), 10u);
}

TEST_F(LogFileTest, KeepsOnlyMaxFilesRotatedFiles) {
    LogFile file(path_, open_file(), {.max_bytes = 4096, .max_files = 2, .survive_errors = false});
    for (int i = 0; i < 100; ++i) file.write(std::string(200, 'a' + static_cast<char>(i % 26)) + "\n");
    EXPECT_TRUE(std::filesystem::exists(path_ + ".1"));
    EXPECT_TRUE(std::filesystem::exists(path_ + ".2"));
    EXPECT_FALSE(std::filesystem::exists(path_ + ".3"));
    // The newest lines are in FILE, those just before in FILE.1.
    std::string newest = read(path_);
    std::string last_line = std::string(200, 'a' + 99 % 26) + "\n";
    ASSERT_GE(newest.size(), last_line.size());
    EXPECT_EQ(newest.substr(newest.size() - last_line.size()), last_line);
    EXPECT_EQ(read(path_ + ".1").size() % last_line.size(), 0u) << "whole lines only";
}

TEST_F(LogFileTest, ALineLongerThanTheLimitGetsAFileOfItsOwn) {
    LogFile file(path_, open_file(), {.max_bytes = 4096, .max_files = 5, .survive_errors = false});
    file.write("short\n");
    std::string long_line = std::string(10'000, 'L') + "\n";
    file.write(long_line);
    file.write("after\n");
    EXPECT_EQ(read(path_ + ".2"), "short\n");
    EXPECT_EQ(read(path_ + ".1"), long_line);
    EXPECT_EQ(read(path_), "after\n");
}

TEST_F(LogFileTest, ReopenFollowsAFileMovedAway) {
    LogFile file(path_, open_file(), {});
    file.write("before\n");
    std::filesystem::rename(path_, dir_ + "/moved.json");
    file.write("still the old file\n");
    ASSERT_TRUE(file.reopen());
    file.write("after\n");
    EXPECT_EQ(read(dir_ + "/moved.json"), "before\nstill the old file\n");
    EXPECT_EQ(read(path_), "after\n");
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "a new file is private to its owner";
}

// A reopen takes only a private regular file of its own with no other name; anything else is left as it
// is, and a FIFO with no reader is refused at once rather than waited on.
TEST_F(LogFileTest, ReopenRefusesWhatIsNotAPrivateRegularFileOfItsOwn) {
    LogFile file(path_, open_file(), {});
    file.write("kept\n");
    std::string moved = dir_ + "/moved.json";
    auto expect_refused = [&](const std::string& what) {
        EXPECT_FALSE(file.reopen()) << what;
        file.write(what + "\n");
        std::filesystem::remove(path_);
    };
    std::filesystem::rename(path_, moved);
    ASSERT_EQ(symlink(moved.c_str(), path_.c_str()), 0);
    expect_refused("symlink");
    ASSERT_EQ(mkfifo(path_.c_str(), 0666), 0);
    expect_refused("fifo");
    ASSERT_EQ(link(moved.c_str(), path_.c_str()), 0);
    expect_refused("hard link");
    EXPECT_EQ(file.reopen_failures(), 3u);
    EXPECT_EQ(read(moved), "kept\nsymlink\nfifo\nhard link\n") << "written on to the file it was";

    FileDescriptor shared(open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
    ASSERT_EQ(fchmod(shared.get(), 0644), 0);
    ASSERT_TRUE(file.reopen());
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "made private to its owner";
}

TEST_F(LogFileTest, WriteErrorEndsTheRunUnlessSurvived) {
    LogFile strict("/dev/full", FileDescriptor(open("/dev/full", O_WRONLY)), {});
    EXPECT_EQ(strict.write("x\n"), "cannot write to /dev/full: No space left on device") << "the run's to end";
    LogFile service("/dev/full", FileDescriptor(open("/dev/full", O_WRONLY)), {.survive_errors = true});
    EXPECT_EQ(service.write("one\ntwo\n"), std::nullopt);
    EXPECT_EQ(service.write("three\n"), std::nullopt);
    EXPECT_EQ(service.lines_dropped(), 3u);
    EXPECT_EQ(service.write_errors(), 2u);
}

}  // namespace
}  // namespace bootstrap
