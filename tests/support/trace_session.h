// A loaded Tracer for one runtime test: collects every decoded event so the test can pick its own pids.
#pragma once

#include "events/event.h"
#include "events/exec_pairing.h"
#include "proc/proc_scan.h"
#include "tracer/tracer.h"

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace bootstrap::testing {

using namespace std::chrono_literals;

// Skips the test when this process cannot load BPF programs, with the reason; with
// BOOTSTRAP_REQUIRE_RUNTIME=1 in the environment (CI) that is a failure instead.
#define REQUIRE_BPF()                                                                    \
    do {                                                                                 \
        if (auto reason = ::bootstrap::testing::bpf_unavailable_reason()) {              \
            if (::bootstrap::testing::runtime_tests_required())                          \
                FAIL() << "runtime tests are required here but cannot run: " << *reason; \
            GTEST_SKIP() << "needs BPF: " << *reason;                                    \
        }                                                                                \
    } while (0)

std::optional<std::string> bpf_unavailable_reason();
bool runtime_tests_required();
// BOOTSTRAP_TEST_LIBBPF=1 makes every TraceSession load through libbpf's skeleton instead of the light
// one, so that ctest runs the capture tests on both loaders.
bool libbpf_loader_requested();
// BOOTSTRAP_TEST_HASH_STATE=1: libbpf's skeleton with the per-process state of kernels before 5.13.
bool hash_map_state_requested();
// The light skeleton's loader needs in-kernel CO-RE: Linux 5.17.
bool kernel_runs_light_loader();

class TraceSession {
public:
    // Loads with `config`, through libbpf's skeleton when libbpf_loader_requested().
    explicit TraceSession(TracerConfig config = {});

    // Reads records until `done()` holds or `timeout` passes; returns done().
    bool drain_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s);
    // Reads whatever arrives during `period`.
    void drain_for(std::chrono::milliseconds period);

    std::vector<const Event*> events_of(pid_t pid) const;

    template <typename T>
    std::vector<const T*> of(pid_t pid) const {
        std::vector<const T*> found;
        for (const Event* e : events_of(pid))
            if (auto* typed = std::get_if<T>(e)) found.push_back(typed);
        return found;
    }

    // Waits for the first event of type T from `pid`; nullptr after the timeout.
    template <typename T>
    const T* wait_for(pid_t pid, std::chrono::milliseconds timeout = 5s) {
        drain_until([&] { return !of<T>(pid).empty(); }, timeout);
        auto found = of<T>(pid);
        return found.empty() ? nullptr : found.front();
    }

    const std::vector<Event>& events() const { return events_; }
    Tracer& tracer() { return *tracer_; }
    uint64_t lost() const { return tracer_->lost_events(); }
    size_t decode_errors() const { return decode_errors_; }

private:
    std::vector<Event> events_;
    ExecPairing exec_pairing_{false, [](uint32_t pid) { return process_exists(static_cast<pid_t>(pid)); }};
    size_t decode_errors_ = 0;
    std::unique_ptr<Tracer> tracer_;
};

}  // namespace bootstrap::testing
