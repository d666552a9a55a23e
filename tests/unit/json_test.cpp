// The NDJSON output byte for byte, and every line accepted by an independent strict parser (python3's
// json module) whatever bytes the traced process chose.
#include "output/json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include "temp_file.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace bootstrap {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
// 2024-01-02T03:04:05Z at CLOCK_MONOTONIC 50 s.
constexpr int64_t kEpochSeconds = 1704164645;
constexpr uint64_t kMonotonic = 50 * kSecond;

const BootId kBootId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const ExecIds kExecIds(kBootId);

std::string json_lines(const std::vector<Event>& events, uint64_t lost = 0) {
    Writer out(-1);  // never flushed: the test reads the buffer
    WallClock clock(kEpochSeconds * static_cast<int64_t>(kSecond) - static_cast<int64_t>(kMonotonic));
    JsonSink sink(out, TimeFormatter(clock, TimeFormat::Local, 0), ExecIds(kBootId));
    for (const auto& e : events) sink.on_event(e);
    if (lost) sink.on_lost(lost, kMonotonic + 5);
    return fmt::to_string(out.buffer());
}

// The identity fields of proc(): their values are the exec_id tests' business (exec_id_test.cpp).
std::string ids() {
    return R"("exec_id":")" + kExecIds(ImageKey{4242, 1000, 3}) + R"(","parent_exec_id":")" +
           kExecIds(ImageKey{17, 500, 1}) + R"(",)";
}

ProcessInfo proc(std::string comm = "sh") {
    ProcessInfo p;
    p.time_ns = kMonotonic + 123456789;
    p.pid = 4242;
    p.tid = 4242;
    p.ppid = 17;
    p.uid = 1000;
    p.gid = 100;
    p.cgroup_id = 77;
    p.comm = std::move(comm);
    p.image = {4242, 1000, 3};
    p.parent_image = ImageKey{17, 500, 1};
    return p;
}

// Runs python3's json.loads on every line (strict UTF-8 decoding first) and returns its exit status.
int python_strict_check(const std::string& lines) {
    testing::TempFile file("bootstrap-json-test");
    std::ofstream(file.path(), std::ios::binary) << lines;
    std::string command = std::string(
                              "python3 -c \"import json,sys\nfor l in open(sys.argv[1],'rb'):\n"
                              "    json.loads(l.decode('utf-8', 'strict'))\" ") +
                          file.path();
    return std::system(command.c_str());
}

TEST(JsonFormat, Exec) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/usr/bin/sh";
    e.argv = {"sh", "-c", "make -j2", ""};
    e.old_pid = 4242;
    e.context.cwd = "/home/u";
    e.context.tty = (136u << 20) | 3;
    e.context.sid = 4000;
    e.context.auid = 1000;
    e.context.euid = 0;
    e.context.egid = 100;
    e.context.ns_pid = 1;
    e.context.pid_ns = 4026532000;
    e.context.mnt_ns = 4026532001;
    e.context.cgroup = "/system.slice/docker-" + std::string(64, 'a') + ".scope";
    e.context.container_id = std::string(64, 'a');
    e.context.raised_setuid = true;
    e.context.exe_memfd = true;
    EXPECT_EQ(
        json_lines({e}),
        R"({"event":"exec","time":"2024-01-02T03:04:05.123456789Z","pid":4242,"tid":4242,"ppid":17,"uid":1000,)"
        R"("gid":100,"comm":"sh","cgroup_id":77,)" +
            ids() +
            R"("filename":"/usr/bin/sh","argv":["sh","-c","make -j2",""],)"
            R"("argv_truncated":false,"cwd":"/home/u","cwd_truncated":false,"cwd_deleted":false,"tty":"pts/3","sid":4000,"auid":1000,)"
            R"("euid":0,"egid":100,"ns_pid":1,"pid_ns":4026532000,"mnt_ns":4026532001,)"
            R"("cgroup":"/system.slice/docker-)" +
            std::string(64, 'a') + R"(.scope","container_id":")" + std::string(64, 'a') +
            R"(","privileges_raised":["setuid"],"privileges_lowered":[],"exe_memfd":true,"exe_deleted":false,"exe_upper_layer":false})"
            "\n");
}

TEST(JsonFormat, ExecFromAThreadCarriesOldPid) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/bin/true";
    e.argv = {"true"};
    e.argv_truncated = true;
    e.old_pid = 4250;
    std::string line = json_lines({e});
    EXPECT_NE(line.find(R"("argv_truncated":true,"old_pid":4250,)"), std::string::npos) << line;
}

TEST(JsonFormat, ExitWithCode) {
    ExitEvent e;
    e.proc = proc("make");
    e.status.raw = 3 << 8;
    e.duration_ns = 1500;
    e.age_ns = 2000;
    e.cpu_user_ns = 10;
    e.cpu_system_ns = 20;
    e.max_rss_kb = 4096;
    e.minor_faults = 1;
    e.major_faults = 2;
    e.voluntary_switches = 3;
    e.involuntary_switches = 4;
    EXPECT_EQ(json_lines({e}),
              R"({"event":"exit","time":"2024-01-02T03:04:05.123456789Z","pid":4242,"tid":4242,"ppid":17,"uid":1000,)"
              R"("gid":100,"comm":"make","cgroup_id":77,)" +
                  ids() +
                  R"("exit_code":3,"signal":null,"core_dumped":false,)"
                  R"("duration_ns":1500,"age_ns":2000,"cpu_user_ns":10,"cpu_system_ns":20,"max_rss_kb":4096,)"
                  R"("minor_faults":1,"major_faults":2,"voluntary_switches":3,"involuntary_switches":4})"
                  "\n");
}

TEST(JsonFormat, KilledBySignalWithCoreAndNoExecSeen) {
    ExitEvent e;
    e.proc = proc();
    e.status.raw = 0x80 | 11;
    std::string line = json_lines({e});
    EXPECT_NE(line.find(R"("exit_code":null,"signal":"SIGSEGV","core_dumped":true,"duration_ns":null,)"),
              std::string::npos)
        << line;
}

TEST(JsonFormat, ThreadExitIsMarked) {
    ExitEvent e;
    e.proc = proc();
    e.proc.tid = 4243;
    e.thread_only = true;
    std::string line = json_lines({e});
    EXPECT_NE(line.find(R"("tid":4243,)"), std::string::npos);
    EXPECT_NE(line.find(R"("cgroup_id":77,)" + ids() + R"("thread_only":true,"exit_code":0,)"), std::string::npos)
        << line;
}

TEST(JsonFormat, ExecFailed) {
    ExecFailedEvent e;
    e.proc = proc("bash");
    e.error = ENOENT;
    e.filename = "/nope";
    e.argv = {"nope", "x"};
    EXPECT_EQ(
        json_lines({e}),
        R"({"event":"exec_failed","time":"2024-01-02T03:04:05.123456789Z","pid":4242,"tid":4242,"ppid":17,)"
        R"("uid":1000,"gid":100,"comm":"bash","cgroup_id":77,)" +
            ids() +
            R"("filename":"/nope","argv":["nope","x"],)"
            R"("argv_truncated":false,"errno":2,"error":"ENOENT",)"
            R"("cwd":"","cwd_truncated":false,"cwd_deleted":false,"tty":null,"sid":0,"auid":null,"euid":0,"egid":0,"ns_pid":0,)"
            R"("pid_ns":0,"mnt_ns":0,"cgroup":null,"container_id":null})"
            "\n");
}

TEST(JsonFormat, Lost) {
    EXPECT_EQ(json_lines({}, 118), R"({"event":"lost","time":"2024-01-02T03:04:05.000000005Z","count":118})"
                                   "\n");
}

TEST(JsonFormat, EverythingButPrintableAsciiIsEscapedAndInvalidBytesReplaced) {
    ExecEvent e;
    e.proc = proc("\x1b[31mred\n");
    e.filename = "/tmp/\xff\xfe";
    e.argv = {"a\tb",
              "\"quoted\" \\ back",
              "\xc3\x28",
              "\xe2\x80\xae"
              "rtl",
              std::string("nul\0in", 6),
              "del\x7f",
              "\xc2\x9b"
              "6n",
              "caf\xc3\xa9 \xf0\x9f\x98\x80"};
    std::string line = json_lines({e});
    EXPECT_NE(line.find(R"("comm":"\u001b[31mred\n")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("filename":"/tmp/\ufffd\ufffd")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("a\tb","\"quoted\" \\ back","\ufffd(","\u202ertl","nul\u0000in","del\u007f",)"
                        R"("\u009b6n","caf\u00e9 \ud83d\ude00"])"),
              std::string::npos)
        << line;
    for (char c : line) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << "only printable ASCII: " << line;
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per event";
}

// Strings that need no escaping skip the library; whatever the byte, the result must be the library's.
TEST(JsonFormat, EachByteIsWrittenAsTheLibraryWritesIt) {
    for (int byte = 0; byte < 256; ++byte) {
        const std::string value = std::string("a") + static_cast<char>(byte) + "z";
        ExecEvent e;
        e.proc = proc("c");
        e.filename = value;
        const std::string expected =
            "\"filename\":" + nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + ",";
        std::string line = json_lines({e});
        EXPECT_NE(line.find(expected), std::string::npos) << "byte " << byte << ": " << line;
    }
}

TEST(JsonFormat, EveryLinePassesAStrictParserWhateverTheBytes) {
    std::vector<Event> events;
    uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245 + 12345; };
    for (int i = 0; i < 300; ++i) {
        auto random_bytes = [&](size_t n) {
            std::string s;
            for (size_t k = 0; k < n; ++k) s.push_back(static_cast<char>(next() >> 16));
            return s;
        };
        ExecEvent exec;
        exec.proc = proc(random_bytes(15));
        exec.filename = random_bytes(40);
        exec.argv = {random_bytes(10), "", random_bytes(30)};
        events.push_back(exec);
        ExecFailedEvent failed;
        failed.proc = proc(random_bytes(7));
        failed.filename = random_bytes(20);
        failed.error = static_cast<int>(next() % 140);
        events.push_back(failed);
        ExitEvent exit;
        exit.proc = proc(random_bytes(15));
        exit.status.raw = next() & 0xffff;
        events.push_back(exit);
    }
    EXPECT_EQ(python_strict_check(json_lines(events, 3)), 0);
}

TEST(JsonFormat, ExecWithAncestors) {
    ExecEvent e;
    e.proc = proc();
    e.filename = "/bin/sh";
    e.argv = {"sh"};
    e.old_pid = 4242;
    e.ancestors = std::vector<Ancestor>{{{17, 500, 1}, "bash", "/usr/bin/bash"}, {{1, 5, 1}, "init", ""}};
    std::string line = json_lines({e});
    EXPECT_NE(
        line.find(R"("exe_upper_layer":false,"ancestors":[{"pid":17,"exec_id":")" + kExecIds(ImageKey{17, 500, 1}) +
                  R"(","comm":"bash","filename":"/usr/bin/bash"},{"pid":1,"exec_id":")" + kExecIds(ImageKey{1, 5, 1}) +
                  R"(","comm":"init","filename":null}]})"),
        std::string::npos)
        << line;
    EXPECT_EQ(python_strict_check(line), 0);
}

TEST(JsonFormat, ExistingProcessAndAParentlessOne) {
    ExistingEvent e;
    e.proc = proc("init");
    e.proc.ppid = 0;
    e.proc.parent_image.reset();
    e.filename = "/sbin/init";
    e.argv = {"/sbin/init", "splash"};
    std::string line = json_lines({e});
    EXPECT_EQ(line.rfind(R"({"event":"existing",)", 0), 0u) << line;
    EXPECT_NE(line.find(R"("parent_exec_id":null,"filename":"/sbin/init","argv":["/sbin/init","splash"],)"
                        R"("argv_truncated":false})"),
              std::string::npos)
        << line;
}

}  // namespace
}  // namespace bootstrap
