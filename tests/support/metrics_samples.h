// The tracer's /metrics as a test reads it: each sample by its series (name and labels), scraped again until
// a condition holds, since the tracer copies its totals in once per drain.
#pragma once

#include "http_client.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace bootstrap::testing {

using Samples = std::map<std::string, double>;

inline Samples parse_exposition(const std::string& text) {
    Samples samples;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        size_t space = line.rfind(' ');
        if (space == std::string::npos) continue;
        samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
    }
    return samples;
}

inline std::optional<Samples> scrape_port(uint16_t port) {
    auto response = http_get(port, "/metrics");
    if (!response || response->status != 200) return std::nullopt;
    return parse_exposition(response->body);
}

// Scrapes until `done` holds for the samples, or the timeout; returns the last samples read.
inline Samples scrape_port_until(uint16_t port, const std::function<bool(const Samples&)>& done,
                                 std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Samples last;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto samples = scrape_port(port)) {
            last = std::move(*samples);
            if (done(last)) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return last;
}

}  // namespace bootstrap::testing
