// NDJSON (-j): one JSON object per event, documented in docs/json.md.
#pragma once

#include "output/json_writer.h"
#include "output/sink.h"
#include "output/time_format.h"
#include "output/writer.h"

namespace bootstrap {

class JsonSink : public EventSink {
public:
    JsonSink(Writer& out, TimeFormatter times) : times_(times), json_(out.buffer()) {}

    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns) override;

private:
    // Not begin(): that name is EventSink's virtual, which an overload here would hide.
    void open_record(const char* kind, uint64_t monotonic_ns);
    void common(const char* kind, const ProcessInfo& proc);
    void write(const ExecEvent& event);
    void write(const ExitEvent& event);
    void write(const ExecFailedEvent& event);

    TimeFormatter times_;
    JsonWriter json_;
    fmt::memory_buffer time_;
};

}  // namespace bootstrap
