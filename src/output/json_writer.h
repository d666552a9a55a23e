// Streams one JSON object into a buffer, field by field, without building a document tree: the event
// stream writes hundreds of thousands of objects a second. Keys are our own ASCII names and numbers are
// formatted by fmt. A string value that is printable ASCII without '"' or '\\' is already JSON and is
// copied; any other goes through nlohmann's serializer, which does the escaping (all of it to ASCII) and
// replaces bytes that are not UTF-8 with U+FFFD.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {

class JsonWriter {
public:
    explicit JsonWriter(fmt::memory_buffer& out);

    void begin_object();
    void end_line();  // "}\n"

    void field(std::string_view key, std::string_view value);
    void field(std::string_view key, const char* value) { field(key, std::string_view(value)); }
    void field(std::string_view key, uint64_t value);
    void field(std::string_view key, int64_t value);
    void field(std::string_view key, uint32_t value) { field(key, uint64_t{value}); }
    void field(std::string_view key, int value) { field(key, int64_t{value}); }
    void field(std::string_view key, bool value);
    void field(std::string_view key, std::nullptr_t);
    void field(std::string_view key, const std::vector<std::string>& values);
    // The value, or null when there is none.
    template <typename T>
    void field(std::string_view key, const std::optional<T>& value) {
        if (value)
            field(key, *value);
        else
            field(key, nullptr);
    }
    // "key":[{...},{...}]: each object between begin_element() and end_element(), its fields as above.
    void begin_array(std::string_view key);
    void begin_element();
    void end_element();
    void end_array();
    // A field whose value the caller has already formatted as JSON (a time string, say).
    void raw_field(std::string_view key, std::string_view json);

private:
    void key(std::string_view name);
    void string(std::string_view value);

    fmt::memory_buffer& out_;
    bool first_ = true;          // no field yet in the current object
    bool first_element_ = true;  // no element yet in the current array
    // Reused for every string, so escaping allocates nothing once warmed up.
    nlohmann::json scratch_ = std::string();
    nlohmann::detail::serializer<nlohmann::json> serializer_;
};

}  // namespace bootstrap
