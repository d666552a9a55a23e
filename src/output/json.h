// NDJSON (-j): one JSON object per event, documented in docs/json.md.
#pragma once

#include "events/exec_id.h"
#include "output/json_writer.h"
#include "output/sink.h"
#include "output/time_format.h"
#include "output/writer.h"

namespace bootstrap {

class JsonSink : public EventSink {
public:
    // `env`: --env, so exec records carry `env` (empty when the kernel had none to copy).
    JsonSink(Writer& out, TimeFormatter times, ExecIds exec_ids, bool env = false)
        : times_(times), exec_ids_(exec_ids), json_(out.buffer()), env_(env) {}

    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup = {}) override;
    void on_throttled(const ThrottledSpell& spell) override;

private:
    // Not begin(): that name is EventSink's virtual, which an overload here would hide.
    void open_record(const char* kind, uint64_t monotonic_ns);
    void time_field(std::string_view key, uint64_t monotonic_ns);
    void common(const char* kind, const ProcessInfo& proc);
    void program_fields(const std::string& filename, const std::vector<std::string>& argv, bool truncated);
    void write(const ExecEvent& event);
    void write(const ExitEvent& event);
    void write(const ExecFailedEvent& event);
    void write(const ForkEvent&) {}  // forks feed the process table, not the stream
    void write(const ExistingEvent& event);
    void write_ancestors(const std::vector<Ancestor>& ancestors);
    void context_fields(const ExecContext& context);
    void exec_id_field(std::string_view key, const ImageKey& image);

    TimeFormatter times_;
    ExecIds exec_ids_;
    JsonWriter json_;
    fmt::memory_buffer time_;
    fmt::memory_buffer id_;
    bool env_;
};

}  // namespace bootstrap
