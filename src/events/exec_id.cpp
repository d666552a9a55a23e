#include "events/exec_id.h"

#include "util/error.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <fstream>

namespace bootstrap {

namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Little-endian, whatever the host: the same process gets the same id on every architecture.
template <typename T>
uint8_t* put_le(uint8_t* out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i) *out++ = static_cast<uint8_t>(value >> (8 * i));
    return out;
}

}  // namespace

std::optional<BootId> parse_boot_id(std::string_view text) {
    BootId id{};
    size_t n = 0;
    for (size_t i = 0; i < text.size() && text[i] != '\n'; ++i) {
        if (text[i] == '-') continue;
        int high = hex_digit(text[i]);
        int low = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
        if (high < 0 || low < 0 || n == id.size()) return std::nullopt;
        id[n++] = static_cast<uint8_t>(high << 4 | low);
        ++i;
    }
    if (n != id.size()) return std::nullopt;
    return id;
}

BootId read_boot_id() {
    std::ifstream file("/proc/sys/kernel/random/boot_id");
    std::string text;
    std::getline(file, text);
    if (auto id = parse_boot_id(text)) return *id;
    throw Error("cannot read this boot's id from /proc/sys/kernel/random/boot_id", "is /proc mounted?");
}

void ExecIds::append(fmt::memory_buffer& out, const ImageKey& image) const {
    uint8_t input[sizeof(BootId) + 4 + 8 + 8];
    uint8_t* end = std::copy(boot_id_.begin(), boot_id_.end(), input);
    end = put_le(end, image.pid);
    end = put_le(end, image.start_time_ns);
    put_le(end, image.exec_seq);
    XXH128_hash_t hash = XXH3_128bits(input, sizeof(input));
    // 96 bits: all of low64 and the low 32 of high64, six bits per character.
    uint64_t words[2] = {hash.low64, hash.high64};
    for (size_t i = 0; i < kLength; ++i) {
        size_t bit = i * 6;
        uint64_t value = words[bit / 64] >> (bit % 64);
        if (bit % 64 > 58) value |= words[bit / 64 + 1] << (64 - bit % 64);
        out.push_back(kBase64Url[value & 63]);
    }
}

std::string ExecIds::operator()(const ImageKey& image) const {
    fmt::memory_buffer out;
    append(out, image);
    return fmt::to_string(out);
}

}  // namespace bootstrap
