#include "trace_session.h"

#include "util/error.h"

#include <poll.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace bootstrap::testing {

std::optional<std::string> bpf_unavailable_reason() {
    try {
        check_can_trace();
    } catch (const Error& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

bool runtime_tests_required() {
    const char* value = std::getenv("BOOTSTRAP_REQUIRE_RUNTIME");
    return value && std::string(value) == "1";
}

bool libbpf_loader_requested() {
    const char* value = std::getenv("BOOTSTRAP_TEST_LIBBPF");
    return value && std::string(value) == "1";
}

bool hash_map_state_requested() {
    const char* value = std::getenv("BOOTSTRAP_TEST_HASH_STATE");
    return value && std::string(value) == "1";
}

bool kernel_runs_light_loader() {
    utsname name{};
    int major = 0, minor = 0;
    if (uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 5 || (major == 5 && minor >= 17);
}

TraceSession::TraceSession(TracerConfig config) {
    if (libbpf_loader_requested()) config.libbpf_only = true;
    if (hash_map_state_requested()) config.state_in_hash_map = true;
    const auto page_size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    // As the tracer's session does: exits get their duration from their exec record.
    bool pair = config.exits_paired_in_user_space();
    tracer_ = std::make_unique<Tracer>(config, [this, page_size, pair](std::span<const std::byte> record) {
        DecodeResult decoded = decode(record, page_size);
        if (auto* event = std::get_if<Event>(&decoded)) {
            if (pair) exec_pairing_.pair(*event);
            events_.push_back(std::move(*event));
        } else
            ++decode_errors_;
    });
}

bool TraceSession::drain_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        tracer_->consume();
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        pollfd fd{tracer_->wakeup_fd(), POLLIN, 0};
        poll(&fd, 1, 20);
    }
}

void TraceSession::drain_for(std::chrono::milliseconds period) {
    drain_until([] { return false; }, period);
}

std::vector<const Event*> TraceSession::events_of(pid_t pid) const {
    std::vector<const Event*> found;
    for (const Event& e : events_)
        if (process_of(e).pid == static_cast<uint32_t>(pid)) found.push_back(&e);
    return found;
}

}  // namespace bootstrap::testing
