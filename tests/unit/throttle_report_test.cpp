// ThrottleReport: a throttled spell is reported once quiet for a second or at the end, with what was dropped
// since the last report; what the full ring lost is attributed to each cgroup once.
#include "app/throttle_report.h"

#include <gtest/gtest.h>

#include <map>

namespace bootstrap {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

class ThrottleReportTest : public ::testing::Test {
protected:
    ThrottleReport report{[this](uint64_t id) -> std::optional<std::string> {
        auto found = paths.find(id);
        if (found == paths.end()) return std::nullopt;
        return found->second;
    }};
    std::map<uint64_t, std::string> paths{
        {7, "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"}};
    std::vector<CgroupLoss> losses;
    std::vector<uint64_t> marked;  // last_drop_ns of each count reported

    std::vector<ThrottledSpell> take(const std::vector<CgroupCounts>& counts, uint64_t now, bool ending = false) {
        uint64_t throttled = 0, lost = 0;
        for (const auto& c : counts) {
            throttled += c.dropped_execs + c.dropped_exits;
            lost += c.lost;
        }
        return report.take(counts, throttled, lost, now, ending, losses,
                           [this](const CgroupCounts& c) { marked.push_back(c.last_drop_ns); });
    }
};

TEST_F(ThrottleReportTest, ASpellIsReportedOnceQuietForASecond) {
    CgroupCounts flood{.cgroup_id = 7,
                       .dropped_execs = 10,
                       .dropped_exits = 9,
                       .spell_start_ns = 100 * kSecond,
                       .last_drop_ns = 101 * kSecond};
    EXPECT_TRUE(take({flood}, 101 * kSecond + kSecond / 2).empty()) << "still dropping half a second ago";
    EXPECT_TRUE(report.needs_counts(19, 0)) << "an open spell is read again";
    auto spells = take({flood}, 102 * kSecond);
    ASSERT_EQ(spells.size(), 1u);
    EXPECT_EQ(spells[0].cgroup_id, 7u);
    EXPECT_EQ(spells[0].dropped_execs, 10u);
    EXPECT_EQ(spells[0].dropped_exits, 9u);
    EXPECT_EQ(spells[0].since_ns, 100 * kSecond);
    EXPECT_EQ(spells[0].until_ns, 101 * kSecond);
    EXPECT_EQ(spells[0].cgroup, paths[7]);
    EXPECT_EQ(spells[0].container_id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    EXPECT_EQ(marked, std::vector<uint64_t>{101 * kSecond});
    EXPECT_FALSE(report.needs_counts(19, 0)) << "nothing new, nothing open";
    EXPECT_TRUE(take({flood}, 200 * kSecond).empty()) << "reported once";
}

TEST_F(ThrottleReportTest, ALaterSpellReportsOnlyWhatItDropped) {
    CgroupCounts flood{.cgroup_id = 7, .dropped_execs = 10, .dropped_exits = 9, .spell_start_ns = 1, .last_drop_ns = 2};
    ASSERT_EQ(take({flood}, 5 * kSecond).size(), 1u);
    flood.dropped_execs = 15;
    flood.spell_start_ns = 6 * kSecond;
    flood.last_drop_ns = 6 * kSecond;
    auto spells = take({flood}, 6 * kSecond, /*ending=*/true);
    ASSERT_EQ(spells.size(), 1u) << "the end reports a spell still open";
    EXPECT_EQ(spells[0].dropped_execs, 5u);
    EXPECT_EQ(spells[0].dropped_exits, 0u);
    EXPECT_EQ(spells[0].since_ns, 6 * kSecond);
}

TEST_F(ThrottleReportTest, LossesAreAttributedOnceEach) {
    CgroupCounts gone{.cgroup_id = 9, .lost = 4};
    CgroupCounts overflow{.cgroup_id = 0, .lost = 1};
    EXPECT_TRUE(take({gone, overflow}, kSecond).empty()) << "losses are not spells";
    ASSERT_EQ(losses.size(), 2u);
    EXPECT_EQ(losses[0].cgroup_id, 9u);
    EXPECT_EQ(losses[0].count, 4u);
    EXPECT_FALSE(losses[0].cgroup) << "a cgroup whose path is unknown";
    EXPECT_EQ(losses[1].cgroup_id, 0u);
    losses.clear();
    gone.lost = 6;
    take({gone, overflow}, 2 * kSecond);
    ASSERT_EQ(losses.size(), 1u);
    EXPECT_EQ(losses[0].count, 2u);
}

}  // namespace
}  // namespace bootstrap
