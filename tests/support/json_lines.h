// Reading the tracer's NDJSON output in tests: every line must parse on its own.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bootstrap::testing {

inline std::vector<nlohmann::json> parse_json_lines(const std::vector<std::string>& lines) {
    std::vector<nlohmann::json> objects;
    for (const auto& line : lines) {
        auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
        if (!parsed.is_discarded()) objects.push_back(std::move(parsed));
    }
    return objects;
}

// The objects of one event type for one pid.
inline std::vector<nlohmann::json> select(const std::vector<nlohmann::json>& objects, const std::string& event,
                                          long pid) {
    std::vector<nlohmann::json> found;
    for (const auto& o : objects)
        if (o.value("event", "") == event && o.contains("pid") && o["pid"].get<long>() == pid) found.push_back(o);
    return found;
}

}  // namespace bootstrap::testing
