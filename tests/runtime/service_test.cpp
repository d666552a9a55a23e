// bootstrap as a host service: Prometheus metrics scraped by Debian's prometheus server, counters that
// agree with the event output and with what the test's own children did, rotated NDJSON with nothing
// lost or doubled, SIGHUP reopening, a full disk survived and counted, and a metrics endpoint that abuse
// cannot turn against event delivery.
#include "children.h"
#include "file_text.h"
#include "http_client.h"
#include "json_lines.h"
#include "metrics_samples.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
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
std::optional<Samples> scrape(uint16_t port = kMetricsPort) {
    return scrape_port(port);
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
    return scrape_port_until(kMetricsPort, done, timeout);
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

// 100 names that each ran twice right after the start take every series; a program that runs more often
// afterwards must still get one, from the idlest of them, and the number of series must not grow.
TEST(Metrics, ABusyNameDisplacesAnIdleOneWhenEverySeriesIsTaken) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    constexpr int kNames = 100;
    for (int i = 0; i < kNames; ++i) ASSERT_EQ(symlink("/bin/true", (dir / ("name" + std::to_string(i))).c_str()), 0);
    ASSERT_EQ(symlink("/bin/true", (dir / "busyprogram").c_str()), 0);
    TracerProcess tracer({"--metrics", "9469", "--metrics-only", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);
    for (int round = 0; round < 2; ++round)
        for (int i = 0; i < kNames; ++i) {
            std::string name = "name" + std::to_string(i);
            ASSERT_EQ(WEXITSTATUS(reap(spawn_exec(dir / name, {name})).status), 0);
        }
    constexpr int kRuns = 6;
    int busy_execs = 0;
    for (int i = 0; i < kRuns; ++i)
        busy_execs += WEXITSTATUS(reap(spawn_exec(dir / "busyprogram", {"busyprogram"})).status) == 0;
    ASSERT_EQ(busy_execs, kRuns);
    int records = 2 * (2 * kNames + kRuns);  // an exec and an exit each
    Samples samples =
        scrape_until([&](const Samples& s) { return sum_of(s, "bootstrap_records_read_total") >= records; });
    ASSERT_EQ(samples["bootstrap_records_read_total"], records) << "the test's children only";

    EXPECT_EQ(series_of(samples, "bootstrap_execs_total"), 100u + 1) << "100 names of their own, and other";
    int names_left = 0;
    for (int i = 0; i < kNames; ++i)
        names_left += samples.count("bootstrap_execs_total{comm=\"name" + std::to_string(i) + "\"}") > 0;
    EXPECT_EQ(names_left, kNames - 1) << "one idle name gave up its series";
    // Its first two execs count as other, as do the names' first ones: two execs are no more than the
    // idlest name's two. The third makes it busier, and from there on it counts under its own name.
    auto busy = samples.find("bootstrap_execs_total{comm=\"busyprogram\"}");
    ASSERT_NE(busy, samples.end()) << "a series of its own";
    EXPECT_EQ(busy->second, busy_execs - 2);
    EXPECT_EQ(samples["bootstrap_execs_total{comm=\"other\"}"], kNames + 2);
}

// Slow clients as a slowloris attack makes them: a request line, then a header line a second, never the
// blank line that ends the head; dropped, each connects again at once. Notes how long the server let
// each connection live.
class SlowClients {
public:
    SlowClients(uint16_t port, int count) {
        for (int i = 0; i < count; ++i) threads_.emplace_back([this, port] { run(port); });
    }
    ~SlowClients() { stop(); }
    SlowClients(const SlowClients&) = delete;
    SlowClients& operator=(const SlowClients&) = delete;

    void stop() {
        stopping_ = true;
        for (auto& thread : threads_)
            if (thread.joinable()) thread.join();
    }
    // Seconds from connect to the server's close, for each connection the server dropped.
    std::vector<double> dropped_after() {
        std::lock_guard lock(mutex_);
        return dropped_after_;
    }

private:
    void run(uint16_t port) {
        while (!stopping_) {
            int fd = connect_local(port);
            if (fd < 0) {
                std::this_thread::sleep_for(100ms);
                continue;
            }
            auto start = std::chrono::steady_clock::now();
            if (trickle(fd)) {
                std::chrono::duration<double> held = std::chrono::steady_clock::now() - start;
                std::lock_guard lock(mutex_);
                dropped_after_.push_back(held.count());
            }
            close(fd);
        }
    }

    // Sends a line a second until the server closes the connection (true) or stop() (false).
    bool trickle(int fd) {
        std::string line = "GET /metrics HTTP/1.1\r\n";
        for (int n = 0; !stopping_; ++n) {
            if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) < 0) return true;
            line = "X-Slow-" + std::to_string(n) + ": 1\r\n";
            auto next = std::chrono::steady_clock::now() + 1s;
            while (!stopping_ && std::chrono::steady_clock::now() < next) {
                pollfd p{fd, POLLIN, 0};
                if (poll(&p, 1, 50) <= 0) continue;
                char discard[4096];
                if (recv(fd, discard, sizeof discard, 0) <= 0) return true;  // an error response, then the close
            }
        }
        return false;
    }

    std::atomic<bool> stopping_ = false;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::vector<double> dropped_after_;
};

// Prometheus gives up on a scrape after 10 s by default: slow clients must not hold every server thread
// that long, and the tracer goes on tracing meanwhile.
TEST(Metrics, SlowClientsLoseTheirThreadAndScrapesAreAnsweredWhileTracing) {
    REQUIRE_BPF();
    ServiceDirectory dir;
    std::string events = dir / "events.json";
    TracerProcess tracer({"-j", "-o", events, "--metrics", "9469", "--ppid", own_pid()});
    ASSERT_TRUE(wait_for_metrics(tracer)) << tracer.read_stderr(100ms);

    SlowClients slow(kMetricsPort, 16);
    std::this_thread::sleep_for(1500ms);  // each has a connection and has sent a line or two
    std::vector<double> scrape_seconds;
    std::set<long> children;
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 5; ++j) children.insert(reap(spawn_exec("/bin/true", {"true"})).pid);
        auto start = std::chrono::steady_clock::now();
        auto response = http_get(kMetricsPort, "/metrics", 15s);
        scrape_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        EXPECT_TRUE(response && response->status == 200) << "scrape " << i;
    }
    std::this_thread::sleep_for(3s);  // long enough for the server to drop every slow client at least once
    slow.stop();
    std::vector<double> dropped_after = slow.dropped_after();
    Samples samples = scrape_until([&](const Samples& s) {
        return sum_of(s, "bootstrap_records_read_total") >= 2.0 * static_cast<double>(children.size());
    });
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0) << tracer.read_stderr(100ms);

    std::sort(dropped_after.begin(), dropped_after.end());
    std::printf(
        "scrapes answered after %.2f, %.2f, %.2f, %.2f s; %zu slow connections dropped after %.2f s "
        "(median) to %.2f s\n",
        scrape_seconds[0], scrape_seconds[1], scrape_seconds[2], scrape_seconds[3], dropped_after.size(),
        dropped_after.empty() ? 0.0 : dropped_after[dropped_after.size() / 2],
        dropped_after.empty() ? 0.0 : dropped_after.back());
    for (size_t i = 0; i < scrape_seconds.size(); ++i)
        EXPECT_LT(scrape_seconds[i], 5.0) << "seconds until scrape " << i << " was answered, beside 16 slow clients";
    ASSERT_GE(dropped_after.size(), 16u) << "the server drops slow clients";
    EXPECT_LT(dropped_after[dropped_after.size() / 2], 4.0) << "median seconds a slow client held a connection";
    EXPECT_LT(dropped_after.back(), 8.0) << "longest a slow client held a connection, in seconds";
    std::map<long, int> lines;
    for (const auto& o : parse_json_lines(lines_of(read_file(events)))) lines[o.value("pid", 0L)]++;
    for (long pid : children) EXPECT_EQ(lines[pid], 2) << pid;
    EXPECT_EQ(samples["bootstrap_events_lost_total"], 0);
}

// A process of another user (nobody) that listens on a port before the tracer starts.
class PortSquatter {
public:
    explicit PortSquatter(uint16_t port) {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        pid_ = spawn([&] {
            close(ready[0]);
            if (setgid(65534) != 0 || setuid(65534) != 0) return 125;
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            int reuse = 1;  // past connections to the port may linger in TIME_WAIT
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_port = htons(port);
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || listen(fd, 16) != 0)
                return 126;
            if (write(ready[1], "x", 1) != 1) return 127;
            pause();
            return 0;
        });
        close(ready[1]);
        char byte = 0;
        listening_ = read(ready[0], &byte, 1) == 1;
        close(ready[0]);
    }
    ~PortSquatter() { release(); }
    PortSquatter(const PortSquatter&) = delete;
    PortSquatter& operator=(const PortSquatter&) = delete;

    bool listening() const { return listening_; }
    void release() {
        if (pid_ < 0) return;
        kill(pid_, SIGKILL);
        reap(pid_);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    bool listening_ = false;
};

// The pid column of the text output's lines, by event: "EXEC" -> pids.
std::map<std::string, std::set<long>> pids_by_event(const std::vector<std::string>& lines) {
    std::map<std::string, std::set<long>> found;
    std::regex columns(R"(^\d\d:\d\d:\d\d (\S+) +.{16} (\d+) +(\d+) +(.*)$)");
    for (const auto& line : lines) {
        std::smatch m;
        if (std::regex_match(line, m, columns)) found[m[1]].insert(std::stol(m[2]));
    }
    return found;
}

// Anyone may listen on a port of 1024 or above first. That must not stop the tracing: the tracer traces,
// says who holds the port, and listens there itself once it is free.
TEST(Metrics, APortTakenByAnotherUserDelaysOnlyTheEndpoint) {
    REQUIRE_BPF();
    constexpr uint16_t kTakenPort = 9479;
    PortSquatter squatter(kTakenPort);
    ASSERT_TRUE(squatter.listening());
    TracerProcess tracer({"--metrics", "127.0.0.1:9479", "--ppid", own_pid()});
    ASSERT_TRUE(tracer.read_line(15s)) << "the header, once attached; " << tracer.read_stderr(100ms);

    pid_t child = reap(spawn_exec("/bin/true", {"true"})).pid;
    std::vector<std::string> lines;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pids_by_event(lines)["EXIT"].contains(child) && std::chrono::steady_clock::now() < deadline)
        if (auto line = tracer.read_line(1s)) lines.push_back(*line);
    auto traced = pids_by_event(lines);
    EXPECT_TRUE(traced["EXEC"].contains(child)) << "traced while the port is taken";
    EXPECT_TRUE(traced["EXIT"].contains(child)) << "traced while the port is taken";
    std::string err = tracer.read_stderr(100ms);
    EXPECT_NE(err.find("127.0.0.1:9479 is taken by another process"), std::string::npos) << err;
    EXPECT_NE(err.find("trying again every"), std::string::npos) << err;

    squatter.release();
    std::optional<Samples> samples;
    deadline = std::chrono::steady_clock::now() + 20s;
    while (!samples && std::chrono::steady_clock::now() < deadline && !tracer.wait(0ms)) {
        samples = scrape(kTakenPort);
        if (!samples) std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(samples) << "served once the port is free; " << tracer.read_stderr(100ms);
    EXPECT_GE(sum_of(*samples, "bootstrap_execs_total"), 1) << "counted before the endpoint was up";
    EXPECT_NE(tracer.read_stderr(100ms).find("serving metrics on 127.0.0.1:9479"), std::string::npos);
    tracer.send(SIGINT);
    EXPECT_EQ(tracer.wait(10s), 0);
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
            // Without MSG_NOSIGNAL the server's close would end this test with SIGPIPE.
            ssize_t n = send(fd, header.data() + sent, header.size() - sent, MSG_NOSIGNAL);
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
