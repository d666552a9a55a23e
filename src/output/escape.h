// Makes bytes that a traced process controls (comm, filename, argv) safe to print on a terminal.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace bootstrap {

// Appends `bytes` with everything that could drive or confuse a terminal escaped: C0 controls, DEL and
// C1 controls as \xNN (\n, \t, \r as themselves escaped), bytes that are not valid UTF-8 as \xNN,
// bidirectional controls and invisible characters as \u{NNNN}, and the backslash as \\ so the escaping is unambiguous.
// Valid printable UTF-8 passes through unchanged. With Spaces::escape a space becomes \x20 too: for a name in a column
// (COMM), so that every line splits into the same columns whatever a process calls itself.
enum class Spaces { keep, escape };
void append_escaped(fmt::memory_buffer& out, std::string_view bytes, Spaces spaces = Spaces::keep);

// Appends a value of a key=value field that a process chose (a directory): escaped as above with spaces,
// and quotes and '=' as \xNN too, so that it stays one word and cannot pass for another field.
void append_field_value(fmt::memory_buffer& out, std::string_view value);

// Appends an argument for a shell-like command line: as is when it is non-empty and holds only safe
// characters, otherwise in single quotes (escaped as above, with \' for a quote).
void append_quoted_arg(fmt::memory_buffer& out, std::string_view arg);

// Length in bytes of the valid UTF-8 sequence at the start of `bytes`, or 0 if it is not one.
size_t utf8_sequence_length(std::string_view bytes);

}  // namespace bootstrap
