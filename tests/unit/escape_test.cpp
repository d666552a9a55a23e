// Escaping of bytes a traced process controls. Each case is an exact byte string in and out; a property
// test then throws random bytes at both functions and checks the output could not drive a terminal.
#include "output/escape.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {
namespace {

using namespace std::string_literals;

std::string escape(std::string_view bytes) {
    fmt::memory_buffer out;
    append_escaped(out, bytes);
    return fmt::to_string(out);
}

std::string quote_arg(std::string_view arg) {
    fmt::memory_buffer out;
    append_quoted_arg(out, arg);
    return fmt::to_string(out);
}

TEST(Escape, PrintableAsciiPassesThrough) {
    EXPECT_EQ(escape(""), "");
    EXPECT_EQ(escape("/usr/bin/ls -la ~/x_y.z"), "/usr/bin/ls -la ~/x_y.z");
}

TEST(Escape, TerminalEscapeSequences) {
    EXPECT_EQ(escape("\x1b[31mred\x1b[0m"), R"(\x1b[31mred\x1b[0m)");
    EXPECT_EQ(escape("\x1b]0;title\x07"), R"(\x1b]0;title\x07)");
}

TEST(Escape, ControlCharacters) {
    EXPECT_EQ(escape("a\nb\tc\rd"), R"(a\nb\tc\rd)");
    EXPECT_EQ(escape("\0"s), R"(\x00)");
    EXPECT_EQ(escape("\x01\x08\x0b\x0c\x1f"), R"(\x01\x08\x0b\x0c\x1f)");
    EXPECT_EQ(escape("\x7f"), R"(\x7f)");
}

TEST(Escape, C1ControlsEncodedAsUtf8) {
    EXPECT_EQ(escape("\xc2\x9b"
                     "31m"),
              R"(\xc2\x9b31m)");  // U+009B, CSI
    EXPECT_EQ(escape("\xc2\x80\xc2\x9f"), R"(\xc2\x80\xc2\x9f)");
    EXPECT_EQ(escape("\xc2\xa0"), "\xc2\xa0") << "U+00A0 is the first code point past the C1 block";
}

TEST(Escape, RawC1BytesAreInvalidUtf8) {
    EXPECT_EQ(escape("\x9b"), R"(\x9b)");
    EXPECT_EQ(escape("\x80\x9f"), R"(\x80\x9f)");
}

TEST(Escape, InvalidUtf8) {
    EXPECT_EQ(escape("\xff"), R"(\xff)");
    EXPECT_EQ(escape("a\xfe"
                     "b"),
              R"(a\xfeb)");
    // A truncated sequence: the lead byte and its continuation bytes are each escaped.
    EXPECT_EQ(escape("\xe6\x97"), R"(\xe6\x97)");
    EXPECT_EQ(escape("\xe6\x97"
                     "A"),
              R"(\xe6\x97A)");
    EXPECT_EQ(escape("\xf0\x9f\x98"), R"(\xf0\x9f\x98)");
    // Overlong forms of '/' and of U+002F in three bytes.
    EXPECT_EQ(escape("\xc0\xaf"), R"(\xc0\xaf)");
    EXPECT_EQ(escape("\xe0\x80\xaf"), R"(\xe0\x80\xaf)");
    EXPECT_EQ(escape("\xf0\x80\x80\xaf"), R"(\xf0\x80\x80\xaf)");
    // UTF-16 surrogates and code points past U+10FFFF.
    EXPECT_EQ(escape("\xed\xa0\x80"), R"(\xed\xa0\x80)");
    EXPECT_EQ(escape("\xed\xbf\xbf"), R"(\xed\xbf\xbf)");
    EXPECT_EQ(escape("\xf4\x90\x80\x80"), R"(\xf4\x90\x80\x80)");
    EXPECT_EQ(escape("\xf5\x80\x80\x80"), R"(\xf5\x80\x80\x80)");
}

TEST(Escape, ValidMultibyteUtf8PassesThrough) {
    EXPECT_EQ(escape("caf\xc3\xa9"), "caf\xc3\xa9");                            // é
    EXPECT_EQ(escape("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
    EXPECT_EQ(escape("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");                  // U+1F600
    EXPECT_EQ(escape("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");                  // U+10FFFF
    EXPECT_EQ(escape("\xed\x9f\xbf"), "\xed\x9f\xbf");                          // U+D7FF, below the surrogates
}

TEST(Escape, BidiControls) {
    EXPECT_EQ(escape("\xe2\x80\xae"), R"(\u{202e})");  // RIGHT-TO-LEFT OVERRIDE
    EXPECT_EQ(escape("abc\xe2\x80\xae"
                     "fdp.exe"),
              R"(abc\u{202e}fdp.exe)");
    EXPECT_EQ(escape("\xe2\x81\xa6\xe2\x81\xa9"), R"(\u{2066}\u{2069})");
    EXPECT_EQ(escape("\xe2\x80\x8f\xd8\x9c"), R"(\u{200f}\u{061c})");
}

TEST(Escape, InvisibleCharactersAreShown) {
    // Zero-width space, joiner and non-joiner, word joiner, line and paragraph separators, the BOM: a
    // name holding them would look like another name.
    EXPECT_EQ(escape("ls\xe2\x80\x8b"), R"(ls\u{200b})");
    EXPECT_EQ(escape("\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0"), R"(\u{200c}\u{200d}\u{2060})");
    EXPECT_EQ(escape("a\xe2\x80\xa8"
                     "b\xe2\x80\xa9"),
              R"(a\u{2028}b\u{2029})");
    EXPECT_EQ(escape("\xef\xbb\xbfsh"), R"(\u{feff}sh)");
    EXPECT_EQ(escape("\xe2\x80\x8a"), "\xe2\x80\x8a") << "U+200A HAIR SPACE is visible";
}

TEST(Escape, BackslashIsDoubled) {
    EXPECT_EQ(escape("\\"), R"(\\)");
    // Otherwise a file literally named `\x1b` would print like an escape byte.
    EXPECT_EQ(escape(R"(\x1b)"), R"(\\x1b)");
    EXPECT_NE(escape(R"(\x1b)"), escape("\x1b"));
}

// A field's value stays one word without quotes or '=' of its own; everything else escapes as always.
TEST(FieldValue, SpacesQuotesAndEqualsSignsAreEscaped) {
    fmt::memory_buffer out;
    append_field_value(out, "/a b'c\"d=e\\f\x1b");
    EXPECT_EQ(fmt::to_string(out), "/a\\x20b\\x27c\\x22d\\x3de\\\\f\\x1b");
}

TEST(QuoteArg, PlainArgumentsStayBare) {
    EXPECT_EQ(quote_arg("ls"), "ls");
    EXPECT_EQ(quote_arg("-la"), "-la");
    EXPECT_EQ(quote_arg("--color=auto"), "--color=auto");
    EXPECT_EQ(quote_arg("/usr/lib/x86_64-linux-gnu/a.so"), "/usr/lib/x86_64-linux-gnu/a.so");
    EXPECT_EQ(quote_arg("user@host:1,2+3%^"), "user@host:1,2+3%^");
    EXPECT_EQ(quote_arg("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(QuoteArg, EmptyArgument) {
    EXPECT_EQ(quote_arg(""), "''");
}

TEST(QuoteArg, SpacesAndShellCharacters) {
    EXPECT_EQ(quote_arg("a b"), "'a b'");
    EXPECT_EQ(quote_arg(" "), "' '");
    EXPECT_EQ(quote_arg("$HOME"), "'$HOME'");
    EXPECT_EQ(quote_arg("*.c"), "'*.c'");
    EXPECT_EQ(quote_arg("a;rm -rf /"), "'a;rm -rf /'");
}

TEST(QuoteArg, SingleQuotes) {
    EXPECT_EQ(quote_arg("it's"), R"('it\'s')");
    EXPECT_EQ(quote_arg("'"), R"('\'')");
    EXPECT_EQ(quote_arg("''"), R"('\'\'')");
}

TEST(QuoteArg, ControlBytesAreQuotedAndEscaped) {
    EXPECT_EQ(quote_arg("a\nb"), R"('a\nb')");
    EXPECT_EQ(quote_arg("\x1b[2J"), R"('\x1b[2J')");
    EXPECT_EQ(quote_arg("back\\slash"), R"('back\\slash')");
    // Bytes >= 0x80 do not force quotes; they are still escaped when they are not safe UTF-8.
    EXPECT_EQ(quote_arg("\xff"), R"(\xff)");
    EXPECT_EQ(quote_arg("\xe2\x80\xae"), R"(\u{202e})");
}

// An independent UTF-8 decoder (RFC 3629), so the property below does not trust the code it tests.
std::optional<std::vector<uint32_t>> code_points(std::string_view s) {
    std::vector<uint32_t> cps;
    for (size_t i = 0; i < s.size();) {
        auto b0 = static_cast<unsigned char>(s[i]);
        size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return std::nullopt;
        uint32_t cp = n == 1 ? b0 : b0 & (0x7f >> n);
        for (size_t k = 1; k < n; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xc0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (b & 0x3f);
        }
        static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
        cps.push_back(cp);
        i += n;
    }
    return cps;
}

// Inputs rich in the bytes that matter: controls, lead and continuation bytes, and whole sequences.
std::string random_bytes(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {"\x1b[",
                                                    "\xc2\x9b",
                                                    "\xc2\x85",
                                                    "\xe2\x80\xae",
                                                    "\xe2\x81\xa6",
                                                    "\xc3\xa9",
                                                    "\xe6\x97\xa5",
                                                    "\xf0\x9f\x98\x80",
                                                    "\xed\xa0\x80",
                                                    "\xc0\xaf",
                                                    "\\",
                                                    "'",
                                                    "\n",
                                                    "\x7f",
                                                    "\xf4\x90\x80\x80"};
    std::uniform_int_distribution<int> length(0, 48), byte(0, 255), choice(0, 3);
    std::uniform_int_distribution<size_t> piece(0, pieces.size() - 1);
    std::string s;
    for (int n = length(rng); n > 0; --n) {
        if (choice(rng) == 0)
            s += pieces[piece(rng)];
        else
            s.push_back(static_cast<char>(byte(rng)));
    }
    return s;
}

bool is_bidi_control(uint32_t cp) {
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

void expect_terminal_safe(std::string_view out, std::string_view in) {
    for (char ch : out) {
        auto c = static_cast<unsigned char>(ch);
        ASSERT_TRUE(c >= 0x20 && c != 0x7f) << "raw control byte " << int{c} << " for input " << escape(in);
    }
    auto cps = code_points(out);
    ASSERT_TRUE(cps.has_value()) << "invalid UTF-8 out for input " << escape(in);
    for (uint32_t cp : *cps) {
        ASSERT_FALSE(cp >= 0x80 && cp < 0xa0) << "C1 control out for input " << escape(in);
        ASSERT_FALSE(is_bidi_control(cp)) << "bidi control out for input " << escape(in);
    }
}

TEST(EscapeProperty, RandomBytesComeOutTerminalSafe) {
    std::mt19937 rng(20240611);  // fixed: a failure must reproduce
    for (int i = 0; i < 20000; ++i) {
        std::string in = random_bytes(rng);
        expect_terminal_safe(escape(in), in);
        expect_terminal_safe(quote_arg(in), in);
        if (HasFatalFailure()) return;
    }
}

TEST(EscapeProperty, PrintableUtf8IsUnchanged) {
    // Escaping must not touch what is already safe: text without controls, backslashes or bidi marks.
    std::mt19937 rng(7);
    for (int i = 0; i < 5000; ++i) {
        std::string in = random_bytes(rng);
        auto cps = code_points(in);
        if (!cps) continue;
        bool safe = true;
        for (uint32_t cp : *cps)
            if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == '\\' || is_bidi_control(cp)) safe = false;
        if (safe) {
            EXPECT_EQ(escape(in), in);
        }
    }
}

}  // namespace
}  // namespace bootstrap
