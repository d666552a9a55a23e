// bootstrap as a host service: Prometheus metrics scraped by Debian's prometheus server, counters that
// agree with the event output and with what the test's own children did, rotated NDJSON with nothing
// lost or doubled, SIGHUP reopening, a full disk survived and counted, and a metrics endpoint that abuse
// cannot turn against event delivery.
#include "children.h"
#include "http_client.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bootstrap::testing {
namespace {

using namespace std::chrono_literals;

// The port of packaging/prometheus.yml, which the Prometheus test uses as it is.
constexpr uint16_t kMetricsPort = 9469;
constexpr uint16_t kPrometheusPort = 19090;

// The sample lines of an exposition: "name{labels}" -> value.
using Samples = std::map<std::string, double>;

Samples parse_exposition(const std::string& text) {
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

std::optional<Samples> scrape(uint16_t port = kMetricsPort) {
    auto response = http_get(port, "/metrics");
    if (!response || response->status != 200) return std::nullopt;
    return parse_exposition(response->body);
}

// The sum over every series of `name`, and how many series it has.
double sum_of(const Samples& samples, const std::string& name) {
    double total = 0;
    for (const auto& [key, value] : samples)
        if (key == name || key.rfind(name + "{", 0) == 0) total += value;
    return total;
}
size_t series_of(const Samples& samples, const std::string& name) {
    size_t count = 0;
    for (const auto& [key, value] : samples)
        if (key.rfind(name + "{", 0) == 0) ++count;
    return count;
}

// The tracer answers /metrics only once it is attached and has dropped its privileges.
std::optional<Samples> wait_for_metrics(TracerProcess& tracer, std::chrono::milliseconds timeout = 15s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && !tracer.wait(0ms)) {
        if (auto samples = scrape()) return samples;
        std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
}

// Scrapes until `done` holds for the samples (the tracer drains on its own timer), or the timeout.
Samples scrape_until(const std::function<bool(const Samples&)>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Samples last;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto samples = scrape()) {
            last = std::move(*samples);
            if (done(last)) break;
        }
        std::this_thread::sleep_for(50ms);
    }
    return last;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A directory for the tracer's files that the identity it drops to can write (0777, not sticky).
class ServiceDirectory {
public:
    ServiceDirectory() {
        char pattern[] = "/tmp/bootstrap-service-XXXXXX";
        if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp");
        path_ = pattern;
        chmod(path_.c_str(), 0777);
    }
    ~ServiceDirectory() {
        umount2(path_.c_str(), MNT_DETACH);
        std::filesystem::remove_all(path_);
    }
    ServiceDirectory(const ServiceDirectory&) = delete;
    ServiceDirectory& operator=(const ServiceDirectory&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string own_pid() {
    return std::to_string(getpid());
}

TEST(Metrics, PrometheusScrapesTheTestsOwnExecs) {
    REQUIRE_BPF();
    ASSERT_EQ(access("/usr/bin/prometheus", X_OK), 0) << "Debian's prometheus package (scripts/install-deps.sh test)";
    TracerProcess tracer({"--metrics", "127.0.0.1:9469", "--metrics-only", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);

    constexpr int kExecs = 7;
    for (int i = 0; i < kExecs; ++i) ASSERT_EQ(WEXITSTATUS(reap(spawn_exec("/bin/true", {"true"})).status), 0);

    ServiceDirectory storage;
    pid_t prometheus = spawn([&] {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        std::string config = std::string("--config.file=") + BOOTSTRAP_SOURCE_DIR + "/packaging/prometheus.yml";
        std::string tsdb = "--storage.tsdb.path=" + storage.path();
        std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(kPrometheusPort);
        execl("/usr/bin/prometheus", "prometheus", config.c_str(), tsdb.c_str(), listen.c_str(), nullptr);
        return 127;
    });
    // Its first scrape comes within one 15 s interval of its start.
    std::string found;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto response = http_get(kPrometheusPort, "/api/v1/query?query=sum(bootstrap_execs_total)");
        if (response && response->status == 200) {
            auto answer = nlohmann::json::parse(response->body, nullptr, false);
            if (!answer.is_discarded() && !answer["data"]["result"].empty()) {
                found = answer["data"]["result"][0]["value"][1].get<std::string>();
                break;
            }
        }
        std::this_thread::sleep_for(500ms);
    }
    auto up = http_get(kPrometheusPort, "/api/v1/query?query=up{job=\"bootstrap\"}");
    kill(prometheus, SIGTERM);
    int status = 0;
    waitpid(prometheus, &status, 0);
    // The server is a child of the test too: its own exec is the last one counted.
    EXPECT_EQ(found, std::to_string(kExecs + 1)) << "the test's own execs, as Prometheus stored them";
    ASSERT_TRUE(up);
    EXPECT_NE(up->body.find("\"value\":["), std::string::npos) << up->body;
    EXPECT_NE(up->body.find(",\"1\"]"), std::string::npos) << up->body;
}

TEST(Metrics, ExpositionPassesPromtool) {
    REQUIRE_BPF();
    ASSERT_EQ(access("/usr/bin/promtool", X_OK), 0) << "Debian's prometheus package (scripts/install-deps.sh test)";
    TracerProcess tracer({"--metrics", "9469", "--metrics-only", "-x", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);
    // Something in every family: execs, a failed exec, exits of each outcome.
    reap(spawn_exec("/bin/true", {"true"}));
    reap(spawn_exec("/nonexistent/program", {"x"}));
    reap(spawn([] { return 3; }));
    reap(spawn([] {
        raise(SIGKILL);
        return 0;
    }));
    scrape_until([](const Samples& s) { return sum_of(s, "bootstrap_exits_total") >= 4; });
    auto response = http_get(kMetricsPort, "/metrics");
    ASSERT_TRUE(response);
    TempFile exposition("bootstrap-exposition");
    std::ofstream(exposition.path()) << response->body;
    std::string out = command_output("promtool check metrics < " + exposition.path() + " 2>&1; echo status=$?");
    EXPECT_NE(out.find("status=0"), std::string::npos) << out;
}

TEST(Metrics, CountersAgreeWithTheEventOutputAndWait4) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    std::string events = dir / "events.json";
    TracerProcess tracer({"-j", "-x", "-o", events, "--metrics", "9469", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);

    std::map<std::string, int> outcomes;  // from wait4
    std::map<int, int> signals;
    auto note = [&](const Reaped& child) {
        if (WIFSIGNALED(child.status)) {
            outcomes[WCOREDUMP(child.status) ? "core_dumped" : "signaled"]++;
            signals[WTERMSIG(child.status)]++;
        } else {
            outcomes[WEXITSTATUS(child.status) == 0 ? "success" : "failure"]++;
        }
    };
    for (int i = 0; i < 5; ++i) note(reap(spawn_exec("/bin/true", {"true"})));
    for (int i = 0; i < 3; ++i) note(reap(spawn_exec("/bin/false", {"false"})));
    for (int i = 0; i < 2; ++i) note(reap(spawn_exec("/bin/sh", {"sh", "-c", "kill -TERM $$"})));
    note(reap(spawn([] { return 42; })));
    for (int i = 0; i < 2; ++i) reap(spawn_exec("/nonexistent/program", {"x"}));
    int processes = 5 + 3 + 2 + 1 + 2;

    Samples samples = scrape_until([&](const Samples& s) { return sum_of(s, "bootstrap_exits_total") >= processes; });
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0);

    auto objects = parse_json_lines(lines_of(read_file(events)));
    int exec_lines = 0, exit_lines = 0, failed_lines = 0;
    for (const auto& o : objects) {
        std::string event = o.value("event", "");
        exec_lines += event == "exec";
        exit_lines += event == "exit";
        failed_lines += event == "exec_failed";
    }
    EXPECT_EQ(exec_lines, 10);  // true, false and sh: the forked-only child and the failures exec nothing
    EXPECT_EQ(sum_of(samples, "bootstrap_execs_total"), exec_lines);
    EXPECT_EQ(sum_of(samples, "bootstrap_exits_total"), exit_lines);
    EXPECT_EQ(sum_of(samples, "bootstrap_exec_failures_total{error=\"ENOENT\"}"), failed_lines);
    EXPECT_EQ(failed_lines, 2);
    // The processes whose failed exec left them to exit 127 count among the failures, as wait4 would.
    outcomes["failure"] += 2;
    for (const char* outcome : {"success", "failure", "signaled", "core_dumped"})
        EXPECT_EQ(samples["bootstrap_exits_total{outcome=\"" + std::string(outcome) + "\"}"], outcomes[outcome])
            << outcome;
    EXPECT_EQ(samples["bootstrap_exit_signals_total{signal=\"SIGTERM\"}"], signals[SIGTERM]);
    EXPECT_EQ(samples["bootstrap_process_lifetime_seconds_count"], exit_lines);
    EXPECT_EQ(samples["bootstrap_events_lost_total"], 0);
    EXPECT_EQ(samples["bootstrap_build_info{version=\"" BOOTSTRAP_VERSION "\"}"], 1);
    EXPECT_GT(samples["process_cpu_seconds_total"], 0);
}

TEST(Metrics, CommandNamesBeyondTheLimitFoldIntoOther) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    constexpr int kNames = 300;
    for (int i = 0; i < kNames; ++i) ASSERT_EQ(symlink("/bin/true", (dir / ("name" + std::to_string(i))).c_str()), 0);
    TracerProcess tracer({"--metrics", "9469", "--metrics-only", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);
    for (int round = 0; round < 2; ++round)
        for (int i = 0; i < kNames; ++i) {
            std::string name = "name" + std::to_string(i);
            reap(spawn_exec(dir / name, {name}));
        }
    Samples samples = scrape_until([](const Samples& s) { return sum_of(s, "bootstrap_execs_total") >= 2 * kNames; });
    EXPECT_EQ(sum_of(samples, "bootstrap_execs_total"), 2 * kNames) << "every exec is counted somewhere";
    EXPECT_EQ(series_of(samples, "bootstrap_execs_total"), 100u + 1) << "100 names of their own, and other";
    EXPECT_GE(samples["bootstrap_execs_total{comm=\"other\"}"], kNames);
}

// Every exec of the test's children in exactly one of the files, each file within its size.
TEST(Rotation, EveryRecordInExactlyOneFileAcrossRotationsAndAReopen) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    std::string events = dir / "events.json";
    constexpr uint64_t kMaxSize = 64 * 1024;
    TracerProcess tracer(
        {"-j", "-o", events, "--max-size", "64K", "--max-files", "1000", "--metrics", "9469", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);

    std::set<long> before, after;
    for (int i = 0; i < 2000; ++i) before.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    scrape_until([](const Samples& s) { return sum_of(s, "bootstrap_records_read_total") >= 4000; });
    // As logrotate's create mode does: move the file away, then SIGHUP.
    ASSERT_EQ(rename(events.c_str(), (dir / "moved.json").c_str()), 0);
    tracer.send(SIGHUP);
    // Records read before the signal is handled still go to the moved file, as they should: the children
    // below start once the tracer has created the new one.
    for (int i = 0; i < 200 && access(events.c_str(), F_OK) != 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(access(events.c_str(), F_OK), 0) << "SIGHUP reopened " << events;
    for (int i = 0; i < 100; ++i) after.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    scrape_until([](const Samples& s) { return sum_of(s, "bootstrap_records_read_total") >= 4200; });
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0) << tracer.read_stderr(100ms);

    std::map<long, int> execs, exits;
    std::map<long, std::string> file_of_exec;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        std::string text = read_file(entry.path());
        EXPECT_LE(text.size(), kMaxSize) << entry.path();
        if (!text.empty()) {
            EXPECT_EQ(text.back(), '\n') << entry.path();
        }
        for (const auto& o : parse_json_lines(lines_of(text))) {
            long pid = o.value("pid", 0L);
            if (o["event"] == "exec") {
                execs[pid]++;
                file_of_exec[pid] = entry.path().filename();
            }
            if (o["event"] == "exit") exits[pid]++;
        }
    }
    for (long pid : before) {
        EXPECT_EQ(execs[pid], 1) << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
    }
    for (long pid : after) {
        EXPECT_EQ(execs[pid], 1) << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
        EXPECT_NE(file_of_exec[pid], "moved.json") << "written after the reopen";
    }
    EXPECT_GT(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 30);
}

TEST(Rotation, FullDiskIsSurvivedCountedAndWrittenAgainOnceSpaceReturns) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    ASSERT_EQ(mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=256k,mode=0777"), 0) << strerror(errno);
    std::string filler = dir / "filler";
    {
        std::ofstream out(filler);
        out << std::string(128 * 1024, 'f');
    }
    std::string events = dir / "events.json";
    TracerProcess tracer({"-j", "-o", events, "--max-size", "1M", "--metrics", "9469", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);

    std::set<long> children;
    std::string err;
    for (int i = 0; i < 2000 && err.find("No space left on device") == std::string::npos; ++i) {
        children.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
        if (i % 10 == 0) err += tracer.read_stderr(20ms);
    }
    ASSERT_NE(err.find("bootstrap: cannot write to " + events + ": No space left on device"), std::string::npos) << err;
    for (int i = 0; i < 20; ++i) children.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(tracer.wait(0ms)) << "the tracer goes on";

    unlink(filler.c_str());  // space returns
    std::set<long> markers;
    for (int i = 0; i < 5; ++i) markers.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    size_t records = 2 * (children.size() + markers.size());
    Samples samples = scrape_until(
        [&](const Samples& s) { return sum_of(s, "bootstrap_records_read_total") >= static_cast<double>(records); });
    err += tracer.read_stderr(200ms);
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0) << err;

    auto objects = parse_json_lines(lines_of(read_file(events)));  // whole lines only: every one parses
    std::map<long, int> lines;
    for (const auto& o : objects) lines[o.value("pid", 0L)]++;
    for (long pid : markers) EXPECT_EQ(lines[pid], 2) << "written once there was space again: " << pid;
    double dropped = samples["bootstrap_output_dropped_total"];
    EXPECT_GT(dropped, 0);
    EXPECT_EQ(static_cast<double>(objects.size()) + dropped, static_cast<double>(records))
        << "every record is in the file or counted as dropped";
    EXPECT_GE(samples["bootstrap_output_write_errors_total"], 1);
    EXPECT_NE(err.find("bootstrap: writing to " + events + " again; "), std::string::npos) << err;
}

// What no scraper may do: stall event delivery or grow the tracer's memory without bound.
TEST(Metrics, EndpointAbuseNeitherDelaysEventsNorGrowsMemory) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    std::string events = dir / "events.json";
    TracerProcess tracer({"-j", "-o", events, "--metrics", "9469", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);
    auto resident_kb = [&tracer] {
        std::ifstream status("/proc/" + std::to_string(tracer.pid()) + "/status");
        for (std::string line; std::getline(status, line);)
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return 0L;
    };
    long resident_before = resident_kb();

    std::atomic<bool> storm_done = false;
    std::atomic<int> scrapes_ok = 0;
    std::vector<std::thread> abusers;
    // Clients that send half a request and wait, one that asks and never reads, one with a huge header.
    std::vector<int> held;
    for (int i = 0; i < 8; ++i) {
        int fd = connect_local(kMetricsPort);
        if (fd >= 0 && write(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n", 32) == 32) held.push_back(fd);
    }
    int never_reads = connect_local(kMetricsPort);
    int tiny = 1;
    setsockopt(never_reads, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    ASSERT_GT(write(never_reads, "GET /metrics HTTP/1.0\r\n\r\n", 25), 0);
    abusers.emplace_back([] {
        int fd = connect_local(kMetricsPort);
        std::string header = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(1 << 20, 'a');
        size_t sent = 0;
        while (sent < header.size()) {
            ssize_t n = write(fd, header.data() + sent, header.size() - sent);
            if (n <= 0) break;  // refused and closed: as it should
            sent += static_cast<size_t>(n);
        }
        close(fd);
    });
    for (int i = 0; i < 100; ++i)
        abusers.emplace_back([&] {
            if (auto response = http_get(kMetricsPort, "/metrics", 30s); response && response->status == 200)
                ++scrapes_ok;
        });

    std::set<long> children;
    for (int i = 0; i < 1000; ++i) children.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
    storm_done = true;
    for (auto& t : abusers) t.join();
    Samples samples = scrape_until([&](const Samples& s) {
        return sum_of(s, "bootstrap_records_read_total") >= 2.0 * static_cast<double>(children.size());
    });
    long resident_after = resident_kb();
    for (int fd : held) close(fd);
    close(never_reads);
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0);

    EXPECT_EQ(scrapes_ok, 100) << "every concurrent scrape answered";
    EXPECT_EQ(samples["bootstrap_events_lost_total"], 0);
    std::map<long, int> lines;
    for (const auto& o : parse_json_lines(lines_of(read_file(events)))) lines[o.value("pid", 0L)]++;
    for (long pid : children) EXPECT_EQ(lines[pid], 2) << pid;
    EXPECT_LT(resident_after - resident_before, 16 * 1024) << "KiB of resident memory gained under abuse";
}

}  // namespace
}  // namespace bootstrap::testing
