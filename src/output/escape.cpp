#include "output/escape.h"

namespace bootstrap {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(fmt::memory_buffer& out, unsigned char byte) {
    const char escaped[4] = {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    out.append(escaped, escaped + 4);
}

uint32_t decode_code_point(std::string_view seq) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(seq[i])); };
    switch (seq.size()) {
        case 2:
            return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
        case 3:
            return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
    }
}

// Code points that reorder text or show as nothing, so a name could pass for another on screen (Trojan
// Source, and `sshd` followed by a Hangul filler): bidirectional controls, zero-width characters, line
// and paragraph separators, the BOM, and the characters that are blank or invisible by design: soft
// hyphen, combining grapheme joiner, Hangul fillers, Khmer and Mongolian invisible vowels and selectors,
// variation selectors and tag characters.
bool is_invisible_or_reordering(uint32_t cp) {
    return cp == 0x00ad || cp == 0x034f || cp == 0x061c || cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
           cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 ||
           (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 || (cp >= 0xe0000 && cp <= 0xe01ef);
}

}  // namespace

size_t utf8_sequence_length(std::string_view bytes) {
    if (bytes.empty()) return 0;
    auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
    unsigned char lead = byte(0);
    size_t len;
    uint32_t min_cp;
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
        min_cp = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        min_cp = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        min_cp = 0x10000;
    } else
        return 0;
    if (bytes.size() < len) return 0;
    for (size_t i = 1; i < len; ++i)
        if ((byte(i) & 0xc0) != 0x80) return 0;
    uint32_t cp = decode_code_point(bytes.substr(0, len));
    if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, surrogate
    return len;
}

void append_escaped(fmt::memory_buffer& out, std::string_view bytes, Spaces spaces) {
    const bool escape_spaces = spaces == Spaces::escape;
    size_t i = 0;
    while (i < bytes.size()) {
        // Fast path: a run of printable ASCII other than the backslash (and the space, when escaped).
        size_t run = i;
        while (run < bytes.size()) {
            auto c = static_cast<unsigned char>(bytes[run]);
            if (c < 0x20 || c >= 0x7f || c == '\\' || (c == ' ' && escape_spaces)) break;
            ++run;
        }
        out.append(bytes.data() + i, bytes.data() + run);
        i = run;
        if (i == bytes.size()) break;

        auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\\') {
            out.append(std::string_view("\\\\"));
            ++i;
            continue;
        }
        if (c < 0x80) {  // C0 control, DEL, or an escaped space
            switch (c) {
                case '\n':
                    out.append(std::string_view("\\n"));
                    break;
                case '\t':
                    out.append(std::string_view("\\t"));
                    break;
                case '\r':
                    out.append(std::string_view("\\r"));
                    break;
                default:
                    append_hex_byte(out, c);
            }
            ++i;
            continue;
        }
        size_t len = utf8_sequence_length(bytes.substr(i));
        if (len == 0) {
            append_hex_byte(out, c);
            ++i;
            continue;
        }
        uint32_t cp = decode_code_point(bytes.substr(i, len));
        if (cp < 0xa0) {  // C1 controls (U+0080..U+009F), e.g. CSI
            for (size_t k = 0; k < len; ++k) append_hex_byte(out, static_cast<unsigned char>(bytes[i + k]));
        } else if (is_invisible_or_reordering(cp)) {
            fmt::format_to(fmt::appender(out), "\\u{{{:04x}}}", cp);
        } else {
            out.append(bytes.data() + i, bytes.data() + i + len);
        }
        i += len;
    }
}

void append_field_value(fmt::memory_buffer& out, std::string_view value) {
    constexpr std::string_view kFieldSyntax = "'\"=";
    size_t start = 0;
    for (size_t pos; (pos = value.find_first_of(kFieldSyntax, start)) != std::string_view::npos; start = pos + 1) {
        append_escaped(out, value.substr(start, pos - start), Spaces::escape);
        append_hex_byte(out, static_cast<unsigned char>(value[pos]));
    }
    append_escaped(out, value.substr(start), Spaces::escape);
}

void append_quoted_arg(fmt::memory_buffer& out, std::string_view arg) {
    bool plain = !arg.empty();
    for (char ch : arg) {
        auto c = static_cast<unsigned char>(ch);
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-_./=:,+@%^").find(ch) != std::string_view::npos || c >= 0x80;
        if (!safe) {
            plain = false;
            break;
        }
    }
    if (plain) {
        append_escaped(out, arg);
        return;
    }
    out.push_back('\'');
    size_t start = 0;
    for (size_t pos; (pos = arg.find('\'', start)) != std::string_view::npos; start = pos + 1) {
        append_escaped(out, arg.substr(start, pos - start));
        out.append(std::string_view("\\'"));
    }
    append_escaped(out, arg.substr(start));
    out.push_back('\'');
}

}  // namespace bootstrap
