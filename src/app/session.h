// Where records become output: each record from the ring is decoded once, enriched by the event pipeline
// (events/event_pipeline.h), and the event handed to every sink. The event stream (text or JSON) and the
// summary write to the event output; the timeline writes its own file at the end, and the metrics count
// what the output holds. A new consumer of events is one more sink here.
#pragma once

#include "app/loss_report.h"
#include "app/throttle_report.h"
#include "cli/plan.h"
#include "events/event_pipeline.h"
#include "output/event_output.h"
#include "output/metrics.h"
#include "output/sink.h"
#include "tracer/tracer.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace bootstrap {

class SummarySink;

class Session {
public:
    // Opens the timeline file now, so a bad path fails before anything is loaded. `run_start_ns`
    // (CLOCK_MONOTONIC) is when the run began, before the command was forked. `metrics` is what --metrics
    // serves, or null. Throws Error.
    Session(const OutputPlan& plan, EventOutput& output, Metrics* metrics, uint64_t run_start_ns);

    // The processes running now, from the tracer's task list: all into the process table, and with
    // --existing one event for each that `wanted` accepts, written once begin() has written the headers.
    void add_running_processes(Tracer& tracer, const std::function<bool(const ExistingEvent&)>& wanted);
    // Before the first record: headers, then the running processes' events.
    void begin();
    // One record from the ring buffer.
    void handle(std::span<const std::byte> record);
    // Reads the waiting records (handle()), then reports what the kernel could not deliver since the
    // last drain and writes the output. Returns how many records it read: it stops early when the output
    // changes state (it stalls, or closes), leaving the rest in the ring. Once the output has closed, the
    // timeline and the metrics go on, and the events not written are counted.
    size_t drain(Tracer& tracer);
    // Command mode: how many traced processes (the command and its descendants) are alive: those the
    // records read so far named, less those the kernel no longer knows (an exit record can be filtered
    // out, -d or --exec-only, or lost).
    size_t live_processes() { return pipeline_.live_processes(); }
    // The command has exited with `descendants` of it still running: for the summary.
    void command_ended(size_t descendants);
    // At the end: the throttled spells still open, the timeline in any case, then the summary if the output
    // still takes it (written as far as the output takes it now). Returns the timeline's error, if any: the
    // caller reports it once the output is done with.
    std::optional<Error> end(Tracer& tracer);

private:
    void dispatch(const Event& event);
    void after_drain(Tracer& tracer);
    void report_drops(Tracer& tracer, bool ending);
    void update_metrics(const Tracer& tracer);

    EventOutput& output_;
    std::vector<std::unique_ptr<EventSink>> stream_sinks_;
    std::vector<std::unique_ptr<EventSink>> side_sinks_;  // those that go on when the stream stops
    Metrics* metrics_;
    uint64_t page_size_;
    const OutputPlan& plan_;
    LossReport losses_;            // what the kernel could not deliver, said once per drain
    ThrottleReport throttles_;     // whose records the kernel dropped or lost
    EventPipeline pipeline_;       // what each event gets before the sinks see it
    std::vector<Event> existing_;  // --existing: waiting for begin()
    SummarySink* summary_ = nullptr;
};

}  // namespace bootstrap
