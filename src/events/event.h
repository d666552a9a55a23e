// The decoded form of the kernel's records: value types that own their data, so nothing points into the
// ring buffer once the callback returns.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bootstrap {

// One program image of one process, as the kernel identifies it: the pid, the process's fork time and
// the kernel's count of execs (a fork keeps its parent's count, each exec adds one). Unlike a pid it is
// never reused; output shows it as an exec_id (events/exec_id.h).
struct ImageKey {
    uint32_t pid = 0;
    uint64_t start_time_ns = 0;  // CLOCK_MONOTONIC
    uint64_t exec_seq = 0;

    bool operator==(const ImageKey&) const = default;
    // The process, whatever it runs: pid and fork time.
    bool same_process(const ImageKey& other) const { return pid == other.pid && start_time_ns == other.start_time_ns; }
};

// Fields every record carries.
struct ProcessInfo {
    uint64_t time_ns = 0;  // CLOCK_MONOTONIC
    uint32_t pid = 0;      // thread-group id
    uint32_t tid = 0;
    uint32_t ppid = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t cgroup_id = 0;
    std::string comm;                      // raw bytes as the kernel had them, up to 15
    ImageKey image;                        // the image it runs (for an exit, its last)
    std::optional<ImageKey> parent_image;  // its parent's image that forked it; none when ppid is 0
};

// One process of an exec's ancestry (--ancestors), from the process table.
struct Ancestor {
    ImageKey image;  // its pid, fork time and the image it runs (or ran, when it has exited)
    std::string comm;
    std::string filename;  // its last exec's, when known; empty for a process whose exec was never seen
};

// Where and with what rights an exec ran, captured by the kernel side at the exec (docs/json.md).
struct ExecContext {
    std::string cwd;  // absolute; "/" for the root
    bool cwd_truncated = false;
    bool cwd_deleted = false;  // the directory had been removed
    uint32_t euid = 0;
    uint32_t egid = 0;
    std::optional<uint32_t> auid;  // none when no login set it
    uint32_t sid = 0;
    std::optional<uint32_t> tty;  // the controlling terminal's device number (major << 20 | minor)
    uint32_t ns_pid = 0;          // the pid in the process's own pid namespace
    uint32_t pid_ns = 0;
    uint32_t mnt_ns = 0;
    // What the exec raised or lowered, and the kind of file the program came from (exec only). A set-id
    // bit run by root lowers: root had every privilege already.
    bool raised_setuid = false;
    bool raised_setgid = false;
    bool raised_file_caps = false;
    bool lowered_setuid = false;
    bool lowered_setgid = false;
    bool exe_memfd = false;
    bool exe_deleted = false;
    bool exe_upper_layer = false;
    // --env: the environment after exec (exec only), as the kernel had it: redaction is the output's.
    std::optional<std::vector<std::string>> env;
    bool env_truncated = false;
    // Resolved in user space from the cgroup id: the cgroup v2 path, and the container it belongs to.
    std::optional<std::string> cgroup;
    std::optional<std::string> container_id;

    bool raised_privileges() const { return raised_setuid || raised_setgid || raised_file_caps; }
    bool lowered_privileges() const { return lowered_setuid || lowered_setgid; }
};

struct ExecEvent {
    ProcessInfo proc;
    ExecContext context;
    uint32_t old_pid = 0;
    std::string filename;           // raw bytes
    std::vector<std::string> argv;  // raw bytes, one entry per argument, empty ones kept
    bool argv_truncated = false;
    bool argv_unreadable = false;
    // A script's interpreter, from its #! line (the kernel runs it with the script as an argument).
    std::optional<std::string> interpreter;
    // --ancestors: the parent first, then its parent, up to pid 1 or the first one unknown.
    std::optional<std::vector<Ancestor>> ancestors;
};

// execve/execveat that returned an error (-x).
struct ExecFailedEvent {
    ProcessInfo proc;
    ExecContext context;  // of the caller: nothing raised, no program
    int error = 0;        // positive errno
    std::string filename;
    std::vector<std::string> argv;
    bool argv_truncated = false;
};

// How a process ended, decoded from the wait(2) status.
struct ExitStatus {
    uint32_t raw = 0;
    bool signaled() const { return (raw & 0x7f) != 0; }
    int exit_code() const { return static_cast<int>((raw >> 8) & 0xff); }
    int signal() const { return static_cast<int>(raw & 0x7f); }
    bool core_dumped() const { return signaled() && (raw & 0x80) != 0; }
};

// The command an exec ran, as an exit of its image carries it (events/exec_pairing.h): a capped copy of
// the exec record's filename and arguments.
struct ExecCommand {
    std::string filename;
    std::vector<std::string> argv;
    bool argv_truncated = false;  // by the kernel, or by the copy's caps
};

struct ExitEvent {
    ProcessInfo proc;
    ExitStatus status;
    bool thread_only = false;             // --threads: one thread ended, not the process
    bool unreported = false;              // left out by the filters: only the process table sees it
    std::optional<uint64_t> duration_ns;  // since exec, when the exec was seen
    // The command of the image that exited, when its exec record was read and a sink asked for it.
    std::optional<ExecCommand> exec;
    uint64_t age_ns = 0;       // since fork
    uint64_t cpu_user_ns = 0;  // scaled to the precise runtime, as getrusage does
    uint64_t cpu_system_ns = 0;
    uint64_t max_rss_kb = 0;
    uint64_t minor_faults = 0;
    uint64_t major_faults = 0;
    uint64_t voluntary_switches = 0;
    uint64_t involuntary_switches = 0;
};

// A new process (--ancestors): its pid, parent and image; it runs its parent's program until it execs.
struct ForkEvent {
    ProcessInfo proc;
};

// A process already running when tracing started (--existing): the kernel's identity of it, and its
// program and arguments as /proc shows them (filled in after decoding).
struct ExistingEvent {
    ProcessInfo proc;
    std::string filename;  // its executable's path; empty for the kernel's own threads
    std::vector<std::string> argv;
    bool argv_truncated = false;
};

using Event = std::variant<ExecEvent, ExitEvent, ExecFailedEvent, ForkEvent, ExistingEvent>;

// One cgroup's records that the kernel dropped, in one spell, to keep its flood from taking the ring from
// the others (bpf/throttle.h). The cgroup is the one counted: at the tracer's cgroup level.
struct ThrottledSpell {
    uint64_t cgroup_id = 0;             // 0: cgroups the kernel had no slot left to count apart
    std::optional<std::string> cgroup;  // its path under the cgroup2 mount, when it can be found
    std::optional<std::string> container_id;
    uint64_t dropped_execs = 0;  // execs and failed execs
    uint64_t dropped_exits = 0;
    uint64_t since_ns = 0;  // CLOCK_MONOTONIC: the first record dropped, and the last
    uint64_t until_ns = 0;
};

// Records of one cgroup that the full ring could not take.
struct CgroupLoss {
    uint64_t cgroup_id = 0;
    std::optional<std::string> cgroup;
    uint64_t count = 0;
};

const ProcessInfo& process_of(const Event& event);

// Why a record could not be decoded. Records come from our own programs, so this means a bug or an ABI
// mismatch, but the decoder still never reads past the bytes it was given.
struct DecodeError {
    std::string reason;
};

using DecodeResult = std::variant<Event, DecodeError>;

// page_size converts the kernel's peak-RSS page count to KiB.
DecodeResult decode(std::span<const std::byte> record, uint64_t page_size = 4096);

}  // namespace bootstrap
