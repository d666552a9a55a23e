// The -o FILE of a tracer started by root, which gives up root once attached: logrotate's create flow,
// --max-size in a directory only root can write and in a sticky one, and what another user can plant
// at the names the tracer reopens or rotates to. The test's own children are the ground truth.
#include "children.h"
#include "file_text.h"
#include "http_client.h"
#include "json_lines.h"
#include "metrics_samples.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bootstrap::testing {
namespace {

using namespace std::chrono_literals;

// A port of this test process's own: other tests with metrics may run at the same time.
uint16_t metrics_port() {
    return static_cast<uint16_t>(20000 + getpid() % 20000);
}

std::optional<Samples> scrape() {
    return scrape_port(metrics_port());
}

Samples scrape_until(const std::function<bool(const Samples&)>& done, std::chrono::milliseconds timeout = 10s) {
    return scrape_port_until(metrics_port(), done, timeout);
}

// The counters once the drain under way has updated them all.
Samples settled_samples() {
    std::this_thread::sleep_for(300ms);
    return scrape_until([](const Samples&) { return true; });
}

// The tracer answers /metrics once it is attached and has given up root.
bool wait_until_attached(TracerProcess& tracer) {
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && !tracer.wait(0ms)) {
        if (scrape()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// Runs a shell command as nobody, as another user of the host would.
int as_nobody(const std::string& command) {
    std::string line = "setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c '" + command + "'";
    return std::system(line.c_str());
}

// A directory of root's with the given mode (0755: only root writes it; 01777: sticky, like /tmp).
class RootDirectory {
public:
    explicit RootDirectory(mode_t mode) {
        char pattern[] = "/tmp/bootstrap-files-XXXXXX";
        if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp");
        path_ = pattern;
        chmod(path_.c_str(), mode);
    }
    ~RootDirectory() { std::filesystem::remove_all(path_); }
    RootDirectory(const RootDirectory&) = delete;
    RootDirectory& operator=(const RootDirectory&) = delete;
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The test's children: each execs /bin/true, so each has one exec and one exit record.
class Children {
public:
    // Returns the last child's pid.
    long run(int count) {
        long pid = -1;
        for (int i = 0; i < count; ++i) pids_.insert(pid = reap(spawn_exec("/bin/true", {"true"})).pid);
        return pid;
    }
    // Waits until the tracer has read at least the records of every child so far (other tests' children
    // are not among its --ppid).
    Samples wait_until_read(std::chrono::milliseconds timeout = 10s) const {
        double records = 2.0 * static_cast<double>(pids_.size());
        return scrape_until(
            [&](const Samples& s) {
                return s.count("bootstrap_records_read_total") && s.at("bootstrap_records_read_total") >= records;
            },
            timeout);
    }
    const std::set<long>& pids() const { return pids_; }

private:
    std::set<long> pids_;
};

// How many exec and exit lines each pid has in `text`.
void count_events(const std::string& text, std::map<long, int>& execs, std::map<long, int>& exits) {
    for (const auto& o : parse_json_lines(lines_of(text))) {
        long pid = o.value("pid", 0L);
        if (o["event"] == "exec") execs[pid]++;
        if (o["event"] == "exit") exits[pid]++;
    }
}

bool has_exec_of(const std::string& path, long pid) {
    std::map<long, int> execs, exits;
    count_events(read_file(path), execs, exits);
    return execs[pid] > 0;
}

// Whether the tracer writes to `path` now: a child's exec shows up there within a few seconds. A child
// is started every quarter second, since one read in the same drain as the signal goes to the old file.
bool writes_now_go_to(const std::string& path, Children& children) {
    std::vector<long> markers;
    for (int i = 0; i < 100; ++i) {
        if (i % 5 == 0) markers.push_back(children.run(1));
        for (long pid : markers)
            if (has_exec_of(path, pid)) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

double failures(const Samples& samples, const std::string& operation) {
    auto found = samples.find("bootstrap_output_file_failures_total{operation=\"" + operation + "\"}");
    return found == samples.end() ? -1 : found->second;
}

// logrotate's create mode, with compress, twice: move FILE to FILE.1, create an empty FILE (root's,
// 0600), SIGHUP, compress FILE.1 (removing it). The tracer, no longer root, must reopen the new FILE in
// a directory only root writes; it used to write on into FILE.1, whose compression then deleted it.
TEST(OutputFiles, LogrotateCreateFlowTwiceWithCompressionLosesNothing) {
    REQUIRE_BPF();
    RootDirectory dir(0755);
    std::string events = dir / "ev.json";
    TracerProcess tracer(
        {"-j", "-o", events, "--metrics", std::to_string(metrics_port()), "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(wait_until_attached(tracer)) << tracer.read_stderr(100ms);
    Children children;
    for (int cycle = 1; cycle <= 2; ++cycle) {
        children.run(20);
        children.wait_until_read();
        for (int n = cycle; n > 1; --n)
            ASSERT_EQ(rename((dir / ("ev.json." + std::to_string(n - 1) + ".gz")).c_str(),
                             (dir / ("ev.json." + std::to_string(n) + ".gz")).c_str()),
                      0);
        ASSERT_EQ(rename(events.c_str(), (dir / "ev.json.1").c_str()), 0);
        ASSERT_EQ(std::system(("install -m600 /dev/null " + events).c_str()), 0);
        tracer.send(SIGHUP);
        // Written to the new file: whatever was read before the signal has gone to the old one.
        ASSERT_TRUE(writes_now_go_to(events, children)) << "cycle " << cycle << ": " << tracer.read_stderr(100ms);
        ASSERT_EQ(std::system(("gzip " + (dir / "ev.json.1")).c_str()), 0);
    }
    children.run(20);
    Samples samples = children.wait_until_read();
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0);
    std::string err = tracer.read_stderr(100ms);
    EXPECT_EQ(err.find("cannot"), std::string::npos) << err;

    std::map<long, int> execs, exits;
    count_events(read_file(events), execs, exits);
    for (const char* rotated : {"ev.json.1.gz", "ev.json.2.gz"})
        count_events(command_output("gzip -dc " + (dir / rotated)), execs, exits);
    for (long pid : children.pids()) {
        EXPECT_EQ(execs[pid], 1) << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
    }
    EXPECT_EQ(samples["bootstrap_output_dropped_total"], 0);
    EXPECT_EQ(failures(samples, "reopen"), 0);
}

// --max-size in `dir`: FILE is rotated to FILE.1 .. FILE.3, each whole and within the size, and the
// newest children's events are all kept.
void expect_rotation_in(const RootDirectory& dir) {
    std::string events = dir / "ev.json";
    TracerProcess tracer({"-j", "-o", events, "--max-size", "4K", "--max-files", "3", "--metrics",
                          std::to_string(metrics_port()), "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(wait_until_attached(tracer)) << tracer.read_stderr(100ms);
    Children children;
    children.run(60);
    Samples samples = children.wait_until_read();
    Children last;
    last.run(3);
    last.wait_until_read();
    samples = settled_samples();
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0);
    std::string err = tracer.read_stderr(100ms);
    EXPECT_EQ(err.find("cannot"), std::string::npos) << err;

    EXPECT_GE(samples["bootstrap_output_rotations_total"], 5) << err;
    std::map<long, int> execs, exits;
    for (const std::string name : {"ev.json", "ev.json.1", "ev.json.2", "ev.json.3"}) {
        struct stat st {};
        ASSERT_EQ(lstat((dir / name).c_str(), &st), 0) << name;
        EXPECT_TRUE(S_ISREG(st.st_mode)) << name;
        EXPECT_EQ(st.st_mode & 07777, 0600u) << name;
        EXPECT_EQ(st.st_uid, 0u) << name << ": root's, as the directory";
        std::string text = read_file(dir / name);
        EXPECT_LE(text.size(), 4096u) << name;
        count_events(text, execs, exits);
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "ev.json.4"));
    for (long pid : children.pids()) EXPECT_LE(execs[pid] + exits[pid], 2) << "never twice: " << pid;
    for (long pid : last.pids()) {
        EXPECT_EQ(execs[pid], 1) << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
    }
}

// `sudo bootstrap -j -o /var/log/bootstrap/events.json --max-size 100M`, --help's example: it used to
// refuse to start, the dropped identity being unable to write the directory.
TEST(OutputFiles, MaxSizeRotatesInADirectoryOnlyRootWrites) {
    REQUIRE_BPF();
    RootDirectory dir(0755);
    expect_rotation_in(dir);
}

// In a sticky world-writable directory it used to start and never rotate: only a file's owner may
// rename it there, and root owns the file.
TEST(OutputFiles, MaxSizeRotatesInAStickyDirectory) {
    REQUIRE_BPF();
    RootDirectory dir(01777);
    expect_rotation_in(dir);
}

// What nobody plants at FILE in a sticky directory after logrotate moved it away, before the SIGHUP,
// is refused: said, counted, and the tracer writes on to the file it was writing.
void expect_planted_file_refused(const std::string& plant, const std::string& said) {
    RootDirectory dir(01777);
    std::string events = dir / "ev.json";
    TracerProcess tracer(
        {"-j", "-o", events, "--metrics", std::to_string(metrics_port()), "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(wait_until_attached(tracer)) << tracer.read_stderr(100ms);
    Children children;
    children.run(5);
    children.wait_until_read();
    ASSERT_EQ(rename(events.c_str(), (dir / "ev.json.1").c_str()), 0);
    ASSERT_EQ(as_nobody(plant + " " + events), 0);
    tracer.send(SIGHUP);
    std::string err;
    for (int i = 0; i < 40 && err.find('\n') == std::string::npos; ++i) err += tracer.read_stderr(50ms);
    EXPECT_EQ(err, "bootstrap: cannot reopen " + events + ": " + said + "; writing on to the file it was\n");
    children.run(5);
    children.wait_until_read(5s);
    Samples samples = settled_samples();
    EXPECT_EQ(failures(samples, "reopen"), 1);
    std::map<long, int> execs, exits;
    count_events(read_file(dir / "ev.json.1"), execs, exits);
    for (long pid : children.pids()) {
        EXPECT_EQ(execs[pid], 1) << "in the file it was writing: " << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
    }
    struct stat st {};
    ASSERT_EQ(lstat(events.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u) << "left as nobody put it";
    if (S_ISREG(st.st_mode)) {
        EXPECT_EQ(st.st_size, 0) << "nothing written to nobody's file";
    }

    // Then logrotate compresses the moved file away: what the tracer writes on goes nowhere, and is
    // counted as not written.
    ASSERT_EQ(unlink((dir / "ev.json.1").c_str()), 0);
    children.run(5);
    children.wait_until_read(5s);
    samples = settled_samples();
    EXPECT_EQ(samples["bootstrap_output_dropped_total"], 10) << "the last five children's records";
    err += tracer.read_stderr(100ms);
    EXPECT_NE(err.find("bootstrap: the file written as " + events + " was deleted"), std::string::npos) << err;

    auto stop = std::chrono::steady_clock::now();
    tracer.send(SIGTERM);
    auto status = tracer.wait(2s);
    ASSERT_TRUE(status) << "SIGTERM did not end it within 2 s";
    EXPECT_EQ(*status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stop, 2s);
}

// A FIFO: the tracer used to block in open(2) for a reader, deaf to SIGTERM.
TEST(OutputFiles, FifoPlantedAtTheFileIsRefusedAndStopStillWorks) {
    REQUIRE_BPF();
    expect_planted_file_refused("mkfifo -m 0666", "not a regular file: refused");
}

// A file of nobody's that anyone may read: it used to be opened and written, every command line with it.
TEST(OutputFiles, AnotherUsersFilePlantedAtTheFileIsRefused) {
    REQUIRE_BPF();
    expect_planted_file_refused("install -m 0666 /dev/null", "belongs to uid 65534: refused");
}

// A directory of nobody's at FILE.3, the oldest rotated name: rotation goes on (FILE.2 is the oldest
// kept instead), and every rename it cannot make is said and counted; the rename chain used to stop at
// the first such error, silently.
TEST(OutputFiles, DirectoryPlantedAtARotatedNameIsSaidAndCounted) {
    REQUIRE_BPF();
    RootDirectory dir(01777);
    std::string events = dir / "ev.json";
    ASSERT_EQ(as_nobody("mkdir " + events + ".3"), 0);
    TracerProcess tracer({"-j", "-o", events, "--max-size", "4K", "--max-files", "3", "--metrics",
                          std::to_string(metrics_port()), "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(wait_until_attached(tracer)) << tracer.read_stderr(100ms);
    Children children;
    children.run(60);
    children.wait_until_read();
    Children last;
    last.run(3);
    last.wait_until_read();
    Samples samples = settled_samples();
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(10s), 0);
    std::string err = tracer.read_stderr(100ms);

    double rotations = samples["bootstrap_output_rotations_total"];
    EXPECT_GE(rotations, 5) << err;
    // The first two rotations find nothing at FILE.2 to move; every later one fails to move it.
    EXPECT_EQ(failures(samples, "rename"), rotations - 2) << err;
    std::string said = "bootstrap: cannot rename " + events + ".2 to " + events + ".3: Is a directory; " + events +
                       ".2 is replaced instead\n";
    EXPECT_NE(err.find(said), std::string::npos) << err;
    EXPECT_TRUE(std::filesystem::is_directory(events + ".3")) << "left alone";
    std::map<long, int> execs, exits;
    for (const std::string name : {"ev.json", "ev.json.1", "ev.json.2"})
        count_events(read_file(dir / name), execs, exits);
    for (long pid : last.pids()) {
        EXPECT_EQ(execs[pid], 1) << pid;
        EXPECT_EQ(exits[pid], 1) << pid;
    }
}

std::string status_field(pid_t pid, const std::string& name) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(name + ":", 0) == 0) {
            size_t start = line.find_first_not_of(" \t", name.size() + 1);
            return start == std::string::npos ? "" : line.substr(start);
        }
    return "";
}

// The tracer's children named bootstrap-files: its file keeper.
std::vector<pid_t> keepers_of(pid_t tracer) {
    std::vector<pid_t> keepers;
    std::ifstream children("/proc/" + std::to_string(tracer) + "/task/" + std::to_string(tracer) + "/children");
    for (pid_t child; children >> child;) {
        std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
        std::string name;
        if (std::getline(comm, name) && name == "bootstrap-files") keepers.push_back(child);
    }
    return keepers;
}

// What reopens and rotates as root keeps nothing else: uid 0 with CAP_DAC_OVERRIDE alone, no_new_privs,
// undumpable, holding /dev/null, its socket and the directory; nobody can signal it, and it ends with the
// tracer, even one killed with SIGKILL.
TEST(OutputFiles, TheFileKeeperHoldsOnlyWhatItNeeds) {
    REQUIRE_BPF();
    RootDirectory dir(0755);
    std::string events = dir / "ev.json";
    auto tracer = std::make_unique<TracerProcess>(std::vector<std::string>{"-j", "-o", events, "--max-size", "4K",
                                                                           "--metrics", std::to_string(metrics_port()),
                                                                           "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(wait_until_attached(*tracer)) << tracer->read_stderr(100ms);
    std::vector<pid_t> keepers = keepers_of(tracer->pid());
    ASSERT_EQ(keepers.size(), 1u);
    pid_t keeper = keepers[0];
    EXPECT_EQ(status_field(keeper, "Uid"), "0\t0\t0\t0");
    EXPECT_EQ(status_field(keeper, "Groups"), "");
    for (const char* set : {"CapEff", "CapPrm", "CapBnd"})
        EXPECT_EQ(status_field(keeper, set), "0000000000000002") << set << ": CAP_DAC_OVERRIDE alone";
    EXPECT_EQ(status_field(keeper, "CapInh"), "0000000000000000");
    EXPECT_EQ(status_field(keeper, "CapAmb"), "0000000000000000");
    EXPECT_EQ(status_field(keeper, "NoNewPrivs"), "1");
    std::multiset<std::string> held;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(keeper) + "/fd")) {
        std::string target = std::filesystem::read_symlink(fd.path());
        held.insert(target.rfind("socket:", 0) == 0 ? "socket" : target);
    }
    EXPECT_EQ(held, (std::multiset<std::string>{"/dev/null", "/dev/null", "/dev/null", "socket", dir.path()}));
    std::string pid = std::to_string(keeper);
    for (const std::string& attempt : {"kill -TERM " + pid, "kill -STOP " + pid})
        EXPECT_NE(as_nobody(attempt + " 2>/dev/null"), 0) << attempt;
    EXPECT_EQ(status_field(keeper, "State").find('T'), std::string::npos) << "not stopped";

    tracer.reset();  // SIGKILL
    bool ended = false;
    for (int i = 0; i < 40 && !ended; ++i) {
        std::this_thread::sleep_for(50ms);
        ended = kill(keeper, 0) != 0;
    }
    EXPECT_TRUE(ended) << "the keeper outlived its tracer";
}

}  // namespace
}  // namespace bootstrap::testing
