// The summary and the timeline of a traced command, checked against the processes the script started.
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <unistd.h>

#include <fstream>
#include <map>

namespace bootstrap::testing {
namespace {

// Four processes: the shell, a 300 ms sleep, an exit 3 and a SIGKILL; the shell exits 0.
const std::string kScript = "sleep 0.3; sh -c 'exit 3'; sh -c 'kill -9 $$'; exit 0";

struct Traced {
    int status = -1;
    std::vector<nlohmann::json> events;  // everything but the summary
    nlohmann::json summary;
};

Traced trace_script(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"-j"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& a : {"--", "sh", "-c"}) args.push_back(a);
    args.push_back(kScript);
    TracerProcess tracer(args);
    auto lines = tracer.read_remaining_lines(20s);
    Traced traced;
    traced.status = tracer.wait(5s).value_or(-1);
    std::vector<std::string> json;
    for (const auto& l : lines)
        if (!l.empty() && l[0] == '{') json.push_back(l);
    for (auto& o : parse_json_lines(json)) {
        if (o["event"] == "summary")
            traced.summary = o;
        else
            traced.events.push_back(o);
    }
    return traced;
}

TEST(Summary, CountsWhatTheCommandDid) {
    REQUIRE_BPF();
    auto traced = trace_script({});
    ASSERT_EQ(traced.status, 0);
    ASSERT_TRUE(traced.summary.is_object()) << "command mode prints a summary by default";
    const auto& s = traced.summary;
    EXPECT_EQ(s["processes"], 4);
    EXPECT_EQ(s["execs"], 4);
    EXPECT_EQ(s["exits"], 4);
    EXPECT_EQ(s["exits_by_code"], nlohmann::json({{"0", 2}, {"3", 1}}));
    EXPECT_EQ(s["exits_by_signal"]["SIGKILL"]["count"], 1);
    EXPECT_EQ(s["lost"], 0);
    // The shell outlives everything it started; the 300 ms sleep comes next.
    ASSERT_GE(s["longest_lived"].size(), 2u);
    EXPECT_EQ(s["longest_lived"][0]["argv"], nlohmann::json({"sh", "-c", kScript}));
    EXPECT_EQ(s["longest_lived"][1]["comm"], "sleep");
    EXPECT_GE(s["longest_lived"][1]["lifetime_ns"].get<uint64_t>(), 300'000'000u);
}

TEST(Summary, TextTableWithTheOption) {
    REQUIRE_BPF();
    TracerProcess tracer({"-s", "--", "sh", "-c", kScript});
    auto lines = tracer.read_remaining_lines(20s);
    EXPECT_EQ(tracer.wait(5s), 0);
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    EXPECT_NE(all.find("SUMMARY"), std::string::npos) << all;
    EXPECT_NE(all.find("SIGKILL"), std::string::npos);
}

TEST(Timeline, OneSlicePerProcessLaidOutByParentage) {
    REQUIRE_BPF();
    TempFile trace_file("bootstrap-trace");
    const std::string& path = trace_file.path();
    auto traced = trace_script({"--trace", path});
    ASSERT_EQ(traced.status, 0);

    int strict = std::system(
        (std::string("python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' ") + path)
            .c_str());
    EXPECT_EQ(strict, 0) << "python3's json rejected the trace file";
    std::ifstream file(path);
    auto trace = nlohmann::json::parse(file, nullptr, false);
    ASSERT_TRUE(trace.is_object());

    // The processes, from the event stream: pid -> (ppid, exit record).
    std::map<long, nlohmann::json> exits;
    for (const auto& e : traced.events)
        if (e["event"] == "exit") exits[e["pid"].get<long>()] = e;
    ASSERT_EQ(exits.size(), 4u);

    std::map<long, nlohmann::json> slices;
    std::map<long, long> sort_index;
    for (const auto& t : trace["traceEvents"]) {
        if (t["ph"] == "X") slices[t["args"]["pid"].get<long>()] = t;
        if (t["ph"] == "M" && t["name"] == "process_sort_index")
            sort_index[t["pid"].get<long>()] = t["args"]["sort_index"].get<long>();
    }
    ASSERT_EQ(slices.size(), exits.size()) << "one slice per process";
    for (const auto& [pid, exit] : exits) {
        ASSERT_TRUE(slices.count(pid)) << pid;
        const auto& args = slices[pid]["args"];
        EXPECT_EQ(args["exit_code"], exit["exit_code"]);
        EXPECT_EQ(args["signal"], exit["signal"]);
        EXPECT_EQ(args["max_rss_kb"], exit["max_rss_kb"]);
        EXPECT_EQ(args["cpu_user_ns"], exit["cpu_user_ns"]);
        long ppid = exit["ppid"].get<long>();
        if (exits.count(ppid)) {
            EXPECT_LT(sort_index[ppid], sort_index[pid]) << "a parent sits above its children";
            double parent_start = slices[ppid]["ts"].get<double>(), start = slices[pid]["ts"].get<double>();
            EXPECT_LE(parent_start, start);
        }
        if (exit["comm"] == "sleep") {
            EXPECT_GE(slices[pid]["dur"].get<double>(), 300'000.0) << "microseconds";
        }
    }
}

}  // namespace
}  // namespace bootstrap::testing
