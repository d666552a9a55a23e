#include "output/text.h"

#include "events/names.h"
#include "output/escape.h"

namespace bootstrap {

namespace {
constexpr size_t kCommWidth = 16;

void pad_to(fmt::memory_buffer& buf, size_t start, size_t width) {
    size_t used = buf.size() - start;
    if (used < width) buf.append(std::string(width - used, ' '));
}
}  // namespace

void TextSink::begin() {
    auto& buf = out_.buffer();
    size_t start = buf.size();
    buf.append(std::string_view("TIME"));
    pad_to(buf, start, times_.width());
    fmt::format_to(fmt::appender(buf), " {:<5} {:<16} {:<7} {:<7} {}\n", "EVENT", "COMM", "PID", "PPID",
                   "FILENAME/EXIT CODE");
}

void TextSink::append_prefix(const ProcessInfo& proc, const char* kind) {
    auto& buf = out_.buffer();
    times_.append(buf, proc.time_ns);
    fmt::format_to(fmt::appender(buf), " {:<5} ", kind);
    size_t start = buf.size();
    append_escaped(buf, proc.comm, Spaces::escape);
    pad_to(buf, start, kCommWidth);
    fmt::format_to(fmt::appender(buf), " {:<7} {:<7} ", proc.pid, proc.ppid);
}

// Like execsnoop's ARGS: the file executed, then the arguments after argv[0], each quoted when needed.
void TextSink::append_command_line(const std::string& filename, const std::vector<std::string>& argv, bool truncated) {
    auto& buf = out_.buffer();
    append_quoted_arg(buf, filename);
    for (size_t i = 1; i < argv.size(); ++i) {
        buf.push_back(' ');
        append_quoted_arg(buf, argv[i]);
    }
    if (truncated) buf.append(std::string_view(" ..."));
}

// The file executed, or with -a the whole command line. A script's command line starts with its
// interpreter; argv already names the script after it.
void TextSink::append_program(const std::string& filename, const std::vector<std::string>& argv, bool truncated,
                              const std::optional<std::string>& interpreter) {
    if (options_.show_args)
        append_command_line(interpreter.value_or(filename), argv, truncated);
    else
        append_escaped(out_.buffer(), filename);
}

void TextSink::format(const ExecEvent& event) {
    append_prefix(event.proc, "EXEC");
    append_program(event.filename, event.argv, event.argv_truncated, event.interpreter);
    append_markers(event.context);
    if (options_.show_context) append_context(event.context);
    if (event.ancestors) append_ancestry(event.proc, *event.ancestors);
    out_.buffer().push_back('\n');
}

// What an investigator looks for first, always shown: " [setuid,memfd]" after the program. A set-id bit
// that lowered root's privileges is "setuid-lowered".
void TextSink::append_markers(const ExecContext& context) {
    std::vector<std::string> markers = privileges_raised(context);
    for (const std::string& lowered : privileges_lowered(context)) markers.push_back(lowered + "-lowered");
    if (context.exe_memfd) markers.emplace_back("memfd");
    if (context.exe_deleted) markers.emplace_back("deleted");
    if (context.exe_upper_layer) markers.emplace_back("upper");
    if (markers.empty()) return;
    fmt::format_to(fmt::appender(out_.buffer()), " [{}]", fmt::join(markers, ","));
}

// --context: " cwd=/home/u tty=pts/3 auid=1000". The directory is one word that holds no field of its
// own (spaces, quotes and '=' escaped), followed by " [deleted]" when it had been removed.
void TextSink::append_context(const ExecContext& context) {
    auto& buf = out_.buffer();
    buf.append(std::string_view(" cwd="));
    if (context.cwd_truncated) buf.append(std::string_view("..."));
    append_field_value(buf, context.cwd);
    if (context.cwd_deleted) buf.append(std::string_view(" [deleted]"));
    buf.append(std::string_view(" tty="));
    buf.append(context.tty ? tty_name(*context.tty) : std::string("-"));
    buf.append(std::string_view(" auid="));
    buf.append(context.auid ? std::to_string(*context.auid) : std::string("-"));
    if (context.container_id) fmt::format_to(fmt::appender(buf), " container={}", context.container_id->substr(0, 12));
}

// "  systemd>sshd>bash>make": the root first, the process itself last; a long chain keeps its ends.
void TextSink::append_ancestry(const ProcessInfo& proc, const std::vector<Ancestor>& ancestors) {
    auto& buf = out_.buffer();
    std::vector<const std::string*> names;
    for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it) names.push_back(&it->comm);
    names.push_back(&proc.comm);
    size_t keep_each_end = TextOptions::kAncestryShown / 2;
    buf.append(std::string_view("  "));
    for (size_t i = 0; i < names.size(); ++i) {
        bool elided =
            names.size() > TextOptions::kAncestryShown && i >= keep_each_end && i < names.size() - keep_each_end;
        if (elided) {
            if (i == keep_each_end) buf.append(std::string_view(">..."));
            continue;
        }
        if (i > 0) buf.push_back('>');
        append_escaped(buf, *names[i], Spaces::escape);
    }
}

void TextSink::format(const ExistingEvent& event) {
    append_prefix(event.proc, "EXIST");
    append_program(event.filename, event.argv, event.argv_truncated);
    out_.buffer().push_back('\n');
}

void TextSink::format(const ExitEvent& event) {
    auto& buf = out_.buffer();
    append_prefix(event.proc, event.thread_only ? "TEXIT" : "EXIT");
    if (event.status.signaled()) {
        fmt::format_to(fmt::appender(buf), "[{}{}]", signal_name(event.status.signal()),
                       event.status.core_dumped() ? " core" : "");
    } else {
        fmt::format_to(fmt::appender(buf), "[{}]", event.status.exit_code());
    }
    if (event.duration_ns) fmt::format_to(fmt::appender(buf), " ({}ms)", *event.duration_ns / 1'000'000);
    buf.push_back('\n');
}

void TextSink::format(const ExecFailedEvent& event) {
    auto& buf = out_.buffer();
    append_prefix(event.proc, "FAIL");
    append_program(event.filename, event.argv, event.argv_truncated);
    fmt::format_to(fmt::appender(buf), " [{}]", errno_name(event.error));
    if (options_.show_context) append_context(event.context);
    buf.push_back('\n');
}

void TextSink::on_event(const Event& event) {
    std::visit([this](const auto& e) { format(e); }, event);
}

// Whose records were dropped, in the columns: no process, the cgroup, its counts and since when.
//   12:00:03 THROTL -                -       -       /system.slice/flood.service: 1200 execs, 1180 exits since 12:00:01
void TextSink::on_throttled(const ThrottledSpell& spell) {
    auto& buf = out_.buffer();
    times_.append(buf, spell.until_ns);
    fmt::format_to(fmt::appender(buf), " {:<5} {:<16} {:<7} {:<7} ", "THROTL", "-", "-", "-");
    if (spell.cgroup)
        append_escaped(buf, *spell.cgroup);
    else
        fmt::format_to(fmt::appender(buf), "cgroup {}", spell.cgroup_id);
    fmt::format_to(fmt::appender(buf), ": {} execs, {} exits since ", spell.dropped_execs, spell.dropped_exits);
    times_.append(buf, spell.since_ns);
    buf.push_back('\n');
}

void TextSink::on_lost(uint64_t, uint64_t, std::span<const CgroupLoss>) {
    // Text mode reports loss on standard error (see the run loop), keeping these columns parseable.
}

}  // namespace bootstrap
