#include "output/trace.h"

#include "events/exec_pairing.h"
#include "events/names.h"
#include "output/exit_status_fields.h"
#include "output/time_format.h"
#include "util/error.h"
#include "util/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>
#include <utility>

namespace bootstrap {

using nlohmann::ordered_json;

namespace {

// Linux pids stay below PID_MAX_LIMIT (2^22 on 64-bit). A pid reused within the trace gets a track id
// from here up, so the two processes never share a track, a name or a place in the tree.
constexpr uint32_t kPidLimit = 1u << 22;

ordered_json metadata(uint32_t track, const char* name, ordered_json args) {
    return {{"name", name}, {"ph", "M"}, {"pid", track}, {"tid", track}, {"args", std::move(args)}};
}

}  // namespace

static_assert(ExecPairing::kMaxFilenameBytes >= TraceSink::kMaxCommandBytes &&
              ExecPairing::kMaxArgBytes >= TraceSink::kMaxCommandBytes &&
              ExecPairing::kMaxArgvBytes >= TraceSink::kMaxCommandBytes);

TraceSink::TraceSink(std::string path, WallClock clock, TraceLimits limits, std::optional<uint64_t> run_start_ns)
    : path_(std::move(path)), clock_(clock), limits_(limits), run_start_ns_(run_start_ns) {
    fd_ = open_private_output(path_, "--trace");
}

// --- Collecting ---

void TraceSink::see_time(uint64_t monotonic_ns) {
    if (!first_ns_ || monotonic_ns < *first_ns_) first_ns_ = monotonic_ns;
    if (!last_ns_ || monotonic_ns > *last_ns_) last_ns_ = monotonic_ns;
}

uint32_t TraceSink::track_for(uint32_t pid) {
    return current_.contains(pid) ? kPidLimit + reused_tracks_++ : pid;
}

// The process an event belongs to: the live one with that pid and fork time, or a new one (its first
// event, or the pid was reused). Null once limits_.processes are kept.
TraceSink::Process* TraceSink::process_for(const ProcessInfo& proc) {
    auto found = current_.find(proc.pid);
    if (found != current_.end() && !processes_[found->second].exit &&
        processes_[found->second].start_time_ns == proc.image.start_time_ns) {
        Process& p = processes_[found->second];
        p.comm = proc.comm;
        return &p;
    }
    if (processes_.size() >= limits_.processes) {
        ++events_dropped_;
        return nullptr;
    }
    Process p;
    p.pid = proc.pid;
    p.ppid = proc.ppid;
    p.track = track_for(proc.pid);
    p.comm = proc.comm;
    p.first_seen_ns = proc.time_ns;
    p.start_time_ns = proc.image.start_time_ns;
    // The ppid of the first event is the closest to fork: a parent that exits later re-parents the child.
    // A parent known by an earlier process with its pid is not this one's.
    auto parent = current_.find(proc.ppid);
    bool same_parent = parent != current_.end() && (!proc.parent_image || processes_[parent->second].start_time_ns ==
                                                                              proc.parent_image->start_time_ns);
    if (same_parent && proc.ppid != proc.pid) p.parent = parent->second;
    current_[proc.pid] = processes_.size();
    processes_.push_back(std::move(p));
    return &processes_.back();
}

// Keeps the filename and then whole arguments while they fit in kMaxCommandBytes; each argument also
// costs a byte, so thousands of empty ones are bounded too.
TraceSink::CommandLine TraceSink::capped(const std::string& filename, const std::vector<std::string>& argv,
                                         bool truncated) {
    CommandLine command;
    command.truncated = truncated;
    size_t budget = kMaxCommandBytes;
    auto take = [&](const std::string& text) {
        size_t n = std::min(text.size(), budget);
        if (n < text.size()) command.truncated = true;
        budget -= n;
        return text.substr(0, n);
    };
    command.filename = take(filename);
    for (const std::string& arg : argv) {
        if (budget == 0) {
            command.truncated = true;
            break;
        }
        --budget;
        command.argv.push_back(take(arg));
    }
    return command;
}

void TraceSink::handle(const ExecEvent& event) {
    Process* p = process_for(event.proc);
    if (!p) return;
    Exec exec{event.proc.time_ns, capped(event.filename, event.argv, event.argv_truncated)};
    if (execs_kept_ < limits_.execs) {
        ++execs_kept_;
        p->execs.push_back(std::move(exec));
        return;
    }
    // At the cap, the newest exec still replaces the process's last one: it names what runs.
    ++events_dropped_;
    if (!p->execs.empty()) p->execs.back() = std::move(exec);
}

void TraceSink::handle(const ExitEvent& event) {
    if (event.thread_only) return;  // --threads: one thread of a process that lives on
    Process* p = process_for(event.proc);
    if (!p) return;
    p->exit = event;
    p->exit->exec.reset();
    if (!event.exec) return;
    CommandLine command = capped(event.exec->filename, event.exec->argv, event.exec->argv_truncated);
    if (!p->execs.empty() && p->execs.back().command == command)
        p->exit_ran_last_exec = true;
    else
        p->exit_command = std::move(command);
}

void TraceSink::handle(const ExecFailedEvent& event) {
    Process* p = process_for(event.proc);
    if (!p) return;
    if (instants_.size() >= limits_.instants) {
        ++events_dropped_;
        return;
    }
    instants_.push_back({Instant::Kind::ExecFailed, event.proc.time_ns, p->track,
                         capped(event.filename, event.argv, event.argv_truncated), event.error, 0});
}

void TraceSink::on_event(const Event& event) {
    see_time(process_of(event).time_ns);
    std::visit([this](const auto& e) { handle(e); }, event);
}

void TraceSink::on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss>) {
    see_time(monotonic_ns);
    lost_ += count;  // the total is in otherData even when the instant is dropped
    if (instants_.size() >= limits_.instants) {
        ++events_dropped_;
        return;
    }
    instants_.push_back({Instant::Kind::Lost, monotonic_ns, 0, {}, 0, count});
}

// --- Writing ---

namespace {

// The timeline is written in one go at the end, on a descriptor that blocks: anything but all of it
// written is an error (a FIFO whose reader left cuts the file short), reported after the summary.
void check_written(const Writer& out, Writer::Result result) {
    if (result != Writer::Result::written) throw Error(out.failure());
}

}  // namespace

// The traceEvents array, written one element at a time and flushed as it grows.
class TraceSink::EventArray {
public:
    explicit EventArray(Writer& out) : out_(out) {}
    void add(const ordered_json& event) {
        out_.buffer().append(std::string_view(first_ ? "\n" : ",\n"));
        first_ = false;
        // Bytes that are not UTF-8 (comm, argv) become U+FFFD, so the file is always valid JSON, and
        // everything past ASCII is a \u escape, as in the event lines: no byte of it can drive a terminal.
        out_.buffer().append(event.dump(-1, ' ', true, ordered_json::error_handler_t::replace));
        check_written(out_, out_.flush_if_large());
    }

private:
    Writer& out_;
    bool first_ = true;
};

// Times are microseconds since the earliest event, not since the epoch: a double holds those to the
// nanosecond, while epoch microseconds (~1.7e15) keep only quarter-microseconds. The UI shows times from
// the start of the trace anyway; the wall-clock start is in otherData.
struct TraceSink::Timebase {
    uint64_t origin_ns;
    uint64_t last_ns;
    double us(uint64_t ns) const { return static_cast<double>(ns - origin_ns) / 1000.0; }
};

TraceSink::SliceStart TraceSink::slice_start(const Process& p) {
    if (p.exit && p.exit->age_ns <= p.exit->proc.time_ns) return {p.exit->proc.time_ns - p.exit->age_ns, "fork"};
    if (p.start_time_ns) return {p.start_time_ns, "fork"};
    return {p.first_seen_ns, "first_event"};
}

// Parents before children, siblings by start time: the sort index that lays the tracks out as a tree.
// Iterative, since a chain of nested shells can be deeper than the stack.
std::vector<size_t> TraceSink::depth_first_order() const {
    std::vector<std::vector<size_t>> children(processes_.size());
    std::vector<size_t> roots;
    for (size_t i = 0; i < processes_.size(); ++i) {
        if (processes_[i].parent)
            children[*processes_[i].parent].push_back(i);
        else
            roots.push_back(i);
    }
    // Pushed onto the stack latest first, so the earliest comes out first.
    auto later_first = [this](size_t a, size_t b) {
        return std::pair(slice_start(processes_[a]).ns, a) > std::pair(slice_start(processes_[b]).ns, b);
    };
    std::vector<size_t> order, stack = roots;
    std::sort(stack.begin(), stack.end(), later_first);
    while (!stack.empty()) {
        size_t i = stack.back();
        stack.pop_back();
        order.push_back(i);
        std::sort(children[i].begin(), children[i].end(), later_first);
        stack.insert(stack.end(), children[i].begin(), children[i].end());
    }
    return order;
}

void TraceSink::end() {
    if (!fd_) return;  // written already
    if (run_start_ns_) {
        see_time(*run_start_ns_);
        see_time(WallClock::monotonic_now_ns());
    }
    write_file();
    if (fd_.close() != 0) throw Error("cannot write to trace file " + path_ + ": " + std::strerror(errno));
}

void TraceSink::write_file() {
    Writer out(fd_.get(), "trace file " + path_);
    Timebase time{first_ns_.value_or(0), last_ns_.value_or(0)};
    out.buffer().append(std::string_view("{\"traceEvents\":["));
    EventArray events(out);
    std::vector<size_t> order = depth_first_order();
    for (size_t rank = 0; rank < order.size(); ++rank) write_process(events, processes_[order[rank]], rank, time);
    for (const Instant& instant : instants_) events.add(instant_event(instant, time));
    out.buffer().append(std::string_view("\n],\"displayTimeUnit\":\"ms\",\"otherData\":"));
    out.buffer().append(other_data().dump(-1, ' ', true, ordered_json::error_handler_t::replace));
    out.buffer().append(std::string_view("}\n"));
    check_written(out, out.flush());
}

// A process's track: its names and place in the tree, its slice, and an instant for each exec.
void TraceSink::write_process(EventArray& events, const Process& p, size_t rank, const Timebase& time) const {
    events.add(metadata(p.track, "process_name", {{"name", fmt::format("{} ({})", p.comm, p.pid)}}));
    events.add(metadata(p.track, "process_sort_index", {{"sort_index", rank}}));
    if (p.parent) {
        const Process& parent = processes_[*p.parent];
        events.add(
            metadata(p.track, "process_labels", {{"labels", fmt::format("parent: {} ({})", parent.comm, parent.pid)}}));
    }
    events.add(metadata(p.track, "thread_name", {{"name", p.comm}}));

    // A process seen only at exit started before the trace when its fork predates the first event; its
    // slice starts at the trace's start (age_ns keeps the truth), so old daemons that exit do not stretch
    // the timeline back to boot.
    SliceStart start = slice_start(p);
    bool clamped = start.ns < time.origin_ns;
    uint64_t begin_ns = std::max(start.ns, time.origin_ns);
    uint64_t end_ns = std::max(p.exit ? p.exit->proc.time_ns : time.last_ns, begin_ns);
    events.add({{"name", p.comm},
                {"cat", "process"},
                {"ph", "X"},
                {"ts", time.us(begin_ns)},
                {"dur", static_cast<double>(end_ns - begin_ns) / 1000.0},
                {"pid", p.track},
                {"tid", p.track},
                {"args", slice_args(p, start, clamped)}});

    for (const Exec& exec : p.execs) {
        events.add({{"name", "exec " + exec.command.filename},
                    {"cat", "exec"},
                    {"ph", "i"},
                    {"s", "t"},
                    {"ts", time.us(exec.time_ns)},
                    {"pid", p.track},
                    {"tid", p.track},
                    {"args",
                     {{"filename", exec.command.filename},
                      {"argv", exec.command.argv},
                      {"argv_truncated", exec.command.truncated}}}});
    }
}

// An exit names the command of the image that exited (paired with its exec record before any sink saw
// it); a running process, its last exec.
const TraceSink::CommandLine* TraceSink::slice_command(const Process& p) {
    if (p.exit && p.exit_command) return &*p.exit_command;
    if (p.exit && !p.exit_ran_last_exec) return nullptr;
    return p.execs.empty() ? nullptr : &p.execs.back().command;
}

ordered_json TraceSink::slice_args(const Process& p, const SliceStart& start, bool clamped) {
    ordered_json args;
    args["pid"] = p.pid;
    args["ppid"] = p.ppid;
    if (const CommandLine* command = slice_command(p)) {
        args["filename"] = command->filename;
        args["argv"] = command->argv;
        args["argv_truncated"] = command->truncated;
    }
    if (p.exit) {
        const ExitEvent& e = *p.exit;
        exit_status_fields(e.status, [&args](const char* key, const auto& value) { args[key] = value; });
        args["duration_ns"] = e.duration_ns ? ordered_json(*e.duration_ns) : ordered_json(nullptr);
        args["age_ns"] = e.age_ns;
        args["cpu_user_ns"] = e.cpu_user_ns;
        args["cpu_system_ns"] = e.cpu_system_ns;
        args["max_rss_kb"] = e.max_rss_kb;
    } else {
        args["running"] = true;
    }
    args["start_from"] = start.from;
    if (clamped) args["started_before_trace"] = true;
    return args;
}

ordered_json TraceSink::instant_event(const Instant& instant, const Timebase& time) {
    if (instant.kind == Instant::Kind::Lost) {
        return {{"name", "lost events"},          {"cat", "lost"}, {"ph", "i"}, {"s", "g"},
                {"ts", time.us(instant.time_ns)}, {"pid", 0},      {"tid", 0},  {"args", {{"count", instant.count}}}};
    }
    std::string error = errno_name(instant.error);
    return {{"name", "exec failed: " + error},
            {"cat", "exec_failed"},
            {"ph", "i"},
            {"s", "t"},
            {"ts", time.us(instant.time_ns)},
            {"pid", instant.track},
            {"tid", instant.track},
            {"args",
             {{"filename", instant.command.filename},
              {"argv", instant.command.argv},
              {"argv_truncated", instant.command.truncated},
              {"errno", instant.error},
              {"error", error}}}};
}

ordered_json TraceSink::other_data() const {
    ordered_json other;
    other["generator"] = "bootstrap";
    if (first_ns_) {
        fmt::memory_buffer start;
        TimeFormatter(clock_, TimeFormat::Utc, *first_ns_).append_rfc3339_utc_ns(start, *first_ns_);
        other["start_time"] = fmt::to_string(start);
        other["start_realtime_ns"] = clock_.to_realtime_ns(*first_ns_);
    } else {
        other["start_time"] = nullptr;
        other["start_realtime_ns"] = nullptr;
    }
    other["lost_events"] = lost_;
    other["process_limit"] = limits_.processes;
    other["truncated"] = events_dropped_ > 0;
    other["events_dropped"] = events_dropped_;
    return other;
}

}  // namespace bootstrap
