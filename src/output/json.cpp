#include "output/json.h"

#include "events/names.h"
#include "output/exit_status_fields.h"

namespace bootstrap {

void JsonSink::open_record(const char* kind, uint64_t monotonic_ns) {
    json_.begin_object();
    json_.field("event", kind);
    time_field("time", monotonic_ns);
}

void JsonSink::time_field(std::string_view key, uint64_t monotonic_ns) {
    // RFC 3339 is digits, '-', ':', 'T', '.' and 'Z': nothing to escape.
    time_.clear();
    time_.push_back('"');
    times_.append_rfc3339_utc_ns(time_, monotonic_ns);
    time_.push_back('"');
    json_.raw_field(key, std::string_view(time_.data(), time_.size()));
}

void JsonSink::common(const char* kind, const ProcessInfo& proc) {
    open_record(kind, proc.time_ns);
    json_.field("pid", proc.pid);
    json_.field("tid", proc.tid);
    json_.field("ppid", proc.ppid);
    json_.field("uid", proc.uid);
    json_.field("gid", proc.gid);
    json_.field("comm", proc.comm);
    json_.field("cgroup_id", proc.cgroup_id);
    exec_id_field("exec_id", proc.image);
    if (proc.parent_image)
        exec_id_field("parent_exec_id", *proc.parent_image);
    else
        json_.field("parent_exec_id", nullptr);
}

void JsonSink::program_fields(const std::string& filename, const std::vector<std::string>& argv, bool truncated) {
    json_.field("filename", filename);
    json_.field("argv", argv);
    json_.field("argv_truncated", truncated);
}

// An exec id is 16 characters of base64url: nothing to escape.
void JsonSink::exec_id_field(std::string_view key, const ImageKey& image) {
    id_.clear();
    id_.push_back('"');
    exec_ids_.append(id_, image);
    id_.push_back('"');
    json_.raw_field(key, std::string_view(id_.data(), id_.size()));
}

void JsonSink::write(const ExecEvent& event) {
    common("exec", event.proc);
    program_fields(event.filename, event.argv, event.argv_truncated);
    if (event.old_pid != 0 && event.old_pid != event.proc.pid) json_.field("old_pid", event.old_pid);
    if (event.interpreter) json_.field("interpreter", *event.interpreter);
    context_fields(event.context);
    json_.field("privileges_raised", privileges_raised(event.context));
    json_.field("privileges_lowered", privileges_lowered(event.context));
    json_.field("exe_memfd", event.context.exe_memfd);
    json_.field("exe_deleted", event.context.exe_deleted);
    json_.field("exe_upper_layer", event.context.exe_upper_layer);
    if (env_) {
        json_.field("env", event.context.env.value_or(std::vector<std::string>{}));
        json_.field("env_truncated", event.context.env_truncated);
    }
    if (event.ancestors) write_ancestors(*event.ancestors);
    json_.end_line();
}

// Where and as whom a program was started: exec and failed exec records.
void JsonSink::context_fields(const ExecContext& context) {
    json_.field("cwd", context.cwd);
    json_.field("cwd_truncated", context.cwd_truncated);
    json_.field("cwd_deleted", context.cwd_deleted);
    json_.field("tty", context.tty ? std::optional(tty_name(*context.tty)) : std::nullopt);
    json_.field("sid", context.sid);
    json_.field("auid", context.auid);
    json_.field("euid", context.euid);
    json_.field("egid", context.egid);
    json_.field("ns_pid", context.ns_pid);
    json_.field("pid_ns", context.pid_ns);
    json_.field("mnt_ns", context.mnt_ns);
    json_.field("cgroup", context.cgroup);
    json_.field("container_id", context.container_id);
}

void JsonSink::write_ancestors(const std::vector<Ancestor>& ancestors) {
    json_.begin_array("ancestors");
    for (const Ancestor& ancestor : ancestors) {
        json_.begin_element();
        json_.field("pid", ancestor.image.pid);
        exec_id_field("exec_id", ancestor.image);
        json_.field("comm", ancestor.comm);
        if (ancestor.filename.empty())
            json_.field("filename", nullptr);
        else
            json_.field("filename", ancestor.filename);
        json_.end_element();
    }
    json_.end_array();
}

void JsonSink::write(const ExistingEvent& event) {
    common("existing", event.proc);
    program_fields(event.filename, event.argv, event.argv_truncated);
    json_.end_line();
}

void JsonSink::write(const ExitEvent& event) {
    common("exit", event.proc);
    if (event.thread_only) json_.field("thread_only", true);
    exit_status_fields(event.status, [this](std::string_view key, const auto& value) { json_.field(key, value); });
    json_.field("duration_ns", event.duration_ns);
    json_.field("age_ns", event.age_ns);
    json_.field("cpu_user_ns", event.cpu_user_ns);
    json_.field("cpu_system_ns", event.cpu_system_ns);
    json_.field("max_rss_kb", event.max_rss_kb);
    json_.field("minor_faults", event.minor_faults);
    json_.field("major_faults", event.major_faults);
    json_.field("voluntary_switches", event.voluntary_switches);
    json_.field("involuntary_switches", event.involuntary_switches);
    json_.end_line();
}

void JsonSink::write(const ExecFailedEvent& event) {
    common("exec_failed", event.proc);
    program_fields(event.filename, event.argv, event.argv_truncated);
    json_.field("errno", event.error);
    json_.field("error", errno_name(event.error));
    context_fields(event.context);
    json_.end_line();
}

void JsonSink::on_event(const Event& event) {
    std::visit([this](const auto& e) { write(e); }, event);
}

void JsonSink::on_lost(uint64_t count, uint64_t monotonic_ns, std::span<const CgroupLoss> by_cgroup) {
    open_record("lost", monotonic_ns);
    json_.field("count", count);
    if (!by_cgroup.empty()) {
        json_.begin_array("cgroups");
        for (const CgroupLoss& loss : by_cgroup) {
            json_.begin_element();
            json_.field("cgroup_id", loss.cgroup_id);
            json_.field("cgroup", loss.cgroup);
            json_.field("count", loss.count);
            json_.end_element();
        }
        json_.end_array();
    }
    json_.end_line();
}

void JsonSink::on_throttled(const ThrottledSpell& spell) {
    open_record("throttle", spell.until_ns);
    json_.field("cgroup_id", spell.cgroup_id);
    json_.field("cgroup", spell.cgroup);
    json_.field("container_id", spell.container_id);
    json_.field("dropped_execs", spell.dropped_execs);
    json_.field("dropped_exits", spell.dropped_exits);
    time_field("since", spell.since_ns);
    time_field("until", spell.until_ns);
    json_.end_line();
}

}  // namespace bootstrap
