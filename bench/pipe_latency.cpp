// Delivery latency probe: the consumer at the other end of a pipe from `bootstrap -j`. For each exec
// object of a process named NAME it writes, once the line is read, how long after the kernel's timestamp
// of the exec (the object's "time", CLOCK_REALTIME with nanoseconds) the line became readable here:
//
//   NAME STATUS_ARG LATENCY_US
//
// one line per exec to OUT, written at once. STATUS_ARG is the exec's first argument (the storm child's
// exit status), which tells the bench's phases apart. The tracer's times are the kernel's CLOCK_MONOTONIC
// plus the wall clock's offset measured at each drain, so they compare with this process's
// CLOCK_REALTIME to a few microseconds. Reads until end of file (the tracer has exited).
//
// Usage: pipe_latency OUT NAME <PIPE
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

namespace {

int64_t realtime_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// "2026-12-02T06:17:31.688755906Z" to nanoseconds since the epoch; -1 if it is not that shape.
int64_t parse_time(std::string_view text) {
    std::tm tm{};
    unsigned long nanos = 0;
    std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%9luZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &nanos) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return int64_t{timegm(&tm)} * 1'000'000'000 + static_cast<int64_t>(nanos);
}

// The string value after `key` (which ends with the opening quote), up to the next quote.
std::string_view string_after(std::string_view line, std::string_view key, size_t from = 0) {
    size_t at = line.find(key, from);
    if (at == std::string_view::npos) return {};
    at += key.size();
    size_t end = line.find('"', at);
    return end == std::string_view::npos ? std::string_view{} : line.substr(at, end - at);
}

// The second element of "argv":["path","STATUS"], or "" when there is none.
std::string_view first_argument(std::string_view line) {
    size_t at = line.find("\"argv\":[\"");
    if (at == std::string_view::npos) return {};
    size_t path_end = line.find('"', at + 9);
    if (path_end == std::string_view::npos || line.substr(path_end, 3) != "\",\"") return {};
    return string_after(line, "\",\"", path_end);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: pipe_latency OUT NAME <PIPE\n");
        return 2;
    }
    FILE* out = std::fopen(argv[1], "w");
    if (!out) {
        std::perror(argv[1]);
        return 1;
    }
    const std::string comm_key = std::string("\"comm\":\"") + argv[2] + "\"";
    std::string pending;
    char chunk[1 << 16];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        const int64_t now = realtime_now_ns();  // the lines of this read became readable by now
        pending.append(chunk, static_cast<size_t>(n));
        size_t start = 0;
        for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
            std::string_view line(pending.data() + start, end - start);
            if (line.find("\"event\":\"exec\"") == std::string_view::npos ||
                line.find(comm_key) == std::string_view::npos)
                continue;
            int64_t time = parse_time(string_after(line, "\"time\":\""));
            if (time < 0) continue;
            std::string status(first_argument(line));
            std::fprintf(out, "%s %s %lld\n", argv[2], status.empty() ? "-" : status.c_str(),
                         static_cast<long long>((now - time) / 1000));
        }
        pending.erase(0, start);
        std::fflush(out);
    }
    return std::fclose(out) == 0 ? 0 : 1;
}
