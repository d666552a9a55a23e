// Faults and hostile input: least privilege, nothing left attached, several tracers, full disks, and
// processes whose names and arguments try to break the output.
#include "children.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sstream>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>

namespace bootstrap::testing {
namespace {

const std::string kHeaderStart = "TIME     EVENT";

std::string status_field(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
    return "";
}

uint64_t hex_field(pid_t pid, const std::string& field) {
    return std::stoull(status_field(pid, field), nullptr, 16);
}

// Ids of BPF objects of one kind ("prog", "map", "link") that exist right now.
std::set<long> bpf_object_ids(const std::string& kind) {
    std::set<long> ids;
    auto parsed = nlohmann::json::parse(command_output("bpftool -j " + kind + " show 2>/dev/null"), nullptr, false);
    if (parsed.is_array())
        for (const auto& object : parsed) ids.insert(object["id"].get<long>());
    return ids;
}

// The uid the tracer runs as, once it is the same in all four places; -1 otherwise.
long single_uid(pid_t pid) {
    std::istringstream values(status_field(pid, "Uid"));
    long real = -1, other = -1;
    values >> real;
    while (values >> other)
        if (other != real) return -1;
    return real;
}

TEST(Privileges, CapabilitiesAndRootAreDroppedOnceAttached) {
    REQUIRE_BPF();
    // Started by root, with or without sudo, it becomes an identity no user and no process has.
    for (const std::string sudo_uid : {"", "4321"}) {
        TracerProcess tracer({}, true, {{"SUDO_UID", sudo_uid}, {"SUDO_GID", sudo_uid}});
        ASSERT_TRUE(tracer.read_line(10s));
        EXPECT_EQ(hex_field(tracer.pid(), "CapEff"), 0u);
        EXPECT_EQ(hex_field(tracer.pid(), "CapPrm"), 0u);
        long uid = single_uid(tracer.pid());
        EXPECT_GT(uid, 0);
        EXPECT_NE(uid, 65534) << "not nobody, whose processes could signal it";
        EXPECT_NE(std::to_string(uid), sudo_uid);
        EXPECT_EQ(getpwuid(static_cast<uid_t>(uid)), nullptr) << "no user has it";
        EXPECT_EQ(status_field(tracer.pid(), "Groups").find_first_of("0123456789"), std::string::npos) << "no groups";
        EXPECT_NE(status_field(tracer.pid(), "NoNewPrivs").find('1'), std::string::npos);
        // Still works without them: it reports a child and stops cleanly.
        pid_t child = reap(spawn([] { return 0; })).pid;
        bool seen = false;
        while (auto line = tracer.read_line(3s))
            if (line->find(" " + std::to_string(child) + " ") != std::string::npos) {
                seen = true;
                break;
            }
        EXPECT_TRUE(seen);
        tracer.send(SIGTERM);
        EXPECT_EQ(tracer.wait(3s), 0);
    }
}

TEST(Privileges, CommandModeRunsAsTheCommandsUserAndTheCommandGetsNothing) {
    REQUIRE_BPF();
    // The command reports its own capabilities; the tracer's are read while the command runs.
    TempFile report_file("bootstrap-caps", 0666);  // the command, as nobody, writes it
    TracerProcess tracer({"-j", "-o", "/dev/null", "--", "sh", "-c",
                          "grep CapEff /proc/self/status > " + report_file.path() + "; sleep 1"},
                         true, {{"SUDO_UID", "65534"}, {"SUDO_GID", "65534"}});
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(hex_field(tracer.pid(), "CapEff"), uint64_t{1} << CAP_KILL) << "only what passing signals on needs";
    long uid = single_uid(tracer.pid());
    EXPECT_GT(uid, 0);
    EXPECT_NE(uid, 65534) << "not the command's user: the command cannot signal it";
    EXPECT_EQ(tracer.wait(10s), 0);
    std::ifstream report(report_file.path());
    std::string line;
    std::getline(report, line);
    EXPECT_EQ(line, "CapEff:\t0000000000000000") << "the command does not inherit the tracer's capabilities";
}

TEST(Privileges, SigtermToTheTracerReachesACommandOfAnotherUser) {
    REQUIRE_BPF();
    TracerProcess tracer({"-o", "/dev/null", "--", "sleep", "10"}, true,
                         {{"SUDO_UID", "65534"}, {"SUDO_GID", "65534"}});
    std::this_thread::sleep_for(1s);
    tracer.send(SIGTERM);
    EXPECT_EQ(tracer.wait(3s), 128 + SIGTERM) << "the command got SIGTERM and its status came back";
}

void expect_nothing_left_after(int signal) {
    auto progs_before = bpf_object_ids("prog"), maps_before = bpf_object_ids("map"),
         links_before = bpf_object_ids("link");
    {
        TracerProcess tracer({"-x"});
        ASSERT_TRUE(tracer.read_line(10s));
        size_t loaded = 0;
        for (long id : bpf_object_ids("prog")) loaded += progs_before.count(id) == 0;
        EXPECT_GE(loaded, 3u) << "the tracer's programs are loaded";
        tracer.send(signal);
        tracer.wait(5s);
    }
    // Everything is held by descriptors: the kernel frees it when the process is gone (give RCU a moment).
    std::set<long> progs, maps, links;
    for (int i = 0; i < 50; ++i) {
        progs = bpf_object_ids("prog");
        maps = bpf_object_ids("map");
        links = bpf_object_ids("link");
        if (progs == progs_before && maps == maps_before && links == links_before) break;
        std::this_thread::sleep_for(100ms);
    }
    for (long id : progs) EXPECT_TRUE(progs_before.count(id)) << "program " << id << " left after signal " << signal;
    for (long id : maps) EXPECT_TRUE(maps_before.count(id)) << "map " << id << " left after signal " << signal;
    for (long id : links) EXPECT_TRUE(links_before.count(id)) << "link " << id << " left after signal " << signal;
}

TEST(Cleanup, NothingStaysAttachedAfterSigterm) {
    REQUIRE_BPF();
    expect_nothing_left_after(SIGTERM);
}

TEST(Cleanup, NothingStaysAttachedAfterSigint) {
    REQUIRE_BPF();
    expect_nothing_left_after(SIGINT);
}

TEST(Cleanup, NothingStaysAttachedAfterSigkill) {
    REQUIRE_BPF();
    expect_nothing_left_after(SIGKILL);
}

TEST(Concurrency, TwoTracersEachSeeEveryEvent) {
    REQUIRE_BPF();
    TracerProcess first({}), second({});
    ASSERT_TRUE(first.read_line(10s));
    ASSERT_TRUE(second.read_line(10s));
    std::vector<std::string> pids;
    for (int i = 0; i < 20; ++i) pids.push_back(std::to_string(reap(spawn_exec("/bin/true", {"true"})).pid));
    std::this_thread::sleep_for(300ms);
    for (auto* tracer : {&first, &second}) {
        tracer->send(SIGINT);
        auto lines = tracer->read_remaining_lines(5s);
        for (const auto& pid : pids) {
            int exec = 0, exit = 0;
            for (const auto& line : lines) {
                if (line.find(" " + pid + " ") == std::string::npos) continue;
                if (line.find(" EXEC ") != std::string::npos) ++exec;
                if (line.find(" EXIT ") != std::string::npos) ++exit;
            }
            EXPECT_EQ(exec, 1) << pid;
            EXPECT_EQ(exit, 1) << pid;
        }
        EXPECT_EQ(tracer->wait(3s), 0);
    }
}

TEST(Output, FullFileSystemIsAClearError) {
    REQUIRE_BPF();
    char dir[] = "/tmp/bootstrap-full-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    ASSERT_EQ(mount("tmpfs", dir, "tmpfs", 0, "size=16k"), 0) << strerror(errno);
    std::string out = std::string(dir) + "/events.ndjson";
    TracerProcess tracer({"-j", "-o", out, "--ppid", std::to_string(getpid())});
    std::optional<int> status;
    for (int i = 0; i < 2000 && !(status = tracer.wait(0ms)); ++i)
        reap(spawn_exec("/bin/true", {"true", std::string(200, 'x')}));
    if (!status) status = tracer.wait(5s);
    std::string err = tracer.read_stderr(100ms);
    umount2(dir, MNT_DETACH);
    rmdir(dir);
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("bootstrap: cannot write to " + out + ": No space left on device"), std::string::npos) << err;
}

TEST(Output, UnwritableOutputFileIsAClearError) {
    REQUIRE_BPF();
    auto result = run_to_completion({"-o", "/nonexistent/dir/out"}, 10s);
    EXPECT_EQ(result.status, 2);
    EXPECT_EQ(result.err.rfind("bootstrap: -o/--output: cannot open /nonexistent/dir/out: No such file or directory\n"
                               "Usage: bootstrap ",
                               0),
              0u)
        << result.err;
}

// Started with stdin, stdout and stderr closed, the tracer puts /dev/null there before it opens anything,
// so no BPF object or output file takes those numbers; it still writes every event and stops cleanly.
TEST(Output, ClosedStandardDescriptorsBecomeDevNull) {
    REQUIRE_BPF();
    TempFile events_file("bootstrap-closed-fds");
    std::string out = command_output("(exec " BOOTSTRAP_BINARY " -o " + events_file.path() +
                                     " --ppid $$ <&- >&- 2>&-) & pid=$!; sleep 0.5; "
                                     "readlink /proc/$pid/fd/0 /proc/$pid/fd/1 /proc/$pid/fd/2; /bin/true; sleep 0.2; "
                                     "kill -INT $pid; wait $pid; echo status=$?");
    EXPECT_EQ(out, "/dev/null\n/dev/null\n/dev/null\nstatus=0\n");
    std::ifstream in(events_file.path());
    std::string events((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(events.rfind("TIME     EVENT", 0), 0u) << events;
    EXPECT_NE(events.find("EXEC  true "), std::string::npos) << events;
    EXPECT_NE(events.find("EXIT  true "), std::string::npos) << events;
}

// A path of about 4000 bytes whose last component holds an escape sequence, a newline, a tab and bytes
// that are not UTF-8; it is a copy of /bin/true.
class HostileProgram {
public:
    HostileProgram() {
        dir_ = "/tmp/bootstrap-hostile";
        std::string path = dir_;
        while (path.size() < 3700) path += "/" + std::string(200, 'd');
        EXPECT_EQ(std::system(("mkdir -p " + path).c_str()), 0);
        path_ = path + "/\x1b[2J\x1b]0;owned\x07\n\t\xff\xfe\xc3(name";
        EXPECT_EQ(std::system(("cp /bin/true '" + path_ + "'").c_str()), 0);
    }
    ~HostileProgram() { std::system(("rm -rf " + dir_).c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string dir_, path_;
};

std::vector<std::string> hostile_argv() {
    std::vector<std::string> argv = {"\x1b[31mred\x1b[0m",
                                     "line\nbreak",
                                     "tab\there",
                                     "",
                                     "\xff\xfe\xc0\xaf",
                                     "\xc2\x9b"
                                     "6n",
                                     "\xe2\x80\xae"
                                     "reversed"};
    for (int i = 0; i < 128; ++i) argv.push_back(std::string(1023, 'A'));  // 128 KiB
    return argv;
}

bool valid_utf8(const std::string& text) {
    size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > text.size()) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
        i += len;
    }
    return true;
}

TEST(Hostile, TextOutputHoldsNoRawControlBytes) {
    REQUIRE_BPF();
    HostileProgram program;
    TracerProcess tracer(
        {"-a", "-x", "--max-args-bytes", "256K", "--ring-size", "4M", "--ppid", std::to_string(getpid())});
    ASSERT_TRUE(tracer.read_line(10s));
    pid_t child = reap(spawn_exec(program.path(), hostile_argv())).pid;
    pid_t failed = reap(spawn_exec(program.path() + "-missing", hostile_argv())).pid;
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    auto lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0);
    int mine = 0;
    for (const auto& line : lines) {
        if (line.find(" " + std::to_string(child) + " ") != std::string::npos ||
            line.find(" " + std::to_string(failed) + " ") != std::string::npos)
            ++mine;
        for (char ch : line) {
            auto c = static_cast<unsigned char>(ch);
            EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "raw control byte " << int(c) << " in a line";
        }
        EXPECT_TRUE(valid_utf8(line));
        EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << "a raw C1 control (CSI)";
        EXPECT_EQ(line.find("\xe2\x80\xae"), std::string::npos) << "a raw bidi override";
    }
    EXPECT_EQ(mine, 4) << "EXEC and EXIT of the child; FAIL and EXIT of the one whose exec failed";
}

TEST(Hostile, EveryJsonLineParsesWithAStrictParser) {
    REQUIRE_BPF();
    HostileProgram program;
    TempFile events_file("bootstrap-hostile-json");
    const std::string& out = events_file.path();
    TracerProcess tracer(
        {"-j", "-x", "-o", out, "--max-args-bytes", "256K", "--ring-size", "4M", "--ppid", std::to_string(getpid())});
    std::this_thread::sleep_for(1500ms);
    auto argv = hostile_argv();
    pid_t child = reap(spawn_exec(program.path(), argv)).pid;
    reap(spawn_exec(program.path() + "-missing", argv));
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    ASSERT_EQ(tracer.wait(3s), 0);

    int status = std::system((std::string("python3 -c \"import json,sys\n"
                                          "n = 0\n"
                                          "for line in open(sys.argv[1], encoding='utf-8', errors='strict'):\n"
                                          "    json.loads(line); n += 1\n"
                                          "sys.exit(0 if n >= 3 else 3)\" ") +
                              out)
                                 .c_str());
    EXPECT_EQ(status, 0) << "python3's json rejected a line, or the file is not UTF-8";

    std::ifstream file(out);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) lines.push_back(line);
    auto events = parse_json_lines(lines);
    auto execs = select(events, "exec", child);
    ASSERT_EQ(execs.size(), 1u);
    EXPECT_EQ(execs[0]["argv"][0], argv[0]) << "valid UTF-8 with escapes survives byte for byte";
    EXPECT_EQ(execs[0]["argv"][1], argv[1]);
    EXPECT_EQ(execs[0]["argv"][3], "");
    EXPECT_EQ(execs[0]["argv"][4], "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")
        << "each invalid byte becomes U+FFFD";
    EXPECT_EQ(execs[0]["argv"].size(), argv.size());
    EXPECT_FALSE(execs[0]["argv_truncated"].get<bool>());
}

}  // namespace
}  // namespace bootstrap::testing

namespace bootstrap::testing {
namespace {

// Clear failures: what is missing, what to do, status 1, and nothing half set up.
TEST(ClearFailure, WithoutPrivilegesSaysWhatIsNeeded) {
    REQUIRE_BPF();  // to be sure the binary would work with them
    std::string out =
        command_output("setpriv --reuid=65534 --regid=65534 --clear-groups " BOOTSTRAP_BINARY " 2>&1; echo status=$?");
    EXPECT_NE(out.find("bootstrap: loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("hint: run it with sudo, or grant the capabilities once: sudo setcap cap_bpf,cap_perfmon+ep"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("status=1"), std::string::npos) << out;
}

TEST(ClearFailure, TheTwoCapabilitiesAreEnoughWithoutRoot) {
    REQUIRE_BPF();
    std::string out = command_output(
        "timeout --preserve-status -s INT 2 setpriv --reuid=65534 --regid=65534 --clear-groups "
        "--inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon " BOOTSTRAP_BINARY " 2>&1; echo status=$?");
    EXPECT_EQ(out.rfind("TIME     EVENT", 0), 0u) << out;
    EXPECT_NE(out.find("status=0"), std::string::npos) << out;
}

TEST(ClearFailure, WithoutKernelBtfNamesTheKernelOption) {
    REQUIRE_BPF();
    std::string out = command_output("unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec " BOOTSTRAP_BINARY
                                     "' 2>&1; echo status=$?");
    EXPECT_NE(out.find("bootstrap: this kernel does not provide BTF type information"), std::string::npos) << out;
    EXPECT_NE(out.find("CONFIG_DEBUG_INFO_BTF=y"), std::string::npos) << out;
    EXPECT_NE(out.find("status=1"), std::string::npos) << out;
}

}  // namespace
}  // namespace bootstrap::testing
