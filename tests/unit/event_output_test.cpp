// EventOutput: the event stream's states on real descriptors (pipes, /dev/full, a file), never a wait: a
// reader that does not read stalls it and room resumes it, a stop gives up at its deadline and counts
// what it dropped, a reader that goes away closes it quietly, a write error is told once.
#include "output/event_output.h"

#include "file_text.h"
#include "temp_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace bootstrap::testing {
namespace {

using namespace std::chrono_literals;
using State = EventOutput::State;

// A pipe whose write end never blocks, as the tracer writes its standard output.
class Pipe {
public:
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        read_ = fds[0];
        write_ = fds[1];
        fcntl(write_, F_SETFL, fcntl(write_, F_GETFL) | O_NONBLOCK);
        fcntl(read_, F_SETFL, fcntl(read_, F_GETFL) | O_NONBLOCK);
    }
    ~Pipe() {
        close_reader();
        ::close(write_);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    int write_end() const { return write_; }
    // Everything in the pipe now.
    std::string take() {
        std::string text;
        char chunk[65536];
        ssize_t n;
        while ((n = ::read(read_, chunk, sizeof(chunk))) > 0) text.append(chunk, static_cast<size_t>(n));
        return text;
    }
    void close_reader() {
        if (read_ >= 0) ::close(read_);
        read_ = -1;
    }

private:
    int read_ = -1;
    int write_ = -1;
};

uint64_t lines_in(const std::string& text) {
    return static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

// What the loop does when the reader goes: its slot fires, serve() closes the output, quietly.
void expect_closed_by_the_readers_departure(EventOutput& output) {
    pollfd slot = output.poll_slot();
    ASSERT_EQ(poll(&slot, 1, 1000), 1);
    output.serve(slot.revents);
    EXPECT_EQ(output.state(), EventOutput::State::closed);
    EXPECT_TRUE(output.reader_gone());
}

void append(EventOutput& output, const std::string& text) {
    output.writer().buffer().append(text);
}

// Lines the stalling tests write: about 100 bytes each, far more than a pipe holds.
constexpr uint64_t kStallLines = 5000;

// Gives `output` kStallLines numbered lines and flushes them: its pipe, not read, stalls it (unless a stop
// has come, or the reader has gone). Returns the lines.
std::string stall(EventOutput& output) {
    std::string text;
    for (uint64_t i = 0; i < kStallLines; ++i) text += "line " + std::to_string(i) + " " + std::string(90, 'x') + "\n";
    append(output, text);
    output.flush();
    return text;
}

class IgnoreSigpipe {
public:
    IgnoreSigpipe() : previous_(signal(SIGPIPE, SIG_IGN)) {}
    ~IgnoreSigpipe() { signal(SIGPIPE, previous_); }
    IgnoreSigpipe(const IgnoreSigpipe&) = delete;
    IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

private:
    sighandler_t previous_;
};

TEST(EventOutput, OpenWritesEverythingAtEachFlush) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output", pipe.write_end());
    append(output, "one\ntwo\n");
    output.flush();
    EXPECT_EQ(output.state(), State::open);
    EXPECT_TRUE(output.wants_records());
    EXPECT_EQ(pipe.take(), "one\ntwo\n");
    pollfd slot = output.poll_slot();
    EXPECT_EQ(slot.fd, pipe.write_end()) << "the reader's departure is watched";
    EXPECT_EQ(slot.events, 0);
    EXPECT_EQ(output.timeout_ms(), -1);
}

TEST(EventOutput, AReaderThatDoesNotReadStallsItAndRoomResumesIt) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    const std::string text = stall(output);
    ASSERT_EQ(output.state(), State::stalled);
    EXPECT_FALSE(output.wants_records()) << "the ring keeps the records while the reader does not read";
    EXPECT_TRUE(output.writes_events());
    EXPECT_TRUE(output.waiting());
    pollfd slot = output.poll_slot();
    EXPECT_EQ(slot.fd, pipe.write_end());
    EXPECT_EQ(slot.events, POLLOUT);
    output.flush();
    EXPECT_EQ(output.state(), State::stalled) << "a flush while stalled waits for room";

    std::string read;
    for (int turn = 0; turn < 1000 && output.state() == State::stalled; ++turn) {
        read += pipe.take();
        pollfd room = output.poll_slot();
        ASSERT_EQ(poll(&room, 1, 1000), 1);
        output.serve(room.revents);
    }
    read += pipe.take();
    EXPECT_EQ(output.state(), State::open);
    EXPECT_EQ(read, text) << "every byte once, in order";
    EXPECT_EQ(output.not_written(), 0u);
}

TEST(EventOutput, AStopGivesUpAtItsDeadlineAndCountsWhatWasNotWritten) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    stall(output);
    ASSERT_EQ(output.state(), State::stalled);

    auto stop = EventOutput::Clock::now();
    output.give_up_after(500ms, stop);
    EXPECT_EQ(output.state(), State::stopping);
    EXPECT_EQ(output.timeout_ms(stop), 500);
    EXPECT_EQ(output.timeout_ms(stop + 499ms), 1);
    output.serve(0, stop + 499ms);
    EXPECT_EQ(output.state(), State::stopping);
    output.give_up_after(10s, stop);
    EXPECT_EQ(output.timeout_ms(stop), 500) << "a second stop does not move the deadline";
    output.serve(0, stop + 500ms);
    EXPECT_EQ(output.state(), State::closed);
    EXPECT_FALSE(output.reader_gone());
    EXPECT_FALSE(output.writes_events());
    EXPECT_TRUE(output.wants_records()) << "what comes now is counted";
    EXPECT_EQ(output.poll_slot().fd, -1);
    EXPECT_FALSE(output.take_failure());

    uint64_t written = lines_in(pipe.take());
    EXPECT_GT(written, 0u);
    EXPECT_EQ(written + output.not_written(), kStallLines) << "each line written or counted, never both";
    output.count_not_written();
    EXPECT_EQ(written + output.not_written(), kStallLines + 1);
    EXPECT_EQ(output.lines_not_written(), output.not_written());
}

TEST(EventOutput, AStopWhileOpenLeavesItOpenUntilItStalls) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    auto stop = EventOutput::Clock::now();
    output.give_up_after(500ms, stop);
    EXPECT_EQ(output.state(), State::open);
    EXPECT_EQ(output.timeout_ms(stop), -1);
    stall(output);
    EXPECT_EQ(output.state(), State::stopping) << "a stall after a stop has the stop's deadline";
    output.serve(0, stop + 1s);
    EXPECT_EQ(output.state(), State::closed);
}

TEST(EventOutput, AReaderThatGoesAwayClosesItQuietly) {
    IgnoreSigpipe ignore;
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    pipe.close_reader();
    append(output, "one\ntwo\n");
    output.flush();
    EXPECT_EQ(output.state(), State::closed);
    EXPECT_TRUE(output.reader_gone());
    EXPECT_FALSE(output.wants_records()) << "nobody reads them";
    EXPECT_FALSE(output.take_failure()) << "not an error";
    EXPECT_EQ(output.not_written(), 0u) << "nothing is counted for nobody";
    EXPECT_TRUE(output.writer().buffer().size() == 0);
}

TEST(EventOutput, TheReadersDepartureIsSeenInItsSlotWithNothingToWrite) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output", pipe.write_end());
    pipe.close_reader();
    expect_closed_by_the_readers_departure(output);
}

TEST(EventOutput, TheReadersDepartureEndsAStall) {
    IgnoreSigpipe ignore;
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    stall(output);
    ASSERT_EQ(output.state(), State::stalled);
    pipe.close_reader();
    expect_closed_by_the_readers_departure(output);
}

TEST(EventOutput, AWriteErrorIsToldOnceAndWhatItHeldIsCounted) {
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 0);
    EventOutput output(full, "/dev/full");
    append(output, "one\ntwo\nthree\n");
    output.flush();
    EXPECT_EQ(output.state(), State::closed);
    EXPECT_FALSE(output.reader_gone());
    EXPECT_EQ(output.take_failure(), "cannot write to /dev/full: No space left on device");
    EXPECT_FALSE(output.take_failure()) << "told once";
    EXPECT_EQ(output.not_written(), 3u);
    EXPECT_TRUE(output.wants_records()) << "the rest is read, to be counted";
    append(output, "four\n");
    output.flush();
    EXPECT_EQ(output.not_written(), 3u) << "a closed output writes nothing more";
    close(full);
}

TEST(EventOutput, AFileTakesTheLinesAndIsReopenedWhereItWas) {
    TempFile file("bootstrap-event-output");
    int fd = open(file.path().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EventOutput output(fd, file.path(), -1, LogFile(file.path(), FileDescriptor(fd), LogFileLimits{}));
    EXPECT_EQ(output.poll_slot().fd, -1) << "a file has no reader to lose";
    append(output, "one\n");
    output.flush();
    EXPECT_EQ(read_file(file.path()), "one\n");
    std::string moved = file.path() + ".1";
    ASSERT_EQ(rename(file.path().c_str(), moved.c_str()), 0);
    append(output, "two\n");
    EXPECT_TRUE(output.reopen());
    append(output, "three\n");
    output.flush();
    EXPECT_EQ(read_file(moved), "one\ntwo\n") << "what was read before the reopen goes to the old file";
    EXPECT_EQ(read_file(file.path()), "three\n");
    unlink(moved.c_str());
    EXPECT_EQ(output.state(), State::open);
    ASSERT_NE(output.file(), nullptr);
    EXPECT_EQ(output.file()->lines_dropped(), 0u);
}

TEST(EventOutput, ReopenWithoutAFileIsRefused) {
    Pipe pipe;
    EventOutput output(pipe.write_end(), "standard output");
    EXPECT_FALSE(output.reopen());
    EXPECT_EQ(output.file(), nullptr);
}

}  // namespace
}  // namespace bootstrap::testing
