#include "events/event.h"

#include <linux/types.h>

#include <cstring>

extern "C" {
#include "events.h"
}

namespace bootstrap {

namespace {

__extension__ typedef unsigned __int128 uint128;

constexpr int32_t kMaxErrno = 4095;  // the kernel's MAX_ERRNO

template <typename T>
bool read_struct(std::span<const std::byte> bytes, T& out) {
    if (bytes.size() < sizeof(T)) return false;
    std::memcpy(&out, bytes.data(), sizeof(T));
    return true;
}

// The kernel's comm always ends in a NUL within its 16 bytes (bpf_get_current_comm pads with NULs).
bool comm_is_terminated(const record_header& hdr) {
    return strnlen(hdr.comm, sizeof(hdr.comm)) < sizeof(hdr.comm);
}

ProcessInfo process_info(const record_header& hdr) {
    ProcessInfo info;
    info.time_ns = hdr.time_ns;
    info.pid = hdr.pid;
    info.tid = hdr.tid;
    info.ppid = hdr.ppid;
    info.uid = hdr.uid;
    info.gid = hdr.gid;
    info.cgroup_id = hdr.cgroup_id;
    info.comm.assign(hdr.comm, strnlen(hdr.comm, sizeof(hdr.comm)));
    info.image = {hdr.pid, hdr.image.start_time_ns, hdr.image.exec_seq};
    if (hdr.ppid != 0)
        info.parent_image = ImageKey{hdr.ppid, hdr.parent_image.start_time_ns, hdr.parent_image.exec_seq};
    return info;
}

// Splits NUL-terminated arguments. A last argument without its NUL (cut by the byte cap) is kept.
std::vector<std::string> split_args(std::string_view bytes) {
    std::vector<std::string> args;
    while (!bytes.empty()) {
        size_t nul = bytes.find('\0');
        if (nul == std::string_view::npos) {
            args.emplace_back(bytes);
            break;
        }
        args.emplace_back(bytes.substr(0, nul));
        bytes.remove_prefix(nul + 1);
    }
    return args;
}

struct ExecPayload {
    exec_record rec;
    std::string filename;
    std::vector<std::string> argv;
    std::optional<std::string> interpreter;
    ExecContext context;
};

// The working directory from its components, which the kernel side walked from the leaf up.
std::string path_from_leaf_up(std::string_view components) {
    std::vector<std::string_view> names;
    for (size_t start = 0; start < components.size();) {
        size_t end = components.find('\0', start);
        if (end == std::string_view::npos) end = components.size();
        names.push_back(components.substr(start, end - start));
        start = end + 1;
    }
    std::string path;
    for (auto name = names.rbegin(); name != names.rend(); ++name) path.append("/").append(*name);
    return path.empty() ? "/" : path;
}

ExecContext exec_context(const exec_record& rec, std::string_view cwd, std::string_view env) {
    ExecContext context;
    context.cwd = path_from_leaf_up(cwd);
    context.cwd_truncated = (rec.flags & EXEC_CWD_TRUNCATED) != 0;
    context.cwd_deleted = (rec.flags & EXEC_CWD_DELETED) != 0;
    context.euid = rec.euid;
    context.egid = rec.egid;
    if (rec.auid != UINT32_MAX) context.auid = rec.auid;
    context.sid = rec.sid;
    if (rec.tty != 0) context.tty = rec.tty;
    context.ns_pid = rec.ns_pid;
    context.pid_ns = rec.pid_ns;
    context.mnt_ns = rec.mnt_ns;
    bool lowered = (rec.flags & EXEC_SETID_LOWERED) != 0;
    context.raised_setuid = (rec.flags & EXEC_SETUID) != 0 && !lowered;
    context.raised_setgid = (rec.flags & EXEC_SETGID) != 0 && !lowered;
    context.lowered_setuid = (rec.flags & EXEC_SETUID) != 0 && lowered;
    context.lowered_setgid = (rec.flags & EXEC_SETGID) != 0 && lowered;
    context.raised_file_caps = (rec.flags & EXEC_FILE_CAPS) != 0;
    context.exe_memfd = (rec.flags & EXEC_MEMFD) != 0;
    context.exe_deleted = (rec.flags & EXEC_DELETED) != 0;
    context.exe_upper_layer = (rec.flags & EXEC_UPPER_LAYER) != 0;
    if (rec.env_len > 0 || (rec.flags & (EXEC_ENV_TRUNCATED | EXEC_ENV_UNREADABLE))) context.env = split_args(env);
    context.env_truncated = (rec.flags & EXEC_ENV_TRUNCATED) != 0;
    return context;
}

// A NUL-terminated string in `bytes`, without its NUL.
std::string_view c_string(std::string_view bytes) {
    return bytes.substr(0, bytes.find('\0'));
}

std::variant<ExecPayload, DecodeError> decode_exec_payload(std::span<const std::byte> record) {
    ExecPayload payload{};
    if (!read_struct(record, payload.rec)) return DecodeError{"exec record shorter than its header"};
    const auto& rec = payload.rec;
    if (!comm_is_terminated(rec.hdr)) return DecodeError{"exec record with a comm that does not end in a NUL"};
    std::span<const std::byte> data = record.subspan(sizeof(exec_record));
    // Each length within what is left, so that no sum can wrap.
    size_t left = data.size();
    for (uint32_t len : {rec.filename_len, rec.args_len, rec.interp_len, rec.cwd_len, rec.env_len}) {
        if (len > left) return DecodeError{"exec record lengths exceed the record size"};
        left -= len;
    }
    std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    payload.filename.assign(c_string(bytes.substr(0, rec.filename_len)));
    bytes.remove_prefix(rec.filename_len);
    payload.argv = split_args(bytes.substr(0, rec.args_len));
    bytes.remove_prefix(rec.args_len);
    if (rec.interp_len > 0) payload.interpreter.emplace(c_string(bytes.substr(0, rec.interp_len)));
    bytes.remove_prefix(rec.interp_len);
    payload.context = exec_context(rec, bytes.substr(0, rec.cwd_len), bytes.substr(rec.cwd_len, rec.env_len));
    return payload;
}

DecodeResult decode_exec(std::span<const std::byte> record) {
    auto decoded = decode_exec_payload(record);
    if (auto* err = std::get_if<DecodeError>(&decoded)) return *err;
    auto& payload = std::get<ExecPayload>(decoded);
    ExecEvent event;
    event.proc = process_info(payload.rec.hdr);
    event.old_pid = payload.rec.old_pid;
    event.filename = std::move(payload.filename);
    event.argv = std::move(payload.argv);
    event.argv_truncated = (payload.rec.flags & EXEC_ARGS_TRUNCATED) != 0;
    event.argv_unreadable = (payload.rec.flags & EXEC_ARGS_UNREADABLE) != 0;
    event.interpreter = std::move(payload.interpreter);
    event.context = std::move(payload.context);
    return Event{std::move(event)};
}

DecodeResult decode_exec_failed(std::span<const std::byte> record) {
    auto decoded = decode_exec_payload(record);
    if (auto* err = std::get_if<DecodeError>(&decoded)) return *err;
    auto& payload = std::get<ExecPayload>(decoded);
    // execve returns -1..-MAX_ERRNO on failure. Anything else is a broken record, and negating INT_MIN
    // would be undefined.
    if (payload.rec.error >= 0 || payload.rec.error < -kMaxErrno)
        return DecodeError{"failed exec record with error " + std::to_string(payload.rec.error)};
    ExecFailedEvent event;
    event.proc = process_info(payload.rec.hdr);
    event.error = -payload.rec.error;
    event.context = std::move(payload.context);
    event.filename = std::move(payload.filename);
    event.argv = std::move(payload.argv);
    event.argv_truncated = (payload.rec.flags & EXEC_ARGS_TRUNCATED) != 0;
    return Event{std::move(event)};
}

// getrusage splits the precise runtime in the ratio of the tick-sampled user and system times.
void scale_cpu_times(const exit_record& rec, ExitEvent& event) {
    uint64_t utime = rec.utime_ns, stime = rec.stime_ns, runtime = rec.runtime_ns;
    if (stime == 0) {
        event.cpu_user_ns = runtime;
        event.cpu_system_ns = 0;
    } else if (utime == 0) {
        event.cpu_user_ns = 0;
        event.cpu_system_ns = runtime;
    } else {
        // In 128 bits: the product needs them, and so does the sum (two huge values would wrap to 0).
        auto user = static_cast<uint128>(runtime) * utime / (static_cast<uint128>(utime) + stime);
        event.cpu_user_ns = static_cast<uint64_t>(user);
        event.cpu_system_ns = runtime - event.cpu_user_ns;
    }
}

DecodeResult decode_exit(std::span<const std::byte> record, uint64_t page_size) {
    exit_record rec{};
    if (!read_struct(record, rec)) return DecodeError{"exit record too short"};
    if (!comm_is_terminated(rec.hdr)) return DecodeError{"exit record with a comm that does not end in a NUL"};
    ExitEvent event;
    event.proc = process_info(rec.hdr);
    event.status.raw = rec.status;
    event.thread_only = (rec.flags & EXIT_THREAD_ONLY) != 0;
    event.unreported = (rec.flags & EXIT_UNREPORTED) != 0;
    if ((rec.flags & EXIT_EXEC_SEEN) && rec.hdr.time_ns >= rec.exec_time_ns)
        event.duration_ns = rec.hdr.time_ns - rec.exec_time_ns;
    uint64_t start_ns = rec.hdr.image.start_time_ns;
    event.age_ns = rec.hdr.time_ns >= start_ns ? rec.hdr.time_ns - start_ns : 0;
    scale_cpu_times(rec, event);
    event.max_rss_kb = rec.max_rss_pages * (page_size / 1024);
    event.minor_faults = rec.min_flt;
    event.major_faults = rec.maj_flt;
    event.voluntary_switches = rec.nvcsw;
    event.involuntary_switches = rec.nivcsw;
    return Event{std::move(event)};
}

DecodeResult decode_fork(std::span<const std::byte> record) {
    record_header hdr{};
    if (!read_struct(record, hdr)) return DecodeError{"fork record too short"};
    if (!comm_is_terminated(hdr)) return DecodeError{"fork record with a comm that does not end in a NUL"};
    return Event{ForkEvent{process_info(hdr)}};
}

DecodeResult decode_running(std::span<const std::byte> record) {
    record_header hdr{};
    if (!read_struct(record, hdr)) return DecodeError{"running-process record too short"};
    if (!comm_is_terminated(hdr)) return DecodeError{"running-process record with a comm that does not end in a NUL"};
    ExistingEvent event;
    event.proc = process_info(hdr);
    return Event{std::move(event)};
}

}  // namespace

const ProcessInfo& process_of(const Event& event) {
    return std::visit([](const auto& e) -> const ProcessInfo& { return e.proc; }, event);
}

DecodeResult decode(std::span<const std::byte> record, uint64_t page_size) {
    uint32_t type = 0;
    if (!read_struct(record, type)) return DecodeError{"record shorter than its type field"};
    switch (type) {
        case RECORD_EXEC:
            return decode_exec(record);
        case RECORD_EXIT:
            return decode_exit(record, page_size);
        case RECORD_EXEC_FAILED:
            return decode_exec_failed(record);
        case RECORD_FORK:
            return decode_fork(record);
        case RECORD_RUNNING:
            return decode_running(record);
        default:
            return DecodeError{"unknown record type " + std::to_string(type)};
    }
}

}  // namespace bootstrap
