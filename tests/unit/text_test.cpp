// The default text format, byte for byte: a fixed clock offset and TZ=UTC make the time column exact.
#include "output/text.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace bootstrap {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMillisecond = 1'000'000;
// 2024-01-02 03:04:05 UTC, reached at CLOCK_MONOTONIC 50 s.
constexpr int64_t kEpochSeconds = 1704164645;
constexpr uint64_t kMonotonic = 50 * kSecond;

class TextFormat : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // localtime_r reads TZ; the suite's expectations are in UTC wherever the test runs.
        const char* tz = std::getenv("TZ");
        saved_tz_ = tz ? std::optional<std::string>(tz) : std::nullopt;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    static void TearDownTestSuite() {
        if (saved_tz_)
            setenv("TZ", saved_tz_->c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }

    // Formats `events` through a fresh sink and returns the bytes it wrote.
    template <typename... Events>
    std::string lines(TextOptions options, const Events&... events) {
        Writer out(-1);  // never flushed: the test reads the buffer
        WallClock clock(kEpochSeconds * static_cast<int64_t>(kSecond) - static_cast<int64_t>(kMonotonic));
        TextSink sink(out, TimeFormatter(clock, TimeFormat::Local, 0), options);
        (sink.on_event(Event{events}), ...);
        return fmt::to_string(out.buffer());
    }
    template <typename... Events>
    std::string lines(const Events&... events) {
        return lines(TextOptions{}, events...);
    }

    static ProcessInfo proc(std::string comm = "bash", uint64_t time_ns = kMonotonic) {
        ProcessInfo p;
        p.time_ns = time_ns;
        p.pid = 4242;
        p.tid = 4242;
        p.ppid = 17;
        p.comm = std::move(comm);
        return p;
    }

    static ExitEvent exit_with(uint32_t status, std::optional<uint64_t> duration_ns) {
        ExitEvent e;
        e.proc = proc("sleep");
        e.status.raw = status;
        e.duration_ns = duration_ns;
        return e;
    }

private:
    static inline std::optional<std::string> saved_tz_;
};

TEST_F(TextFormat, HeaderLine) {
    Writer out(-1);
    TextSink sink(out, TimeFormatter(WallClock(0), TimeFormat::Local, 0));
    sink.begin();
    EXPECT_EQ(fmt::to_string(out.buffer()), "TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE\n");
}

TEST_F(TextFormat, Exec) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/usr/bin/ls";
    e.argv = {"ls", "-l"};
    EXPECT_EQ(lines(e), "03:04:05 EXEC  bash             4242    17      /usr/bin/ls\n");
}

TEST_F(TextFormat, ExecWithArguments) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/usr/bin/ls";
    e.argv = {"ls", "-l", "a b", ""};
    EXPECT_EQ(lines(TextOptions{.show_args = true}, e),
              "03:04:05 EXEC  bash             4242    17      /usr/bin/ls -l 'a b' ''\n");
    e.argv_truncated = true;
    EXPECT_EQ(lines(TextOptions{.show_args = true}, e),
              "03:04:05 EXEC  bash             4242    17      /usr/bin/ls -l 'a b' '' ...\n");
}

TEST_F(TextFormat, ExitCodeWithDuration) {
    EXPECT_EQ(lines(exit_with(3 << 8, 12 * kMillisecond + 999'999)),
              "03:04:05 EXIT  sleep            4242    17      [3] (12ms)\n");
}

TEST_F(TextFormat, ExitWithoutDuration) {
    EXPECT_EQ(lines(exit_with(0, std::nullopt)), "03:04:05 EXIT  sleep            4242    17      [0]\n");
    EXPECT_EQ(lines(exit_with(0, 0)), "03:04:05 EXIT  sleep            4242    17      [0] (0ms)\n");
}

TEST_F(TextFormat, KilledBySignal) {
    EXPECT_EQ(lines(exit_with(SIGKILL, 1500 * kMillisecond)),
              "03:04:05 EXIT  sleep            4242    17      [SIGKILL] (1500ms)\n");
}

TEST_F(TextFormat, SignalWithCoreDump) {
    EXPECT_EQ(lines(exit_with(0x80 | SIGSEGV, std::nullopt)),
              "03:04:05 EXIT  sleep            4242    17      [SIGSEGV core]\n");
}

TEST_F(TextFormat, ThreadExit) {
    ExitEvent e = exit_with(0, std::nullopt);
    e.thread_only = true;
    EXPECT_EQ(lines(e), "03:04:05 TEXIT sleep            4242    17      [0]\n");
}

TEST_F(TextFormat, FailedExec) {
    ExecFailedEvent e;
    e.proc = proc();
    e.error = ENOENT;
    e.filename = "/no/such";
    EXPECT_EQ(lines(e), "03:04:05 FAIL  bash             4242    17      /no/such [ENOENT]\n");
}

TEST_F(TextFormat, HostileCommIsEscapedAndPadded) {
    ExitEvent e = exit_with(0, std::nullopt);
    e.proc.comm = "\x1b[31m";  // 5 bytes in, 8 escaped: the column pads what is printed
    EXPECT_EQ(lines(e), "03:04:05 EXIT  \\x1b[31m         4242    17      [0]\n");
    // Wider than the column once escaped: no padding, but still one space before the pid.
    e.proc.comm = "\x1b\x1b\x1b\x1b\x1b";
    EXPECT_EQ(lines(e), "03:04:05 EXIT  \\x1b\\x1b\\x1b\\x1b\\x1b 4242    17      [0]\n");
}

TEST_F(TextFormat, HostileFilenameIsEscaped) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/tmp/a\nb\xe2\x80\xae";
    EXPECT_EQ(lines(e), "03:04:05 EXEC  bash             4242    17      /tmp/a\\nb\\u{202e}\n");
}

TEST_F(TextFormat, TimeFollowsEachEventsSecond) {
    ExitEvent first = exit_with(0, std::nullopt), second = first, third = first;
    first.proc.time_ns = kMonotonic + kSecond - 1;  // still 03:04:05
    second.proc.time_ns = kMonotonic + kSecond;
    third.proc.time_ns = kMonotonic + 3600 * kSecond;
    EXPECT_EQ(lines(first, second, third),
              "03:04:05 EXIT  sleep            4242    17      [0]\n"
              "03:04:06 EXIT  sleep            4242    17      [0]\n"
              "04:04:05 EXIT  sleep            4242    17      [0]\n");
}

TEST_F(TextFormat, ImpossibleTimestampsStillMakeALine) {
    // A broken record can carry any time_ns; converting it must not overflow (UBSan checks that in the
    // sanitizer build) and the line keeps its shape. The last value is the one fuzz_decode found.
    for (TimeFormat format : {TimeFormat::Local, TimeFormat::Utc, TimeFormat::Iso, TimeFormat::Relative}) {
        for (uint64_t time_ns : {uint64_t{0}, uint64_t{1} << 63, ~uint64_t{0}, uint64_t{0x6a8c000ba43b7400}}) {
            Writer out(-1);
            TextSink sink(out, TimeFormatter(WallClock(1'700'000'000'000'000'000), format, kMonotonic));
            ExitEvent e = exit_with(0, std::nullopt);
            e.proc.time_ns = time_ns;
            sink.on_event(e);
            std::string line = fmt::to_string(out.buffer());
            EXPECT_TRUE(line.ends_with(" EXIT  sleep            4242    17      [0]\n")) << line;
        }
    }
}

TEST_F(TextFormat, RelativeTimeBeforeTheStartIsNegative) {
    Writer out(-1);
    TextSink sink(out, TimeFormatter(WallClock(0), TimeFormat::Relative, kMonotonic), TextOptions{});
    ExitEvent e = exit_with(0, std::nullopt);
    e.proc.time_ns = kMonotonic - kSecond / 2;
    sink.on_event(e);
    EXPECT_EQ(fmt::to_string(out.buffer()), "-0.500000  EXIT  sleep            4242    17      [0]\n");
}

// --ancestors: the chain from the root down to the process itself, escaped like every name.
TEST_F(TextFormat, ExecWithItsAncestry) {
    ExecEvent e;
    e.proc = proc("make");
    e.filename = "/usr/bin/make";
    e.ancestors = std::vector<Ancestor>{{{17, 1, 1}, "bash", "/usr/bin/bash"},
                                        {{9, 1, 1}, "ss\x1bhd", "/usr/sbin/sshd"},
                                        {{1, 1, 1}, "systemd", "/sbin/init"}};
    EXPECT_EQ(lines(e), "03:04:05 EXEC  make             4242    17      /usr/bin/make  systemd>ss\\x1bhd>bash>make\n");
}

// --context: a directory a process named to look like more fields stays one word, its spaces, quotes and
// '=' escaped; a removed one is marked. A set-id bit that lowered root's privileges says so.
TEST_F(TextFormat, ContextCannotBeForgedByTheDirectoryName) {
    ExecEvent e;
    e.proc = proc("id");
    e.filename = "/tmp/id";
    e.context.cwd = "/tmp/a' tty=pts/7 auid=0 x=\"b";
    e.context.cwd_deleted = true;
    e.context.lowered_setuid = true;
    e.context.auid = 1000;
    EXPECT_EQ(lines(TextOptions{.show_context = true}, e),
              "03:04:05 EXEC  id               4242    17      /tmp/id [setuid-lowered] "
              "cwd=/tmp/a\\x27\\x20tty\\x3dpts/7\\x20auid\\x3d0\\x20x\\x3d\\x22b [deleted] tty=- auid=1000\n");
}

TEST_F(TextFormat, ALongAncestryKeepsItsEnds) {
    ExecEvent e;
    e.proc = proc("leaf");
    e.filename = "/bin/leaf";
    std::vector<Ancestor> chain;
    for (uint32_t i = 10; i >= 1; --i) chain.push_back({{i, 1, 1}, "p" + std::to_string(i), ""});
    e.ancestors = chain;  // p10 is the parent, p1 the root
    EXPECT_EQ(lines(e), "03:04:05 EXEC  leaf             4242    17      /bin/leaf  p1>p2>p3>p4>...>p8>p9>p10>leaf\n");
}

TEST_F(TextFormat, ExistingProcess) {
    ExistingEvent e;
    e.proc = proc("sshd");
    e.filename = "/usr/sbin/sshd";
    e.argv = {"sshd", "-D"};
    EXPECT_EQ(lines(e), "03:04:05 EXIST sshd             4242    17      /usr/sbin/sshd\n");
    EXPECT_EQ(lines(TextOptions{true}, e), "03:04:05 EXIST sshd             4242    17      /usr/sbin/sshd -D\n");
}

}  // namespace
}  // namespace bootstrap
