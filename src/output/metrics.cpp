#include "output/metrics.h"

#include "events/names.h"
#include "output/escape.h"
#include "util/error.h"

#include <fmt/format.h>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace bootstrap {

namespace {

constexpr double kNsPerSecond = 1e9;

// Each connection holds one of the server's threads until it is answered; more wait in the listen queue.
// civetweb gives a request's head kRequestTimeoutMs from the time a thread takes the connection up, and
// checks that after each read: a client that sends a line a second loses its thread after 2 to 3 s, one
// that goes quiet midway after 4 s at most (the last read waits up to the timeout too). With 24 threads,
// 16 such clients reconnecting without end leave threads free for scrapes; it takes several dozen to hold
// a scrape back for Prometheus' 10 s. A request head larger than kMaxRequestBytes (a huge header) is
// refused unread, so no client can grow the tracer's memory.
constexpr const char* kServerThreads = "24";
constexpr const char* kRequestTimeoutMs = "2000";
constexpr const char* kMaxRequestBytes = "8192";

// A metric with one series and no labels.
prometheus::Counter& single_counter(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}
prometheus::Gauge& single_gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

// A label value a process chose: printable and valid UTF-8 whatever its bytes, as in text output.
std::string label_safe(const std::string& bytes) {
    fmt::memory_buffer out;
    append_escaped(out, bytes);
    return fmt::to_string(out);
}

// The tracer's own process metrics, in the names every Prometheus client library uses, read at each
// scrape on the server's thread.
class ProcessMetrics : public prometheus::Collectable {
public:
    ProcessMetrics() {
        std::ifstream stat("/proc/self/stat");
        std::string line;
        std::getline(stat, line);
        // Field 22, after the parenthesized name, is the start in clock ticks since boot.
        size_t close = line.rfind(')');
        std::istringstream fields(close == std::string::npos ? "" : line.substr(close + 2));
        std::string field;
        for (int i = 3; i <= 22 && fields >> field; ++i) {
        }
        double ticks = std::strtod(field.c_str(), nullptr);
        timespec now_real{}, now_boot{};
        clock_gettime(CLOCK_REALTIME, &now_real);
        clock_gettime(CLOCK_BOOTTIME, &now_boot);
        double boot_time = static_cast<double>(now_real.tv_sec - now_boot.tv_sec) +
                           static_cast<double>(now_real.tv_nsec - now_boot.tv_nsec) / kNsPerSecond;
        start_time_ = boot_time + ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    }

    std::vector<prometheus::MetricFamily> Collect() const override {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        auto seconds = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
        };
        std::vector<prometheus::MetricFamily> families;
        families.push_back(one("process_cpu_seconds_total", "User and system CPU time the tracer has spent, in seconds",
                               prometheus::MetricType::Counter, seconds(usage.ru_utime) + seconds(usage.ru_stime)));
        families.push_back(one("process_resident_memory_bytes", "The tracer's resident memory, in bytes",
                               prometheus::MetricType::Gauge, resident_bytes()));
        families.push_back(one("process_start_time_seconds", "When the tracer started, in seconds since the epoch",
                               prometheus::MetricType::Gauge, start_time_));
        return families;
    }

private:
    static prometheus::MetricFamily one(const std::string& name, const std::string& help, prometheus::MetricType type,
                                        double value) {
        prometheus::ClientMetric metric;
        if (type == prometheus::MetricType::Counter)
            metric.counter.value = value;
        else
            metric.gauge.value = value;
        return prometheus::MetricFamily{name, help, type, {metric}};
    }

    static double resident_bytes() {
        std::ifstream statm("/proc/self/statm");
        double pages_total = 0, pages_resident = 0;
        statm >> pages_total >> pages_resident;
        return pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE));
    }

    double start_time_ = 0;
};

// Why the server could not listen, for stderr.
std::string cannot_listen_message(const MetricsAddress& address, int error) {
    if (error == EADDRINUSE)
        return fmt::format("{} is taken by another process (ss -ltnp 'sport = {}' shows which)", address.to_string(),
                           address.port);
    return fmt::format("cannot listen on {}: {}", address.to_string(),
                       error > 0 ? std::strerror(error) : "the HTTP server did not start");
}

}  // namespace

const std::string& BoundedLabel::value_for(const std::string& value, uint64_t now_ns,
                                           std::optional<std::string>* displaced) {
    advance_window(now_ns);
    if (auto found = ranked_.find(value); found != ranked_.end()) {
        found->second.current++;
        found->second.last_ns = std::max(found->second.last_ns, now_ns);
        return found->first;
    }
    // A program named "other" counts there: a series of its own would be that one, and could leave.
    if (limit_ == 0 || value == other_) return other_;
    Sightings& seen = candidate(value);
    seen.current++;
    seen.last_ns = std::max(seen.last_ns, now_ns);
    if (seen.recent() < kSightingsForASeries) return other_;
    if (ranked_.size() >= limit_) {
        if (seen.recent() <= fewest_ranked_) return other_;  // no ranked value can be idler than it
        auto idle = idlest();
        fewest_ranked_ = idle->second.recent();
        if (seen.recent() <= fewest_ranked_) return other_;
        if (displaced) *displaced = idle->first;
        ranked_.erase(idle);  // its ranking starts again from nothing
    }
    Sightings ranking = seen;
    candidates_.erase(value);
    fewest_ranked_ = std::min(fewest_ranked_, ranking.recent());
    return ranked_.emplace(value, ranking).first->first;
}

// At the end of a window the current counts become the previous ones; a value without a sighting in
// either is forgotten.
void BoundedLabel::advance_window(uint64_t now_ns) {
    if (window_end_ns_ == 0) window_end_ns_ = now_ns + window_ns_;
    if (now_ns < window_end_ns_) return;
    bool whole_window_idle = now_ns >= window_end_ns_ + window_ns_;
    auto shift = [whole_window_idle](Sightings& s) { s = {whole_window_idle ? 0 : s.current, 0, s.last_ns}; };
    for (auto& [value, sightings] : ranked_) shift(sightings);
    for (auto it = candidates_.begin(); it != candidates_.end();) {
        shift(it->second);
        it = it->second.recent() == 0 ? candidates_.erase(it) : std::next(it);
    }
    window_end_ns_ = now_ns + window_ns_ - (now_ns - window_end_ns_) % window_ns_;
    fewest_ranked_ = 0;
}

// The sightings of a value without a series. When too many values are remembered, those seen once are
// forgotten (a name may then need another sighting), then, if that is not enough, all.
BoundedLabel::Sightings& BoundedLabel::candidate(const std::string& value) {
    if (auto found = candidates_.find(value); found != candidates_.end()) return found->second;
    if (candidates_.size() >= kCandidatesMax)
        std::erase_if(candidates_, [](const auto& entry) { return entry.second.recent() < kSightingsForASeries; });
    if (candidates_.size() >= kCandidatesMax) candidates_.clear();
    return candidates_[value];
}

BoundedLabel::Table::iterator BoundedLabel::idlest() {
    return std::min_element(ranked_.begin(), ranked_.end(), [](const auto& a, const auto& b) {
        return std::pair(a.second.recent(), a.second.last_ns) < std::pair(b.second.recent(), b.second.last_ns);
    });
}

void CommCounts::count(const std::string& comm, uint64_t now_ns) {
    std::lock_guard lock(mutex_);
    std::optional<std::string> displaced;  // an empty name is a name too
    const std::string& label = names_.value_for(comm, now_ns, &displaced);
    if (displaced) {
        if (resume_at_.size() >= kResumeMax) resume_at_.clear();  // those names would start again from 0
        resume_at_[*displaced] = counts_[*displaced];
        counts_.erase(*displaced);
    }
    auto [series, added] = counts_.try_emplace(label, 0);
    if (added) {
        if (auto resumed = resume_at_.find(label); resumed != resume_at_.end()) {
            series->second = resumed->second;
            resume_at_.erase(resumed);
        }
    }
    series->second++;
}

std::vector<prometheus::MetricFamily> CommCounts::Collect() const {
    prometheus::MetricFamily family{"bootstrap_execs_total",
                                    "Programs executed (exec events), by command name after the exec; names "
                                    "beyond the label limit count as \"other\"",
                                    prometheus::MetricType::Counter,
                                    {}};
    std::lock_guard lock(mutex_);
    family.metric.reserve(counts_.size());
    for (const auto& [comm, count] : counts_) {
        prometheus::ClientMetric series;
        series.label.push_back({"comm", label_safe(comm)});
        series.counter.value = static_cast<double>(count);
        family.metric.push_back(std::move(series));
    }
    return {family};
}

Metrics::Metrics(size_t comm_limit)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_metrics_(std::make_shared<ProcessMetrics>()),
      execs_(std::make_shared<CommCounts>(comm_limit)),
      exec_failures_(prometheus::BuildCounter()
                         .Name("bootstrap_exec_failures_total")
                         .Help("execve/execveat calls that failed (-x), by error")
                         .Register(*registry_)),
      exits_(prometheus::BuildCounter()
                 .Name("bootstrap_exits_total")
                 .Help("Processes that ended, by outcome: success (status 0), failure (another status), "
                       "signaled, core_dumped")
                 .Register(*registry_)),
      exit_signals_(prometheus::BuildCounter()
                        .Name("bootstrap_exit_signals_total")
                        .Help("Processes ended by a signal, by signal")
                        .Register(*registry_)),
      lifetime_(prometheus::BuildHistogram()
                    .Name("bootstrap_process_lifetime_seconds")
                    .Help("How long processes lived, from fork to exit, in seconds")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.01, 0.1, 1, 10, 60, 600, 3600, 86400})),
      events_lost_(single_counter(*registry_, "bootstrap_events_lost_total",
                                  "Events the kernel could not deliver: the ring buffer was full")),
      records_read_(single_counter(*registry_, "bootstrap_records_read_total", "Records read from the ring buffer")),
      ring_fill_(single_gauge(*registry_, "bootstrap_ring_buffer_fill_ratio",
                              "How full the ring buffer was when it was last read (0 to 1)")),
      ring_fill_peak_(single_gauge(*registry_, "bootstrap_ring_buffer_peak_fill_ratio",
                                   "The fullest the ring buffer has been found when read, since start (0 to 1)")),
      lines_not_written_(single_counter(*registry_, "bootstrap_output_dropped_total",
                                        "Events that could not be written to the output (a write error, a full disk, "
                                        "a reader that stopped reading)")),
      output_write_errors_(single_counter(*registry_, "bootstrap_output_write_errors_total",
                                          "Writes, rotations and reopenings of the output file that failed")),
      untracked_forks_(single_counter(*registry_, "bootstrap_untracked_forks_total",
                                      "Processes -p or command mode could not follow: too many traced at once")),
      events_throttled_(single_counter(*registry_, "bootstrap_events_throttled_total",
                                       "Records dropped in the kernel to keep a flood in one cgroup from taking the "
                                       "ring buffer from the others (throttle records say whose)")),
      rotations_(single_counter(*registry_, "bootstrap_output_rotations_total",
                                "Times the output file was rotated (--max-size)")),
      file_failures_(prometheus::BuildCounter()
                         .Name("bootstrap_output_file_failures_total")
                         .Help("Reopens (SIGHUP) and rotations of the output file that failed or were refused, "
                               "the old file being written on, and rotated files that could not be renamed")
                         .Register(*registry_)),
      reopen_failures_(file_failures_.Add({{"operation", "reopen"}})),
      rotation_failures_(file_failures_.Add({{"operation", "rotate"}})),
      rename_failures_(file_failures_.Add({{"operation", "rename"}})) {
    prometheus::BuildGauge()
        .Name("bootstrap_build_info")
        .Help("The tracer's version, as a label; the value is always 1")
        .Register(*registry_)
        .Add({{"version", BOOTSTRAP_VERSION}})
        .Set(1);
    // Every outcome from the start, at 0: a query on one that has not happened yet finds a series.
    constexpr std::array<const char*, kExitOutcomes> names{"success", "failure", "signaled", "core_dumped"};
    for (size_t i = 0; i < names.size(); ++i) exit_outcomes_[i] = &exits_.Add({{"outcome", names[i]}});
}

Metrics::~Metrics() = default;

void Metrics::serve(const MetricsAddress& address) {
    int error = 0;
    if (try_to_listen(address, error)) return;
    retry_ = std::jthread(
        [this, address, error](const std::stop_token& stop) { keep_trying_to_listen(stop, address, error); });
}

void Metrics::keep_trying_to_listen(const std::stop_token& stop, const MetricsAddress& address, int error) {
    std::fprintf(stderr, "bootstrap: --metrics: %s; tracing goes on without metrics, trying again every %lld s\n",
                 cannot_listen_message(address, error).c_str(), static_cast<long long>(kListenRetry.count()));
    std::unique_lock lock(retry_mutex_);
    for (;;) {
        retry_wakeup_.wait_for(lock, stop, kListenRetry, [] { return false; });  // or less: a stop wakes it
        if (stop.stop_requested()) return;
        int last_error = error;
        if (try_to_listen(address, error)) {
            std::fprintf(stderr, "bootstrap: --metrics: serving metrics on %s now\n", address.to_string().c_str());
            return;
        }
        if (error != last_error)
            std::fprintf(stderr, "bootstrap: --metrics: %s; trying again every %lld s\n",
                         cannot_listen_message(address, error).c_str(), static_cast<long long>(kListenRetry.count()));
    }
}

// A trial bind first, for the reason when the port is not free: civetweb says only that it did not start.
bool Metrics::try_to_listen(const MetricsAddress& address, int& error) {
    error = trial_bind(address);
    if (error != 0) return false;
    std::vector<std::string> options{"listening_ports",  address.listening_port(), "num_threads",
                                     kServerThreads,     "request_timeout_ms",     kRequestTimeoutMs,
                                     "max_request_size", kMaxRequestBytes};
    try {
        auto exposer = std::make_unique<prometheus::Exposer>(std::move(options));
        exposer->RegisterCollectable(registry_);
        exposer->RegisterCollectable(execs_);
        exposer->RegisterCollectable(process_metrics_);
        exposer_ = std::move(exposer);
        return true;
    } catch (const std::exception&) {
        error = -1;  // taken between the trial and now, or out of threads
        return false;
    }
}

std::vector<prometheus::MetricFamily> Metrics::collect() const {
    std::vector<prometheus::MetricFamily> families = registry_->Collect();
    for (auto& family : execs_->Collect()) families.push_back(std::move(family));
    return families;
}

void Metrics::set_ring_fill(double ratio) {
    ring_fill_.Set(ratio);
    if (ratio > ring_fill_peak_.Value()) ring_fill_peak_.Set(ratio);
}

void Metrics::set_output_file_failures(uint64_t reopens, uint64_t rotations, uint64_t renames) {
    set_total(reopen_failures_, reopens);
    set_total(rotation_failures_, rotations);
    set_total(rename_failures_, renames);
}

// Totals kept elsewhere become counters here: only the increase since the last call is added.
void Metrics::set_total(prometheus::Counter& counter, uint64_t total) {
    double increase = static_cast<double>(total) - counter.Value();
    if (increase > 0) counter.Increment(increase);
}

void Metrics::count(const Event& event) {
    if (const auto* exec = std::get_if<ExecEvent>(&event)) {
        execs_->count(exec->proc.comm, exec->proc.time_ns);
    } else if (const auto* failed = std::get_if<ExecFailedEvent>(&event)) {
        auto [series, added] = failure_series_.try_emplace(failed->error, nullptr);
        if (added) series->second = &exec_failures_.Add({{"error", errno_name(failed->error)}});
        series->second->Increment();
    } else if (const auto* exit = std::get_if<ExitEvent>(&event)) {
        if (!exit->thread_only) count_exit(*exit);
    }
}

void Metrics::count_exit(const ExitEvent& exit) {
    ExitOutcome outcome = ExitOutcome::success;
    if (exit.status.core_dumped())
        outcome = ExitOutcome::core_dumped;
    else if (exit.status.signaled())
        outcome = ExitOutcome::signaled;
    else if (exit.status.exit_code() != 0)
        outcome = ExitOutcome::failure;
    exit_outcomes_[static_cast<size_t>(outcome)]->Increment();
    if (exit.status.signaled()) {
        int signal = exit.status.signal();
        auto [series, added] = signal_series_.try_emplace(signal, nullptr);
        if (added) series->second = &exit_signals_.Add({{"signal", signal_name(signal)}});
        series->second->Increment();
    }
    lifetime_.Observe(static_cast<double>(exit.age_ns) / kNsPerSecond);
}

}  // namespace bootstrap
