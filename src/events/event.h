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

// Fields every record carries.
struct ProcessInfo {
    uint64_t time_ns = 0;  // CLOCK_MONOTONIC
    uint32_t pid = 0;      // thread-group id
    uint32_t tid = 0;
    uint32_t ppid = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t cgroup_id = 0;
    std::string comm;  // raw bytes as the kernel had them, up to 15
};

struct ExecEvent {
    ProcessInfo proc;
    uint32_t old_pid = 0;
    std::string filename;           // raw bytes
    std::vector<std::string> argv;  // raw bytes, one entry per argument, empty ones kept
    bool argv_truncated = false;
    bool argv_unreadable = false;
};

// execve/execveat that returned an error (-x).
struct ExecFailedEvent {
    ProcessInfo proc;
    int error = 0;  // positive errno
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

struct ExitEvent {
    ProcessInfo proc;
    ExitStatus status;
    bool thread_only = false;             // --threads: one thread ended, not the process
    std::optional<uint64_t> duration_ns;  // since exec, when the exec was seen
    uint64_t age_ns = 0;                  // since fork
    uint64_t cpu_user_ns = 0;             // scaled to the precise runtime, as getrusage does
    uint64_t cpu_system_ns = 0;
    uint64_t max_rss_kb = 0;
    uint64_t minor_faults = 0;
    uint64_t major_faults = 0;
    uint64_t voluntary_switches = 0;
    uint64_t involuntary_switches = 0;
};

using Event = std::variant<ExecEvent, ExitEvent, ExecFailedEvent>;

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
