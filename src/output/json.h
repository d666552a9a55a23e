// NDJSON (-j): one JSON object per event, documented in docs/json.md.
#pragma once

#include "output/sink.h"
#include "output/time_format.h"
#include "output/writer.h"

#include <nlohmann/json.hpp>

namespace bootstrap {

class JsonSink : public EventSink {
public:
    JsonSink(Writer& out, TimeFormatter times) : out_(out), times_(std::move(times)) {}

    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns) override;

    // Writes one object as a line. Bytes that are not UTF-8 become U+FFFD, so every line is valid JSON.
    void write_line(const nlohmann::ordered_json& object);
    std::string rfc3339(uint64_t monotonic_ns);

private:
    nlohmann::ordered_json common(const char* kind, const ProcessInfo& proc);
    nlohmann::ordered_json to_json(const ExecEvent& event);
    nlohmann::ordered_json to_json(const ExitEvent& event);
    nlohmann::ordered_json to_json(const ExecFailedEvent& event);

    Writer& out_;
    TimeFormatter times_;
    fmt::memory_buffer time_buffer_;
};

}  // namespace bootstrap
