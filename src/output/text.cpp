#include "output/text.h"

#include "events/names.h"
#include "output/escape.h"

#include <iterator>

namespace bootstrap {

namespace {
constexpr size_t kCommWidth = 16;
}

void TextSink::begin() {
    fmt::format_to(std::back_inserter(out_.buffer()), "{:<8} {:<5} {:<16} {:<7} {:<7} {}\n", "TIME", "EVENT",
                   "COMM", "PID", "PPID", "FILENAME/EXIT CODE");
}

void TextSink::append_time(uint64_t monotonic_ns) {
    int64_t realtime_ns = clock_.to_realtime_ns(monotonic_ns);
    time_t second = static_cast<time_t>(realtime_ns / 1'000'000'000);
    if (second != cached_second_) {
        tm local{};
        localtime_r(&second, &local);
        strftime(cached_time_, sizeof(cached_time_), "%H:%M:%S", &local);
        cached_second_ = second;
    }
    out_.buffer().append(std::string_view(cached_time_));
}

void TextSink::append_prefix(const ProcessInfo& proc, const char* kind) {
    auto& buf = out_.buffer();
    append_time(proc.time_ns);
    fmt::format_to(std::back_inserter(buf), " {:<5} ", kind);
    size_t before = buf.size();
    append_escaped(buf, proc.comm);
    size_t width = buf.size() - before;
    if (width < kCommWidth) buf.append(std::string(kCommWidth - width, ' '));
    fmt::format_to(std::back_inserter(buf), " {:<7} {:<7} ", proc.pid, proc.ppid);
}

void TextSink::format(const ExecEvent& event) {
    append_prefix(event.proc, "EXEC");
    append_escaped(out_.buffer(), event.filename);
    out_.buffer().push_back('\n');
}

void TextSink::format(const ExitEvent& event) {
    auto& buf = out_.buffer();
    append_prefix(event.proc, event.thread_only ? "TEXIT" : "EXIT");
    if (event.status.signaled()) {
        fmt::format_to(std::back_inserter(buf), "[{}{}]", signal_name(event.status.signal()),
                       event.status.core_dumped() ? " core" : "");
    } else {
        fmt::format_to(std::back_inserter(buf), "[{}]", event.status.exit_code());
    }
    if (event.duration_ns) fmt::format_to(std::back_inserter(buf), " ({}ms)", *event.duration_ns / 1'000'000);
    buf.push_back('\n');
}

void TextSink::format(const ExecFailedEvent& event) {
    auto& buf = out_.buffer();
    append_prefix(event.proc, "FAIL");
    append_escaped(buf, event.filename);
    fmt::format_to(std::back_inserter(buf), " [{}]\n", errno_name(event.error));
}

void TextSink::on_event(const Event& event) {
    std::visit([this](const auto& e) { format(e); }, event);
}

void TextSink::on_lost(uint64_t) {
    // Text mode reports loss on standard error (see the run loop), keeping these columns parseable.
}

}  // namespace bootstrap
