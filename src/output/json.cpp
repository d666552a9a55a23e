#include "output/json.h"

#include "events/names.h"

namespace bootstrap {

using nlohmann::ordered_json;

std::string JsonSink::rfc3339(uint64_t monotonic_ns) {
    time_buffer_.clear();
    times_.append_rfc3339_utc_ns(time_buffer_, monotonic_ns);
    return fmt::to_string(time_buffer_);
}

void JsonSink::write_line(const ordered_json& object) {
    std::string text = object.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    auto& buf = out_.buffer();
    buf.append(text);
    buf.push_back('\n');
}

ordered_json JsonSink::common(const char* kind, const ProcessInfo& proc) {
    ordered_json j;
    j["event"] = kind;
    j["time"] = rfc3339(proc.time_ns);
    j["pid"] = proc.pid;
    j["tid"] = proc.tid;
    j["ppid"] = proc.ppid;
    j["uid"] = proc.uid;
    j["gid"] = proc.gid;
    j["comm"] = proc.comm;
    j["cgroup_id"] = proc.cgroup_id;
    return j;
}

ordered_json JsonSink::to_json(const ExecEvent& event) {
    ordered_json j = common("exec", event.proc);
    j["filename"] = event.filename;
    j["argv"] = event.argv;
    j["argv_truncated"] = event.argv_truncated;
    if (event.old_pid != event.proc.pid) j["old_pid"] = event.old_pid;
    return j;
}

ordered_json JsonSink::to_json(const ExitEvent& event) {
    ordered_json j = common("exit", event.proc);
    if (event.thread_only) j["thread_only"] = true;
    const ExitStatus& status = event.status;
    j["exit_code"] = status.signaled() ? ordered_json(nullptr) : ordered_json(status.exit_code());
    j["signal"] = status.signaled() ? ordered_json(signal_name(status.signal())) : ordered_json(nullptr);
    j["core_dumped"] = status.core_dumped();
    j["duration_ns"] = event.duration_ns ? ordered_json(*event.duration_ns) : ordered_json(nullptr);
    j["age_ns"] = event.age_ns;
    j["cpu_user_ns"] = event.cpu_user_ns;
    j["cpu_system_ns"] = event.cpu_system_ns;
    j["max_rss_kb"] = event.max_rss_kb;
    j["minor_faults"] = event.minor_faults;
    j["major_faults"] = event.major_faults;
    j["voluntary_switches"] = event.voluntary_switches;
    j["involuntary_switches"] = event.involuntary_switches;
    return j;
}

ordered_json JsonSink::to_json(const ExecFailedEvent& event) {
    ordered_json j = common("exec_failed", event.proc);
    j["filename"] = event.filename;
    j["argv"] = event.argv;
    j["argv_truncated"] = event.argv_truncated;
    j["errno"] = event.error;
    j["error"] = errno_name(event.error);
    return j;
}

void JsonSink::on_event(const Event& event) {
    std::visit([this](const auto& e) { write_line(to_json(e)); }, event);
}

void JsonSink::on_lost(uint64_t count, uint64_t monotonic_ns) {
    ordered_json j;
    j["event"] = "lost";
    j["time"] = rfc3339(monotonic_ns);
    j["count"] = count;
    write_line(j);
}

}  // namespace bootstrap
