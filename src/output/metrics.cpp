#include "output/metrics.h"

#include "events/names.h"
#include "output/escape.h"
#include "util/error.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace bootstrap {

namespace {

constexpr double kNsPerSecond = 1e9;

// A few concurrent scrapes are served at once; more wait in the listen queue. A client that sends its
// request slowly holds a thread for at most this long, and a request larger than the limit (a huge
// header) is refused unread, so neither can grow the tracer's memory.
constexpr const char* kServerThreads = "4";
constexpr const char* kRequestTimeoutMs = "5000";
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

}  // namespace

const std::string& BoundedLabel::value_for(const std::string& value) {
    if (auto found = admitted_.find(value); found != admitted_.end()) return *found;
    if (admitted_.size() >= limit_) return other_;
    if (seen_once_.erase(value) > 0) return *admitted_.insert(value).first;
    if (seen_once_.size() >= kSeenOnceMax) seen_once_.clear();  // a name may then need a third sighting
    seen_once_.insert(value);
    return other_;
}

Metrics::Metrics(size_t comm_limit)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_metrics_(std::make_shared<ProcessMetrics>()),
      comms_(comm_limit),
      execs_(prometheus::BuildCounter()
                 .Name("bootstrap_execs_total")
                 .Help("Programs executed (exec events), by command name after the exec; names beyond the "
                       "label limit count as \"other\"")
                 .Register(*registry_)),
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
    std::vector<std::string> options{"listening_ports",  address.listening_port(), "num_threads",
                                     kServerThreads,     "request_timeout_ms",     kRequestTimeoutMs,
                                     "max_request_size", kMaxRequestBytes};
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(std::move(options));
    } catch (const std::exception& e) {
        throw Error("--metrics: cannot listen on " + address.to_string() + ": " + e.what(),
                    "choose another port, or stop what listens there");
    }
    exposer_->RegisterCollectable(registry_);
    exposer_->RegisterCollectable(process_metrics_);
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
        const std::string& comm = comms_.value_for(exec->proc.comm);
        auto [series, added] = exec_series_.try_emplace(comm, nullptr);
        if (added) series->second = &execs_.Add({{"comm", label_safe(comm)}});
        series->second->Increment();
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
