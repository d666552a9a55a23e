#include "output/summary.h"

#include "events/exec_pairing.h"
#include "events/names.h"
#include "output/escape.h"
#include "output/exit_status_fields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <type_traits>

namespace bootstrap {

using nlohmann::ordered_json;

namespace {

constexpr size_t kCommWidth = 16;

std::string cap(const std::string& text, size_t max_bytes, bool& truncated) {
    if (text.size() <= max_bytes) return text;
    truncated = true;
    return text.substr(0, max_bytes);
}

void pad_to(fmt::memory_buffer& buf, size_t start, size_t width) {
    size_t used = buf.size() - start;
    if (used < width) buf.append(std::string(width - used, ' '));
}

template <typename... Args>
void put(fmt::memory_buffer& buf, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(fmt::appender(buf), format, std::forward<Args>(args)...);
}

std::string seconds(uint64_t ns) {
    return fmt::format("{:.3f}s", static_cast<double>(ns) / 1e9);
}

ordered_json to_json(const SummarySink::Process& p) {
    ordered_json j;
    j["pid"] = p.pid;
    j["ppid"] = p.ppid;
    j["comm"] = p.comm;
    j["filename"] = p.filename ? ordered_json(*p.filename) : ordered_json(nullptr);
    j["argv"] = p.filename ? ordered_json(p.argv) : ordered_json(nullptr);
    j["argv_truncated"] = p.argv_truncated;
    j["lifetime_ns"] = p.lifetime_ns;
    j["lifetime_from"] = p.since_exec ? "exec" : "fork";
    j["cpu_user_ns"] = p.cpu_user_ns;
    j["cpu_system_ns"] = p.cpu_system_ns;
    j["max_rss_kb"] = p.max_rss_kb;
    exit_status_fields(p.status, [&j](const char* key, const auto& value) { j[key] = value; });
    return j;
}

// PID, PPID, COMM, then the command line when the exec was seen.
void append_process(fmt::memory_buffer& buf, const SummarySink::Process& p) {
    put(buf, "{:<7} {:<7} ", p.pid, p.ppid);
    size_t start = buf.size();
    append_escaped(buf, p.comm, Spaces::escape);
    pad_to(buf, start, kCommWidth);
    buf.push_back(' ');
    if (!p.filename) {
        buf.push_back('-');
    } else {
        append_quoted_arg(buf, *p.filename);
        for (size_t i = 1; i < p.argv.size(); ++i) {
            buf.push_back(' ');
            append_quoted_arg(buf, p.argv[i]);
        }
        if (p.argv_truncated) buf.append(std::string_view(" ..."));
    }
    buf.push_back('\n');
}

}  // namespace

// --- Top lists ---

bool SummarySink::TopList::better(const Process& a, const Process& b) const {
    if (a.*key_ != b.*key_) return a.*key_ > b.*key_;
    return a.order < b.order;
}

void SummarySink::TopList::offer(const Process& process) {
    // With "better" as the heap's less-than, the front is the worst kept entry.
    auto less = [this](const Process& a, const Process& b) { return better(a, b); };
    if (heap_.size() < kTopCount) {
        heap_.push_back(process);
        std::push_heap(heap_.begin(), heap_.end(), less);
    } else if (better(process, heap_.front())) {
        std::pop_heap(heap_.begin(), heap_.end(), less);
        heap_.back() = process;
        std::push_heap(heap_.begin(), heap_.end(), less);
    }
}

std::vector<SummarySink::Process> SummarySink::TopList::sorted() const {
    std::vector<Process> result = heap_;
    std::sort(result.begin(), result.end(), [this](const Process& a, const Process& b) { return better(a, b); });
    return result;
}

// --- Collecting ---

void SummarySink::see_time(uint64_t monotonic_ns) {
    if (!first_ns_ || monotonic_ns < *first_ns_) first_ns_ = monotonic_ns;
    if (!last_ns_ || monotonic_ns > *last_ns_) last_ns_ = monotonic_ns;
}

void SummarySink::see(const ProcessInfo& proc) {
    see_time(proc.time_ns);
    auto [entry, added] = start_of_pid_.try_emplace(proc.pid, proc.image.start_time_ns);
    if (added || entry->second != proc.image.start_time_ns) {
        entry->second = proc.image.start_time_ns;
        ++processes_;
    }
}

// The command as the top lists show it: the first kMaxArgs arguments, each cut to kMaxArgBytes.
void SummarySink::take_command(Process& p, const ExecCommand& command) {
    static_assert(ExecPairing::kMaxFilenameBytes >= kMaxFilenameBytes && ExecPairing::kMaxArgBytes >= kMaxArgBytes &&
                  ExecPairing::kMaxArgvBytes >= kMaxArgs * (kMaxArgBytes + 1));
    p.argv_truncated = command.argv_truncated || command.argv.size() > kMaxArgs;
    p.filename = cap(command.filename, kMaxFilenameBytes, p.argv_truncated);
    for (size_t i = 0; i < std::min(command.argv.size(), kMaxArgs); ++i)
        p.argv.push_back(cap(command.argv[i], kMaxArgBytes, p.argv_truncated));
}

void SummarySink::handle(const ExecEvent& event) {
    see(event.proc);
    ++execs_;
}

void SummarySink::handle(const ExecFailedEvent& event) {
    see(event.proc);
    ++exec_failures_;
    ++exec_failures_by_error_[errno_name(event.error)];
}

void SummarySink::handle(const ExitEvent& event) {
    see(event.proc);
    if (event.thread_only) {  // --threads: the process lives on
        ++thread_exits_;
        return;
    }
    ++exits_;
    if (event.status.signaled()) {
        SignalCount& counts = exits_by_signal_[event.status.signal()];
        ++counts.count;
        if (event.status.core_dumped()) ++counts.core_dumped;
    } else {
        ++exits_by_code_[event.status.exit_code()];
    }

    Process p;
    p.pid = event.proc.pid;
    p.ppid = event.proc.ppid;
    p.comm = event.proc.comm;
    start_of_pid_.erase(event.proc.pid);
    if (event.exec) take_command(p, *event.exec);
    p.since_exec = event.duration_ns.has_value();
    p.lifetime_ns = event.duration_ns.value_or(event.age_ns);
    p.cpu_user_ns = event.cpu_user_ns;
    p.cpu_system_ns = event.cpu_system_ns;
    p.cpu_ns = event.cpu_user_ns + event.cpu_system_ns;
    p.max_rss_kb = event.max_rss_kb;
    p.status = event.status;
    p.order = exits_seen_++;
    longest_.offer(p);
    hungriest_.offer(p);
}

void SummarySink::on_event(const Event& event) {
    std::visit([this](const auto& e) { handle(e); }, event);
}

void SummarySink::on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss>) {
    lost_ += count;
    see_time(monotonic_ns);
}

void SummarySink::end() {
    if (run_start_ns_) {
        see_time(*run_start_ns_);
        see_time(WallClock::monotonic_now_ns());
    }
    if (json_)
        write_json();
    else
        write_text();
}

// --- Writing ---

void SummarySink::write_text() {
    auto& buf = out_.buffer();
    auto time_text = [this](uint64_t ns) {
        fmt::memory_buffer t;
        times_.append(t, ns);
        std::string text = fmt::to_string(t);
        text.erase(text.find_last_not_of(' ') + 1);  // -t rel pads to a column width
        return text;
    };

    buf.append(std::string_view("SUMMARY\n"));
    if (first_ns_)
        put(buf, "  {:<15} {} to {} ({})\n", "traced", time_text(*first_ns_), time_text(*last_ns_),
            seconds(*last_ns_ - *first_ns_));
    else
        put(buf, "  {:<15} no events\n", "traced");
    put(buf, "  {:<15} {}\n", "processes", processes_);
    put(buf, "  {:<15} {}\n", "execs", execs_);
    put(buf, "  {:<15} {}", "failed execs", exec_failures_);
    const char* separator = " (";
    for (const auto& [error, count] : exec_failures_by_error_) {
        put(buf, "{}{} {}", separator, error, count);
        separator = ", ";
    }
    buf.append(std::string_view(exec_failures_by_error_.empty() ? "\n" : ")\n"));
    put(buf, "  {:<15} {}\n", "exits", exits_);
    if (thread_exits_) put(buf, "  {:<15} {}\n", "thread exits", thread_exits_);
    put(buf, "  {:<15} {}\n", "lost events", lost_);
    if (descendants_running_)
        put(buf, "  {:<15} {} (descendants of the command still running when it exited; --wait waits)\n",
            "left running", *descendants_running_);

    buf.append(std::string_view("\nEXITS BY CODE\n"));
    put(buf, "  {:<6} {}\n", "CODE", "COUNT");
    for (const auto& [code, count] : exits_by_code_) put(buf, "  {:<6} {}\n", code, count);
    if (exits_by_code_.empty()) buf.append(std::string_view("  (none)\n"));

    buf.append(std::string_view("\nEXITS BY SIGNAL\n"));
    put(buf, "  {:<12} {:<7} {}\n", "SIGNAL", "COUNT", "CORE DUMPED");
    for (const auto& [signal, counts] : exits_by_signal_)
        put(buf, "  {:<12} {:<7} {}\n", signal_name(signal), counts.count, counts.core_dumped);
    if (exits_by_signal_.empty()) buf.append(std::string_view("  (none)\n"));

    buf.append(std::string_view("\nLONGEST-LIVED (FROM: since exec, or since fork when the exec was not seen)\n"));
    put(buf, "  {:>12} {:<4} {:<7} {:<7} {:<16} {}\n", "LIFETIME", "FROM", "PID", "PPID", "COMM", "COMMAND");
    auto longest = longest_.sorted();
    for (const Process& p : longest) {
        put(buf, "  {:>12} {:<4} ", seconds(p.lifetime_ns), p.since_exec ? "exec" : "fork");
        append_process(buf, p);
    }
    if (longest.empty()) buf.append(std::string_view("  (none)\n"));

    buf.append(std::string_view("\nMOST CPU (user + system)\n"));
    put(buf, "  {:>12} {:>12} {:>12} {:<7} {:<7} {:<16} {}\n", "CPU", "USER", "SYSTEM", "PID", "PPID", "COMM",
        "COMMAND");
    auto hungriest = hungriest_.sorted();
    for (const Process& p : hungriest) {
        put(buf, "  {:>12} {:>12} {:>12} ", seconds(p.cpu_ns), seconds(p.cpu_user_ns), seconds(p.cpu_system_ns));
        append_process(buf, p);
    }
    if (hungriest.empty()) buf.append(std::string_view("  (none)\n"));
}

void SummarySink::write_json() {
    auto rfc3339 = [this](const std::optional<uint64_t>& ns) {
        if (!ns) return ordered_json(nullptr);
        fmt::memory_buffer t;
        times_.append_rfc3339_utc_ns(t, *ns);
        return ordered_json(fmt::to_string(t));
    };

    ordered_json j;
    j["event"] = "summary";
    j["start"] = rfc3339(first_ns_);
    j["end"] = rfc3339(last_ns_);
    j["span_ns"] = first_ns_ ? *last_ns_ - *first_ns_ : 0;
    j["processes"] = processes_;
    j["execs"] = execs_;
    j["exec_failures"] = exec_failures_;
    j["exec_failures_by_error"] = ordered_json::object();
    for (const auto& [error, count] : exec_failures_by_error_) j["exec_failures_by_error"][error] = count;
    j["exits"] = exits_;
    j["thread_exits"] = thread_exits_;
    j["exits_by_code"] = ordered_json::object();
    for (const auto& [code, count] : exits_by_code_) j["exits_by_code"][std::to_string(code)] = count;
    j["exits_by_signal"] = ordered_json::object();
    for (const auto& [signal, counts] : exits_by_signal_)
        j["exits_by_signal"][signal_name(signal)] = {{"count", counts.count}, {"core_dumped", counts.core_dumped}};
    j["lost"] = lost_;
    if (descendants_running_) j["descendants_running"] = *descendants_running_;
    j["longest_lived"] = ordered_json::array();
    for (const Process& p : longest_.sorted()) j["longest_lived"].push_back(to_json(p));
    j["most_cpu"] = ordered_json::array();
    for (const Process& p : hungriest_.sorted()) j["most_cpu"].push_back(to_json(p));

    // Bytes that are not UTF-8 become U+FFFD, as in the event lines, so the object is always valid JSON.
    auto& buf = out_.buffer();
    // ASCII only, like the event lines: safe to print on a terminal.
    buf.append(j.dump(-1, ' ', true, ordered_json::error_handler_t::replace));
    buf.push_back('\n');
}

}  // namespace bootstrap
