// exec_id: a hash of kernel facts only, checked against xxHash's own command-line tool, and different
// whenever any of the facts differs.
#include "events/exec_id.h"
#include "temp_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

namespace bootstrap {
namespace {

const BootId kBootId = *parse_boot_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

// XXH3-128 of `bytes` as xxh128sum prints it: high 64 bits, then low 64 bits, in hex.
std::pair<uint64_t, uint64_t> xxh128sum(const std::string& bytes) {
    testing::TempFile file("bootstrap-exec-id");
    std::ofstream(file.path(), std::ios::binary) << bytes;
    std::string command = "xxh128sum " + file.path();
    FILE* pipe = popen(command.c_str(), "r");
    char hex[33] = {};
    EXPECT_EQ(std::fscanf(pipe, "%32s", hex), 1);
    pclose(pipe);
    std::string text(hex);
    return {std::stoull(text.substr(0, 16), nullptr, 16), std::stoull(text.substr(16), nullptr, 16)};
}

template <typename T>
void append_le(std::string& out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

TEST(ExecId, IsXxh3OfTheBootIdAndTheImageIn16Base64UrlCharacters) {
    ImageKey image{4242, 123'456'789'012, 7};
    std::string input(kBootId.begin(), kBootId.end());
    append_le(input, image.pid);
    append_le(input, image.start_time_ns);
    append_le(input, image.exec_seq);
    auto [high, low] = xxh128sum(input);

    // The low 96 bits, six at a time from the least significant, as base64url.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    __extension__ using uint128 = unsigned __int128;
    uint128 bits = (static_cast<uint128>(high & 0xffffffffu) << 64) | low;
    std::string expected;
    for (int i = 0; i < 16; ++i) expected.push_back(alphabet[static_cast<size_t>(bits >> (6 * i)) & 63]);

    EXPECT_EQ(ExecIds(kBootId)(image), expected);
}

TEST(ExecId, ChangesWithEveryFact) {
    ExecIds ids(kBootId);
    ImageKey base{100, 5'000'000, 2};
    std::set<std::string> seen = {ids(base)};
    for (ImageKey other : {ImageKey{101, 5'000'000, 2}, ImageKey{100, 5'000'001, 2}, ImageKey{100, 5'000'000, 3}})
        EXPECT_TRUE(seen.insert(ids(other)).second);
    BootId another_boot = kBootId;
    another_boot[15] ^= 1;
    EXPECT_TRUE(seen.insert(ExecIds(another_boot)(base)).second);
    EXPECT_EQ(ids(base), ExecIds(kBootId)(base)) << "the same facts give the same id";
    EXPECT_EQ(ids(base).size(), ExecIds::kLength);
}

TEST(BootId, ParsesTheKernelsUuidAndRejectsAnythingElse) {
    auto id = parse_boot_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n");
    ASSERT_TRUE(id);
    EXPECT_EQ((*id)[0], 0x0f);
    EXPECT_EQ((*id)[15], 0xf0);
    EXPECT_FALSE(parse_boot_id(""));
    EXPECT_FALSE(parse_boot_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1"));
    EXPECT_FALSE(parse_boot_id("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0aa"));
    EXPECT_FALSE(parse_boot_id("zz1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
    EXPECT_NO_THROW(read_boot_id()) << "this host's /proc gives one";
}

}  // namespace
}  // namespace bootstrap
