// Prometheus metrics (--metrics): counters of what the event output holds, and the tracer's own
// health, served at /metrics by prometheus-cpp's embedded HTTP server on threads of its own. The event
// loop only updates counters (atomics, or a lock held for an instant), so a slow or hostile scraper
// never holds it up. docs/fleet.md lists every metric.
#pragma once

#include "output/metrics_address.h"
#include "output/sink.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Exposer;
}

namespace bootstrap {

// A label whose values come from traced processes (a command name) is bounded: at most `limit` values
// have a series of their own and every other value counts as "other", so no process can grow the number
// of series. The series go to the busiest values, ranked by how often each came in the current window
// and the one before (kWindowNs each). A value
// - needs two sightings there to get a series at all, so one-off names (temporary scripts) never do;
// - gets one while fewer than `limit` values have one;
// - else takes the series of the idlest value (the fewest sightings; of those, the one seen longest ago)
//   once it has come strictly more often than that one. The value that gives its series up counts as
//   "other" from then on, and its ranking starts again from nothing.
class BoundedLabel {
public:
    static constexpr uint64_t kWindowNs = 600'000'000'000;  // ten minutes

    explicit BoundedLabel(size_t limit, uint64_t window_ns = kWindowNs) : limit_(limit), window_ns_(window_ns) {}
    // The label value to count `value` under, seen at `now_ns` (CLOCK_MONOTONIC). When `value` takes the
    // series of another value, `displaced` receives that value.
    const std::string& value_for(const std::string& value, uint64_t now_ns,
                                 std::optional<std::string>* displaced = nullptr);
    size_t series() const { return ranked_.size(); }

private:
    struct Sightings {
        uint32_t previous = 0;  // in the window before
        uint32_t current = 0;   // in this window
        uint64_t last_ns = 0;
        uint32_t recent() const { return previous + current; }
    };
    using Table = std::unordered_map<std::string, Sightings>;

    static constexpr size_t kCandidatesMax = 10'000;  // values without a series, remembered at most
    static constexpr uint32_t kSightingsForASeries = 2;

    void advance_window(uint64_t now_ns);
    Sightings& candidate(const std::string& value);
    Table::iterator idlest();

    size_t limit_;
    uint64_t window_ns_;
    uint64_t window_end_ns_ = 0;  // 0 until the first value
    Table ranked_;                // the values with a series
    Table candidates_;            // the others seen in these two windows
    // No ranked value has fewer recent sightings than this (a lower bound: spares a scan for the idlest).
    uint32_t fewest_ranked_ = 0;
    std::string other_ = "other";
};

// bootstrap_execs_total by command name, counted by the event loop and read by the server's threads.
// A series that BoundedLabel takes away and gives back later resumes where it stopped, so every series
// only ever grows.
class CommCounts : public prometheus::Collectable {
public:
    explicit CommCounts(size_t limit) : names_(limit) {}
    void count(const std::string& comm, uint64_t now_ns);
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    static constexpr size_t kResumeMax = 10'000;  // names whose last count is remembered, at most

    mutable std::mutex mutex_;  // held for an instant by either side
    BoundedLabel names_;
    std::map<std::string, uint64_t> counts_;               // by label value: the names with a series, and other
    std::unordered_map<std::string, uint64_t> resume_at_;  // names that gave their series up: their count then
};

// The registry and every metric in it. Built before the tracer loads; served once privileges are
// dropped (serve()), so that the server's threads never hold a capability.
class Metrics {
public:
    explicit Metrics(size_t comm_limit);
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Starts the HTTP server on threads of its own. When it cannot listen (another process holds the
    // port), it says so on stderr and tries again every kListenRetry on a thread of its own, until it
    // listens or the Metrics is destroyed: the tracing goes on meanwhile, and every count is there once
    // it serves.
    void serve(const MetricsAddress& address);

    // What the session counts besides the events themselves.
    void record_read() { records_read_.Increment(); }
    void set_ring_fill(double ratio);
    void set_lines_not_written(uint64_t total) { set_total(lines_not_written_, total); }
    void set_output_write_errors(uint64_t total) { set_total(output_write_errors_, total); }
    void set_untracked_forks(uint64_t total) { set_total(untracked_forks_, total); }
    void set_events_throttled(uint64_t total) { set_total(events_throttled_, total); }
    void set_rotations(uint64_t total) { set_total(rotations_, total); }
    // Reopens and rotations of the output file that failed or were refused, and rotated files that could
    // not be renamed.
    void set_output_file_failures(uint64_t reopens, uint64_t rotations, uint64_t renames);

    // The events the output holds (see MetricsSink).
    void count(const Event& event);
    void count_lost(uint64_t count) { events_lost_.Increment(static_cast<double>(count)); }

    // What a scrape shows, but the tracer's own process metrics.
    std::vector<prometheus::MetricFamily> collect() const;

private:
    enum class ExitOutcome : size_t { success, failure, signaled, core_dumped };
    static constexpr size_t kExitOutcomes = 4;

    static constexpr std::chrono::seconds kListenRetry{3};

    static void set_total(prometheus::Counter& counter, uint64_t total);
    void count_exit(const ExitEvent& exit);
    bool try_to_listen(const MetricsAddress& address, int& error);
    void keep_trying_to_listen(const std::stop_token& stop, const MetricsAddress& address, int error);

    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<prometheus::Collectable> process_metrics_;  // the tracer's CPU, memory, start
    std::shared_ptr<CommCounts> execs_;
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
    prometheus::Counter& events_throttled_;
    prometheus::Counter& rotations_;
    prometheus::Family<prometheus::Counter>& file_failures_;
    prometheus::Counter& reopen_failures_;
    prometheus::Counter& rotation_failures_;
    prometheus::Counter& rename_failures_;
    std::array<prometheus::Counter*, kExitOutcomes> exit_outcomes_{};
    std::map<int, prometheus::Counter*> failure_series_;  // by errno
    std::map<int, prometheus::Counter*> signal_series_;   // by signal number
    std::unique_ptr<prometheus::Exposer> exposer_;        // set once, by serve() or by retry_
    std::mutex retry_mutex_;
    std::condition_variable_any retry_wakeup_;
    std::jthread retry_;  // last: stopped and joined before anything it uses goes
};

// Feeds Metrics with every event the session dispatches, whether or not the event stream still writes.
class MetricsSink : public EventSink {
public:
    explicit MetricsSink(Metrics& metrics) : metrics_(metrics) {}
    void on_event(const Event& event) override { metrics_.count(event); }
    void on_lost(uint64_t count, uint64_t /*monotonic_ns*/, std::span<const CgroupLoss> = {}) override {
        metrics_.count_lost(count);
    }

private:
    Metrics& metrics_;
};

}  // namespace bootstrap
