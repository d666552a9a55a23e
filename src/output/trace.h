// --trace FILE: a timeline for ui.perfetto.dev or chrome://tracing, in the Chrome Trace Event JSON Object
// Format (documented in docs/json.md, "Timeline file"). Each process is one slice on its own track, the
// tracks ordered so children sit under their parents. The file is written at end(), so memory is bounded
// by caps on what is kept; what a cap dropped is counted in the file's otherData.
#pragma once

#include "events/clock.h"
#include "output/sink.h"
#include "output/writer.h"
#include "util/file_descriptor.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bootstrap {

// What is kept until end(). A kept command line is at most ~1 KiB (kMaxCommandBytes), so the defaults
// bound memory to ~100 MiB of command lines, ~20 MiB of process records and a few MiB of instants in the
// worst case; a typical run keeps far less.
struct TraceLimits {
    size_t processes = 100000;
    size_t execs = 100000;     // command lines, over all processes
    size_t instants = 100000;  // failed execs and losses
};

class TraceSink : public EventSink {
    class EventArray;
    struct Timebase;

public:
    // Creates or truncates `path` now, so a bad path fails before tracing starts. Throws Error (status 2:
    // the path is --trace's value).
    // With `run_start_ns`, the timeline starts when the run did and ends at end(), so processes that
    // started during the run keep their real start even when their first record came late (-d).
    TraceSink(std::string path, WallClock clock, TraceLimits limits = {}, std::optional<uint64_t> run_start_ns = {});
    TraceSink(const TraceSink&) = delete;
    TraceSink& operator=(const TraceSink&) = delete;

    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup = {}) override;
    // Writes the whole file and closes it. Throws Error (a full disk, say).
    void end() override;

    static constexpr size_t kMaxCommandBytes = 1024;  // filename, then argv, each counted against this

private:
    struct CommandLine {
        std::string filename;
        std::vector<std::string> argv;
        bool truncated = false;  // by the kernel or by kMaxCommandBytes
        bool operator==(const CommandLine&) const = default;
    };

    struct Exec {
        uint64_t time_ns = 0;
        CommandLine command;
    };

    struct Process {
        uint32_t pid = 0;
        uint32_t ppid = 0;
        uint32_t track = 0;            // the trace's "pid": the real pid, unless reused (see track_for)
        std::optional<size_t> parent;  // index in processes_; always an earlier one
        std::string comm;              // as last seen
        uint64_t first_seen_ns = 0;
        uint64_t start_time_ns = 0;     // its fork, from the kernel's identity of it (0 when not known)
        std::vector<Exec> execs;        // in order; the last one names a running process's command
        std::optional<ExitEvent> exit;  // without its command, which is kept capped: what the image that
        // exited ran, when its exec was read. Most often that is the last exec kept, so not kept twice.
        std::optional<CommandLine> exit_command;
        bool exit_ran_last_exec = false;
    };

    struct Instant {
        enum class Kind { ExecFailed, Lost } kind;
        uint64_t time_ns = 0;
        uint32_t track = 0;
        CommandLine command;  // ExecFailed
        int error = 0;        // ExecFailed
        uint64_t count = 0;   // Lost
    };

    struct SliceStart {
        uint64_t ns;
        const char* from;  // "fork" (exit time - age) or "first_event" (no exit yet)
    };

    static SliceStart slice_start(const Process& p);
    Process* process_for(const ProcessInfo& proc);
    uint32_t track_for(uint32_t pid);
    void see_time(uint64_t monotonic_ns);
    static CommandLine capped(const std::string& filename, const std::vector<std::string>& argv, bool truncated);
    void handle(const ExecEvent& event);
    void handle(const ExitEvent& event);
    void handle(const ExecFailedEvent& event);
    void handle(const ForkEvent& event) { process_for(event.proc); }
    void handle(const ExistingEvent& event) { process_for(event.proc); }
    std::vector<size_t> depth_first_order() const;
    void write_file();
    void write_process(EventArray& events, const Process& p, size_t rank, const Timebase& time) const;
    static const CommandLine* slice_command(const Process& p);
    static nlohmann::ordered_json slice_args(const Process& p, const SliceStart& start, bool clamped);
    static nlohmann::ordered_json instant_event(const Instant& instant, const Timebase& time);
    nlohmann::ordered_json other_data() const;

    std::string path_;
    WallClock clock_;
    TraceLimits limits_;
    std::optional<uint64_t> run_start_ns_;
    FileDescriptor fd_;  // closed once the file is written

    std::vector<Process> processes_;
    std::unordered_map<uint32_t, size_t> current_;  // pid -> its latest process, alive or not
    uint32_t reused_tracks_ = 0;
    size_t execs_kept_ = 0;
    std::vector<Instant> instants_;
    uint64_t events_dropped_ = 0;  // not shown because a cap was reached
    uint64_t lost_ = 0;
    std::optional<uint64_t> first_ns_, last_ns_;
};

}  // namespace bootstrap
