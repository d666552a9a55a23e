// What the kernel could not deliver, from its running totals: each loss counted once, said on stderr for
// text output only, and forks not followed said once per batch.
#include "app/loss_report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace bootstrap {
namespace {

// A stream in memory standing in for stderr.
class Messages {
public:
    Messages() : file_(open_memstream(&data_, &size_)) {}
    ~Messages() {
        std::fclose(file_);
        std::free(data_);
    }
    Messages(const Messages&) = delete;
    Messages& operator=(const Messages&) = delete;
    std::FILE* file() { return file_; }
    std::string text() {
        std::fflush(file_);
        return std::string(data_, size_);
    }

private:
    char* data_ = nullptr;
    size_t size_ = 0;
    std::FILE* file_;
};

TEST(LossReport, EachLossIsTakenOnceAndTextOutputSaysIt) {
    Messages messages;
    LossReport report(true, messages.file());
    EXPECT_EQ(report.take_lost(0), 0u);
    EXPECT_EQ(report.take_lost(5), 5u);
    EXPECT_EQ(report.take_lost(5), 0u);
    EXPECT_EQ(report.take_lost(12), 7u);
    EXPECT_EQ(messages.text(),
              "bootstrap: lost 5 events: the ring buffer was full (a larger --ring-size helps)\n"
              "bootstrap: lost 7 events: the ring buffer was full (a larger --ring-size helps)\n");
}

TEST(LossReport, JsonOutputGetsTheCountWithoutALine) {
    Messages messages;
    LossReport report(false, messages.file());
    EXPECT_EQ(report.take_lost(3), 3u);
    EXPECT_EQ(messages.text(), "");
}

TEST(LossReport, ForksNotFollowedAreSaidOncePerBatch) {
    Messages messages;
    LossReport report(false, messages.file());
    report.report_untracked(0);
    report.report_untracked(2);
    report.report_untracked(2);
    report.report_untracked(10);
    EXPECT_EQ(messages.text(),
              "bootstrap: 2 new processes could not be followed: more than 32768 traced at once\n"
              "bootstrap: 8 new processes could not be followed: more than 32768 traced at once\n");
}

}  // namespace
}  // namespace bootstrap
