#include "output/json_writer.h"

#include <cstring>

namespace bootstrap {

namespace {

// Lets nlohmann's serializer write straight into our buffer.
class BufferAdapter : public nlohmann::detail::output_adapter_protocol<char> {
public:
    explicit BufferAdapter(fmt::memory_buffer& out) : out_(out) {}
    void write_character(char c) override { out_.push_back(c); }
    void write_characters(const char* s, std::size_t length) override { out_.append(s, s + length); }

private:
    fmt::memory_buffer& out_;
};

// Most values (paths, arguments, names) are printable ASCII with no quote or backslash: JSON as they are.
bool needs_escaping(std::string_view value) {
    for (unsigned char c : value)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return true;
    return false;
}

template <typename Integer>
void append_integer(fmt::memory_buffer& out, Integer value) {
    fmt::format_int text(value);
    out.append(text.data(), text.data() + text.size());
}

}  // namespace

JsonWriter::JsonWriter(fmt::memory_buffer& out)
    : out_(out), serializer_(std::make_shared<BufferAdapter>(out), ' ', nlohmann::json::error_handler_t::replace) {}

void JsonWriter::begin_object() {
    out_.push_back('{');
    first_ = true;
}

void JsonWriter::end_line() {
    out_.push_back('}');
    out_.push_back('\n');
}

void JsonWriter::key(std::string_view name) {
    // ,"name": in one step: a field is mostly its key, and the buffer grows once.
    size_t at = out_.size();
    out_.resize(at + name.size() + (first_ ? 3 : 4));
    char* p = out_.data() + at;
    if (!first_) *p++ = ',';
    first_ = false;
    *p++ = '"';
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p++ = '"';
    *p = ':';
}

void JsonWriter::string(std::string_view value) {
    if (!needs_escaping(value)) {
        out_.push_back('"');
        out_.append(value);
        out_.push_back('"');
        return;
    }
    scratch_.get_ref<std::string&>().assign(value);
    // ensure_ascii: everything outside printable ASCII becomes a \u escape, so a line printed on a
    // terminal can carry no DEL, no C1 control (U+009B is CSI) and no bidirectional override.
    serializer_.dump(scratch_, /*pretty_print=*/false, /*ensure_ascii=*/true, /*indent_step=*/0);
}

void JsonWriter::field(std::string_view name, std::string_view value) {
    key(name);
    string(value);
}

void JsonWriter::field(std::string_view name, uint64_t value) {
    key(name);
    append_integer(out_, value);
}

void JsonWriter::field(std::string_view name, int64_t value) {
    key(name);
    append_integer(out_, value);
}

void JsonWriter::field(std::string_view name, bool value) {
    key(name);
    out_.append(value ? std::string_view("true") : std::string_view("false"));
}

void JsonWriter::field(std::string_view name, std::nullptr_t) {
    key(name);
    out_.append(std::string_view("null"));
}

void JsonWriter::field(std::string_view name, const std::vector<std::string>& values) {
    key(name);
    out_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) out_.push_back(',');
        string(values[i]);
    }
    out_.push_back(']');
}

void JsonWriter::raw_field(std::string_view name, std::string_view json) {
    key(name);
    out_.append(json);
}

void JsonWriter::begin_array(std::string_view name) {
    key(name);
    out_.push_back('[');
    first_element_ = true;
}

void JsonWriter::begin_element() {
    if (!first_element_) out_.push_back(',');
    first_element_ = false;
    out_.push_back('{');
    first_ = true;
}

void JsonWriter::end_element() {
    out_.push_back('}');
}

void JsonWriter::end_array() {
    out_.push_back(']');
    first_ = false;
}

}  // namespace bootstrap
