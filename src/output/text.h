// The default output: the original tool's columns, one line per event.
//   TIME     EVENT COMM             PID     PPID    FILENAME/EXIT CODE
#pragma once

#include "output/sink.h"
#include "output/time_format.h"
#include "output/writer.h"

#include <optional>
#include <string>
#include <vector>

namespace bootstrap {

struct TextOptions {
    bool show_args = false;     // -a: the whole command line on EXEC lines
    bool show_context = false;  // --context: EXEC lines end with cwd=, tty=, auid=
    // --ancestors: EXEC lines end with the chain that started the process, "systemd>sshd>bash>make"
    static constexpr size_t kAncestryShown = 8;  // names shown at most: the first and last, "..." between
};

class TextSink : public EventSink {
public:
    TextSink(Writer& out, TimeFormatter times, TextOptions options = {})
        : out_(out), times_(times), options_(options) {}

    void begin() override;
    void on_event(const Event& event) override;
    void on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup = {}) override;
    void on_throttled(const ThrottledSpell& spell) override;

private:
    void append_prefix(const ProcessInfo& proc, const char* kind);
    void append_program(const std::string& filename, const std::vector<std::string>& argv, bool truncated,
                        const std::optional<std::string>& interpreter = std::nullopt);
    void append_command_line(const std::string& filename, const std::vector<std::string>& argv, bool truncated);
    void format(const ExecEvent& event);
    void format(const ExitEvent& event);
    void format(const ExecFailedEvent& event);
    void format(const ForkEvent&) {}  // forks feed the process table, not the lines
    void format(const ExistingEvent& event);
    void append_ancestry(const ProcessInfo& proc, const std::vector<Ancestor>& ancestors);
    void append_markers(const ExecContext& context);
    void append_context(const ExecContext& context);

    Writer& out_;
    TimeFormatter times_;
    TextOptions options_;
};

}  // namespace bootstrap
