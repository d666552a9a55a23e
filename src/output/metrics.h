// Prometheus metrics (--metrics): counters of what the event output holds, and the tracer's own
// health, served at /metrics by prometheus-cpp's embedded HTTP server on threads of its own. The event
// loop only updates counters (atomics, or a lock held for an instant), so a slow or hostile scraper
// never holds it up. docs/fleet.md lists every metric.
#pragma once

#include "output/metrics_address.h"
#include "output/sink.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace prometheus {
class Exposer;
}

namespace bootstrap {

// A label whose values come from traced processes (a command name) is bounded: a value gets a series
// of its own once it has been seen twice (so one-off names, like those of temporary scripts, never
// take one) while fewer than `limit` values have one; every other value is counted as "other". A
// series, once given, stays: counters never go down.
class BoundedLabel {
public:
    explicit BoundedLabel(size_t limit) : limit_(limit) {}
    // The label value to count `value` under.
    const std::string& value_for(const std::string& value);
    size_t series() const { return admitted_.size(); }

private:
    static constexpr size_t kSeenOnceMax = 10'000;  // names seen once, remembered at most
    size_t limit_;
    std::unordered_set<std::string> admitted_;
    std::unordered_set<std::string> seen_once_;
    std::string other_ = "other";
};

// The registry and every metric in it. Built before the tracer loads; served once privileges are
// dropped (serve()), so that the server's threads never hold a capability.
class Metrics {
public:
    explicit Metrics(size_t comm_limit);
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Starts the HTTP server. Throws Error when it cannot listen.
    void serve(const MetricsAddress& address);

    // What the session counts besides the events themselves.
    void record_read() { records_read_.Increment(); }
    void set_ring_fill(double ratio);
    void set_lines_not_written(uint64_t total) { set_total(lines_not_written_, total); }
    void set_output_write_errors(uint64_t total) { set_total(output_write_errors_, total); }
    void set_untracked_forks(uint64_t total) { set_total(untracked_forks_, total); }
    void set_rotations(uint64_t total) { set_total(rotations_, total); }
    // Reopens and rotations of the output file that failed or were refused, and rotated files that could
    // not be renamed.
    void set_output_file_failures(uint64_t reopens, uint64_t rotations, uint64_t renames);

    // The events the output holds (see MetricsSink).
    void count(const Event& event);
    void count_lost(uint64_t count) { events_lost_.Increment(static_cast<double>(count)); }

    std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

private:
    enum class ExitOutcome : size_t { success, failure, signaled, core_dumped };
    static constexpr size_t kExitOutcomes = 4;

    static void set_total(prometheus::Counter& counter, uint64_t total);
    void count_exit(const ExitEvent& exit);

    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<prometheus::Collectable> process_metrics_;  // the tracer's CPU, memory, start
    BoundedLabel comms_;
    prometheus::Family<prometheus::Counter>& execs_;
    prometheus::Family<prometheus::Counter>& exec_failures_;
    prometheus::Family<prometheus::Counter>& exits_;
    prometheus::Family<prometheus::Counter>& exit_signals_;
    prometheus::Histogram& lifetime_;
    prometheus::Counter& events_lost_;
    prometheus::Counter& records_read_;
    prometheus::Gauge& ring_fill_;
    prometheus::Gauge& ring_fill_peak_;
    prometheus::Counter& lines_not_written_;
    prometheus::Counter& output_write_errors_;
    prometheus::Counter& untracked_forks_;
    prometheus::Counter& rotations_;
    prometheus::Family<prometheus::Counter>& file_failures_;
    prometheus::Counter& reopen_failures_;
    prometheus::Counter& rotation_failures_;
    prometheus::Counter& rename_failures_;
    std::array<prometheus::Counter*, kExitOutcomes> exit_outcomes_{};
    std::unordered_map<std::string, prometheus::Counter*> exec_series_;  // by comm label value
    std::map<int, prometheus::Counter*> failure_series_;                 // by errno
    std::map<int, prometheus::Counter*> signal_series_;                  // by signal number
    std::unique_ptr<prometheus::Exposer> exposer_;
};

// Feeds Metrics with every event the session dispatches, whether or not the event stream still writes.
class MetricsSink : public EventSink {
public:
    explicit MetricsSink(Metrics& metrics) : metrics_(metrics) {}
    void on_event(const Event& event) override { metrics_.count(event); }
    void on_lost(uint64_t count, uint64_t /*monotonic_ns*/) override { metrics_.count_lost(count); }

private:
    Metrics& metrics_;
};

}  // namespace bootstrap
