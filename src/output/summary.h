// -s: totals for the whole run, written once at the end, as an aligned table or as one JSON object
// (documented in docs/json.md, "Summary object"). Memory stays bounded however many processes come and go:
// counters, the fork time of each live pid, and two top-10 lists. An exit's command comes with it, paired
// with its exec record before any sink sees it (events/exec_pairing.h).
#pragma once

#include "output/sink.h"
#include "output/time_format.h"
#include "output/writer.h"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bootstrap {

class SummarySink : public EventSink {
public:
    // With `run_start_ns`, the span is the run's, from then to end(); otherwise the first to the last event.
    SummarySink(Writer& out, bool json, TimeFormatter times, std::optional<uint64_t> run_start_ns = {})
        : out_(out), json_(json), times_(times), run_start_ns_(run_start_ns) {}

    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup = {}) override;
    void end() override;  // appends the summary to the writer; the caller flushes
    // Command mode: how many of the command's descendants were still running when it exited.
    void set_descendants_running(uint64_t count) { descendants_running_ = count; }

    // Bounds, public for the tests.
    static constexpr size_t kTopCount = 10;
    static constexpr size_t kMaxArgs = 8;        // arguments kept per exec
    static constexpr size_t kMaxArgBytes = 128;  // bytes kept per argument
    static constexpr size_t kMaxFilenameBytes = 256;

    // What the top lists show about a process that ended.
    struct Process {
        uint32_t pid = 0;
        uint32_t ppid = 0;
        std::string comm;
        std::optional<std::string> filename;  // from its last exec, when that was seen
        std::vector<std::string> argv;        // the first kMaxArgs, each cut to kMaxArgBytes
        bool argv_truncated = false;          // incomplete: the kernel's limit, or the caps above
        uint64_t lifetime_ns = 0;             // since exec if the kernel saw it, else since fork
        bool since_exec = false;
        uint64_t cpu_ns = 0;  // user + system
        uint64_t cpu_user_ns = 0;
        uint64_t cpu_system_ns = 0;
        uint64_t max_rss_kb = 0;
        ExitStatus status;
        uint64_t order = 0;  // arrival order: breaks ties, earlier first
    };

private:
    // The kTopCount largest by one key, as a min-heap: the smallest kept one is the first to go.
    class TopList {
    public:
        explicit TopList(uint64_t Process::*key) : key_(key) {}
        void offer(const Process& process);
        std::vector<Process> sorted() const;  // largest first
    private:
        bool better(const Process& a, const Process& b) const;
        uint64_t Process::*key_;
        std::vector<Process> heap_;
    };

    struct SignalCount {
        uint64_t count = 0;
        uint64_t core_dumped = 0;
    };

    void handle(const ExecEvent& event);
    void handle(const ExitEvent& event);
    void handle(const ExecFailedEvent& event);
    void handle(const ForkEvent& event) { see(event.proc); }
    void handle(const ExistingEvent& event) { see(event.proc); }
    void see(const ProcessInfo& proc);
    void see_time(uint64_t monotonic_ns);
    static void take_command(Process& p, const ExecCommand& command);
    void write_text();
    void write_json();

    Writer& out_;
    bool json_;
    TimeFormatter times_;
    std::optional<uint64_t> run_start_ns_;
    std::optional<uint64_t> descendants_running_;

    // The fork time of the live process behind each pid seen: a pid reused during the run is a second
    // process. Entries leave at the process's exit, so this holds at most one per live pid.
    std::unordered_map<uint32_t, uint64_t> start_of_pid_;
    uint64_t processes_ = 0;
    uint64_t execs_ = 0;
    uint64_t exec_failures_ = 0;
    std::map<std::string, uint64_t> exec_failures_by_error_;
    uint64_t exits_ = 0;
    uint64_t thread_exits_ = 0;
    std::map<int, uint64_t> exits_by_code_;
    std::map<int, SignalCount> exits_by_signal_;
    uint64_t lost_ = 0;
    std::optional<uint64_t> first_ns_, last_ns_;
    uint64_t exits_seen_ = 0;  // orders Process entries

    TopList longest_{&Process::lifetime_ns};
    TopList hungriest_{&Process::cpu_ns};
};

}  // namespace bootstrap
