// The only interface to the kernel side. The Tracer owns the BPF object, its links and the ring buffer;
// constructing one opens, configures, loads and attaches the programs, destroying it detaches everything.
#pragma once

#include <linux/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

extern "C" {
#include "events.h"
}

namespace bootstrap {

// Two ways to load the same programs. The light skeleton hands the kernel a loader program that creates
// the maps and loads the programs, with CO-RE resolved by the kernel: no kernel BTF is read into this
// process, which makes start-up several times faster and the peak memory a fraction. It needs Linux 5.17
// and cannot resize map values, so libbpf's skeleton loads argv caps above the default and any kernel
// where the loader program fails.
enum class Loader { light, libbpf };

// What the kernel side is asked to do, resolved: every policy has been applied by the caller (see
// src/cli/plan.cpp), so each field maps to one setting of the programs or their maps.
struct TracerConfig {
    // The capture limits this layer enforces; the options take their ranges and defaults from here.
    static constexpr uint32_t kDefaultArgsBytes = BOOTSTRAP_ARGS_DEFAULT;
    static constexpr uint32_t kMaxArgsBytes = BOOTSTRAP_ARGS_CEILING;
    static constexpr uint32_t kDefaultRingBytes = 1u << 20;
    static constexpr uint32_t kMinRingBytes = 1u << 16;  // a power of two, like every ring size
    static constexpr uint32_t kMaxRingBytes = 1u << 30;
    // The largest exec record must fit the ring a few times over (bpf/events.h, BOOTSTRAP_RING_BYTES_MIN).
    static constexpr uint64_t min_ring_bytes(uint32_t max_args_bytes, bool env) {
        return BOOTSTRAP_RING_BYTES_MIN(max_args_bytes, env);
    }

    bool verbose = false;      // libbpf's log, or the light loader's verifier log, on stderr
    bool libbpf_only = false;  // never the light skeleton (the tests run both loaders)
    // Per-process state in the hash map of kernels before 5.13, even where task storage serves (the tests
    // run that way too); with libbpf's skeleton only.
    bool state_in_hash_map = false;
    bool report_execs = true;
    bool report_exits = true;
    // With exec records reported, the programs keep no exec times: the reader pairs each exit with its exec
    // record for its lifetime (events/exec_pairing.h). Without them (-d, exits only) the kernel keeps them.
    bool exits_paired_in_user_space() const { return report_execs && report_exits; }
    bool failed_execs = false;  // report execve/execveat errors (a probe on every system call's exit)
    bool thread_exits = false;
    bool report_forks = false;  // a ForkEvent for every new process (the process table's ancestry)
    // Every exit of a process a record named, those the filters leave out flagged `unreported`: the
    // process table forgets each process it holds.
    bool exits_of_known = false;
    bool list_running = false;     // load the task iterator for list_running()
    bool capture_env = false;      // exec records carry the environment
    uint64_t min_duration_ns = 0;  // drop exits of processes younger than this (since exec, else fork)
    uint32_t max_args_bytes = kDefaultArgsBytes;
    uint32_t ring_bytes = kDefaultRingBytes;
    // Isolation (bpf/throttle.h): under pressure, a cgroup that writes more than a quarter of the ring per
    // second is throttled until the pressure ends. cgroup_rate: at most that many records per second per
    // cgroup (0: no limit). Cgroups are counted at cgroup_level of the cgroup v2 tree (1 is the root's
    // children), or at their own level when above it.
    bool isolation = true;
    uint32_t cgroup_rate = 0;
    static constexpr uint32_t kDefaultCgroupLevel = 2;
    uint32_t cgroup_level = kDefaultCgroupLevel;

    // Filters, all applied in the kernel; an event must pass each one that is set.
    bool trace_tree = false;  // only processes added with trace_process() and their descendants
    std::optional<uint32_t> ppid;
    std::optional<uint32_t> uid;
    std::optional<std::string> comm;        // exact match on the (at most 15-byte) command name
    int cgroup_fd = -1;                     // an open cgroup v2 directory: it and its descendants
    std::optional<uint32_t> pid_namespace;  // only processes living in this pid namespace (its inode)
};

// What the programs counted of one cgroup (bpf/events.h, struct cgroup_load): records throttled and lost,
// in total since load, and the current spell of throttling. cgroup_id 0: cgroups that found no slot.
struct CgroupCounts {
    size_t slot = 0;  // where the programs keep it
    uint64_t cgroup_id = 0;
    uint64_t dropped_execs = 0;
    uint64_t dropped_exits = 0;
    uint64_t lost = 0;
    uint64_t spell_start_ns = 0;  // CLOCK_MONOTONIC
    uint64_t last_drop_ns = 0;
};

// Throws Error when this process cannot load BPF programs or the kernel lacks BTF.
void check_can_trace();

// The inode number of this process's pid namespace, or 0 when it is the host's (or /proc cannot tell).
// In another namespace the programs trace only its processes, and every pid is as it numbers them: a
// pid from fork(), /proc or the user means the same process to the kernel side.
uint32_t own_pid_namespace();

class Tracer {
public:
    // Called for each record, with bytes that are valid only during the call. May throw: the exception
    // stops the drain and is rethrown from consume().
    using RecordHandler = std::function<void(std::span<const std::byte>)>;

    // Throws Error (with a hint) when the programs cannot be loaded or attached.
    Tracer(const TracerConfig& config, RecordHandler handler);
    ~Tracer();
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    // Readable when the kernel has woken the reader. Records can also wait without a wake-up: the kernel
    // wakes the reader at once after a quiet spell, then at most every BOOTSTRAP_WAKEUP_INTERVAL_NS (20 ms)
    // while records keep coming, or when a batch waits. While records_may_be_held(), also call consume()
    // on a short timer.
    int wakeup_fd() const;

    // True when the last consume() began less than the kernel's wake-up interval after its last wake-up:
    // records since then may have come without one. Once a consume() begins after that window, the next
    // record wakes the reader at once.
    bool records_may_be_held() const;

    // Tells the programs that the reader drains on its own timer until `monotonic_ns` (CLOCK_MONOTONIC)
    // without listening to wakeup_fd(), so they raise no wake-up before then; 0 when it listens again.
    void drain_on_timer_until(uint64_t monotonic_ns);

    // How full the ring buffer is now, from 0 to 1: what the kernel has written and we have not read.
    double ring_fill() const;

    // Hands every waiting record to the handler; returns how many. With `enough`, asked after each
    // record, it stops as soon as that returns true, leaving the rest in the ring for the next call.
    size_t consume(const std::function<bool()>& enough = {});

    // Which skeleton loaded the programs.
    Loader loader() const;

    // Records the kernel could not deliver (ring buffer full) since load.
    uint64_t lost_events() const;
    // Processes forked under -p / command mode that could not be followed (the pid map was full).
    uint64_t untracked_forks() const;
    // Records dropped to keep a flood in one cgroup from taking the ring, since load.
    uint64_t throttled_records() const;
    // Every cgroup with records throttled or lost, read through a memory mapping (no system call).
    std::vector<CgroupCounts> cgroup_counts() const;
    // Its drops up to counts.last_drop_ns have been reported: the next report's since is after them.
    void mark_reported(const CgroupCounts& counts);

    // Hands `handler` one RECORD_RUNNING record per process running now, from the kernel's task list.
    // Needs list_running in the config. Throws Error.
    void list_running(const RecordHandler& handler);

    // With trace_tree: reports `pid` and, from now on, every process it forks. Throws Error.
    void trace_process(uint32_t pid);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace bootstrap
