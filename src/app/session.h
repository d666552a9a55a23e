// Where records become output: each record from the ring is decoded once, enriched by the event pipeline
// (events/event_pipeline.h), and the event handed to every sink. The event stream (text or JSON) and the summary write
// to the output; the timeline writes its own file at the end, and the metrics count what the output holds. A new
// consumer of events is one more sink here.
#pragma once

#include "app/loss_report.h"
#include "cli/plan.h"
#include "events/event_pipeline.h"
#include "output/log_file.h"
#include "output/metrics.h"
#include "output/sink.h"
#include "output/writer.h"
#include "tracer/tracer.h"

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
    // (CLOCK_MONOTONIC) is when the run began, before the command was forked. `log_file` is the -o file
    // when it is a regular file, and `metrics` what --metrics serves; either may be null. Throws Error.
    Session(const OutputPlan& plan, Writer& out, LogFile* log_file, Metrics* metrics, uint64_t run_start_ns);

    // The processes running now, from the tracer's task list: all into the process table, and with
    // --existing one event for each that `wanted` accepts, written once begin() has written the headers.
    void add_running_processes(Tracer& tracer, const std::function<bool(const ExistingEvent&)>& wanted);
    // Before the first record: headers, then the running processes' events.
    void begin();
    // One record from the ring buffer.
    void handle(std::span<const std::byte> record);
    // Reads every waiting record (handle()), then reports what the kernel could not deliver since the
    // last drain and writes the output. Returns how many records it read.
    size_t drain(Tracer& tracer);
    // SIGHUP: opens the -o file again (logrotate moved it away). False when there is no such file.
    bool reopen_output();
    Writer& output() { return out_; }
    // Writes what is buffered. Throws OutputClosed when the reader has gone, OutputStalled when a stop
    // came while it was not reading, Error on a write error.
    void flush() {
        if (!stream_stopped_) out_.flush();
    }
    // After a write error that the run survives, or a stop while the reader was not reading: the event
    // stream and the summary stop, what is buffered is dropped, and the timeline goes on. The events not
    // written from here on are counted and reported at the end.
    void stop_stream();
    bool stream_stopped() const { return stream_stopped_; }
    // Command mode: how many traced processes (the command and its descendants) are alive: those the
    // records read so far named, less those the kernel no longer knows (an exit record can be filtered
    // out, -d or --exec-only, or lost).
    size_t live_processes() { return pipeline_.live_processes(); }
    // The command has exited with `descendants` of it still running: for the summary.
    void command_ended(size_t descendants);
    // At the end: the summary, if the output is still open, and the timeline in any case.
    void end(bool output_open);

private:
    void dispatch(const Event& event);
    void after_drain(const Tracer& tracer);
    void update_metrics(const Tracer& tracer);

    Writer& out_;
    std::vector<std::unique_ptr<EventSink>> stream_sinks_;
    std::vector<std::unique_ptr<EventSink>> side_sinks_;  // those that go on when the stream stops
    LogFile* log_file_;
    Metrics* metrics_;
    uint64_t page_size_;
    const OutputPlan& plan_;
    LossReport losses_;            // what the kernel could not deliver, said once per drain
    EventPipeline pipeline_;       // what each event gets before the sinks see it
    std::vector<Event> existing_;  // --existing: waiting for begin()
    bool stream_stopped_ = false;
    uint64_t unwritten_ = 0;  // events dropped since the stream stopped
    SummarySink* summary_ = nullptr;
};

}  // namespace bootstrap
