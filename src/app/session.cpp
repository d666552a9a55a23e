#include "app/session.h"

#include "events/clock.h"
#include "events/event.h"
#include "events/exec_id.h"
#include "output/json.h"
#include "output/summary.h"
#include "output/text.h"
#include "output/time_format.h"
#include "output/trace.h"
#include "proc/cgroup_paths.h"
#include "proc/proc_scan.h"
#include "util/error.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace bootstrap {

namespace {

EventPipeline::Options pipeline_options(const OutputPlan& plan) {
    EventPipeline::Options options;
    options.pair_exits_with_execs = plan.pair_exits_with_execs;
    options.exit_commands = plan.summary || plan.trace_path.has_value();
    options.ancestors = plan.ancestors;
    options.containers_only = plan.containers_only;
    options.count_live = plan.count_live;
    options.redact_patterns = plan.redact_patterns;
    options.redact_args = plan.redact_args;
    return options;
}

// What the pipeline asks of the system: cgroup paths (cached, from /proc or the cgroup2 hierarchy) and
// whether a pid exists (a signal 0).
EventPipeline::Lookups system_lookups() {
    auto cgroups = std::make_shared<CgroupPaths>();
    return {[cgroups](uint64_t id, uint32_t pid) { return cgroups->path_of(id, static_cast<pid_t>(pid)); },
            [](uint32_t pid) { return process_exists(static_cast<pid_t>(pid)); }};
}

}  // namespace

Session::Session(const OutputPlan& plan, EventOutput& output, Metrics* metrics, uint64_t run_start)
    : output_(output),
      metrics_(metrics),
      page_size_(static_cast<uint64_t>(sysconf(_SC_PAGESIZE))),
      plan_(plan),
      losses_(plan.losses_on_stderr),
      throttles_([this](uint64_t id) { return pipeline_.cgroup_path(id); }),
      pipeline_(pipeline_options(plan), system_lookups()) {
    WallClock clock;
    TimeFormatter times(clock, plan.time_format, run_start);
    Writer& out = output.writer();
    if (plan.events && plan.json)
        stream_sinks_.push_back(std::make_unique<JsonSink>(out, times, ExecIds(read_boot_id()), plan.env));
    else if (plan.events)
        stream_sinks_.push_back(std::make_unique<TextSink>(out, times, plan.text));
    if (plan.summary) {
        auto summary = std::make_unique<SummarySink>(out, plan.json, times, run_start);
        summary_ = summary.get();
        stream_sinks_.push_back(std::move(summary));
    }
    if (plan.trace_path)
        side_sinks_.push_back(std::make_unique<TraceSink>(*plan.trace_path, clock, TraceLimits{}, run_start));
    if (metrics) side_sinks_.push_back(std::make_unique<MetricsSink>(*metrics));
}

namespace {

// The kernel's task iterator does not visit every process on every kernel (on 6.18 it starts at pid 2,
// leaving out init): a process known only as the parent of listed ones is read from /proc instead.
void add_unlisted_parents(std::vector<ExistingEvent>& running) {
    std::unordered_set<ProcessKey, ProcessKeyHash> listed;
    for (const ExistingEvent& e : running) listed.insert({e.proc.pid, e.proc.image.start_time_ns});
    size_t count = running.size();
    for (size_t i = 0; i < count; ++i) {
        std::optional<ImageKey> parent = running[i].proc.parent_image;  // a copy: push_back moves the vector
        if (!parent || !listed.insert(ProcessKey::of(*parent)).second) continue;
        if (auto found = read_parent_process(*parent, running[i].proc.time_ns)) running.push_back(std::move(*found));
    }
}

}  // namespace

void Session::add_running_processes(Tracer& tracer, const std::function<bool(const ExistingEvent&)>& wanted) {
    std::vector<ExistingEvent> running;
    tracer.list_running([&](std::span<const std::byte> record) {
        DecodeResult decoded = decode(record, page_size_);
        auto* event = std::get_if<Event>(&decoded);
        if (auto* process = event ? std::get_if<ExistingEvent>(event) : nullptr) running.push_back(std::move(*process));
    });
    add_unlisted_parents(running);
    std::sort(running.begin(), running.end(), [](const auto& a, const auto& b) { return a.proc.pid < b.proc.pid; });
    for (ExistingEvent& process : running) {
        read_program(process, plan_.max_args_bytes);
        bool report = plan_.existing && wanted(process);
        Event event{std::move(process)};
        report = pipeline_.add_running(event) && report;
        if (report) existing_.push_back(std::move(event));
    }
    pipeline_.running_added();
}

void Session::begin() {
    for (auto& sink : stream_sinks_) sink->begin();
    for (const Event& event : existing_) dispatch(event);
    existing_.clear();
    existing_.shrink_to_fit();
}

void Session::handle(std::span<const std::byte> record) {
    if (metrics_) metrics_->record_read();
    DecodeResult decoded = decode(record, page_size_);
    auto* event = std::get_if<Event>(&decoded);
    if (!event) {
        std::fprintf(stderr, "bootstrap: skipped a record: %s\n", std::get<DecodeError>(decoded).reason.c_str());
        return;
    }
    if (pipeline_.process(*event)) dispatch(*event);
}

void Session::command_ended(size_t descendants) {
    if (summary_) summary_->set_descendants_running(descendants);
}

void Session::dispatch(const Event& event) {
    if (!output_.writes_events()) {
        for (auto& sink : side_sinks_) sink->on_event(event);
        if (!std::holds_alternative<ForkEvent>(event)) output_.count_not_written();  // forks are never lines
        return;
    }
    for (auto& sink : stream_sinks_) sink->on_event(event);
    for (auto& sink : side_sinks_) sink->on_event(event);
    output_.flush_if_large();
}

size_t Session::drain(Tracer& tracer) {
    if (metrics_) metrics_->set_ring_fill(tracer.ring_fill());
    EventOutput::State before = output_.state();
    size_t records = tracer.consume([this, before] { return output_.state() != before; });
    after_drain(tracer);
    return records;
}

void Session::after_drain(Tracer& tracer) {
    losses_.report_untracked(tracer.untracked_forks());
    report_drops(tracer, /*ending=*/false);
    output_.flush();
    update_metrics(tracer);
}

// The records lost since the last drain, by cgroup where the kernel could tell, and the throttled spells
// that are over (all of them, `ending`).
void Session::report_drops(Tracer& tracer, bool ending) {
    uint64_t lost_total = tracer.lost_events();
    uint64_t throttled_total = tracer.throttled_records();
    uint64_t now = WallClock::monotonic_now_ns();
    std::vector<CgroupLoss> by_cgroup;
    std::vector<ThrottledSpell> spells;
    if (ending || throttles_.needs_counts(throttled_total, lost_total))
        spells = throttles_.take(tracer.cgroup_counts(), throttled_total, lost_total, now, ending, by_cgroup,
                                 [&tracer](const CgroupCounts& counts) { tracer.mark_reported(counts); });
    if (uint64_t lost = losses_.take_lost(lost_total)) {
        if (output_.writes_events())
            for (auto& sink : stream_sinks_) sink->on_lost(lost, now, by_cgroup);
        for (auto& sink : side_sinks_) sink->on_lost(lost, now, by_cgroup);
    }
    for (const ThrottledSpell& spell : spells) {
        if (plan_.losses_on_stderr) ThrottleReport::say(spell, stderr);
        if (output_.writes_events())
            for (auto& sink : stream_sinks_) sink->on_throttled(spell);
        for (auto& sink : side_sinks_) sink->on_throttled(spell);
    }
}

// Totals kept here and in the output file, copied into the metrics once per drain.
void Session::update_metrics(const Tracer& tracer) {
    if (!metrics_) return;
    const LogFile* file = output_.file();
    metrics_->set_lines_not_written(output_.lines_not_written());
    metrics_->set_output_write_errors(file ? file->write_errors() : 0);
    metrics_->set_rotations(file ? file->rotations() : 0);
    if (file)
        metrics_->set_output_file_failures(file->reopen_failures(), file->rotation_failures(), file->renames_failed());
    metrics_->set_untracked_forks(tracer.untracked_forks());
    metrics_->set_events_throttled(tracer.throttled_records());
}

// The timeline is written even when the output stream has closed, and a timeline that cannot be written
// does not keep the summary from being.
std::optional<Error> Session::end(Tracer& tracer) {
    report_drops(tracer, /*ending=*/true);
    std::optional<Error> file_error;
    for (auto& sink : side_sinks_) {
        try {
            sink->end();
        } catch (const Error& e) {
            if (!file_error) file_error = e;
        }
    }
    if (output_.writes_events()) {
        for (auto& sink : stream_sinks_) sink->end();
        output_.flush();
    }
    return file_error;
}

}  // namespace bootstrap
