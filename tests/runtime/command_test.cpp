// Command mode: bootstrap [OPTIONS] -- CMD ARGS traces CMD and its descendants only, from its first
// exec, and exits with CMD's status.
#include "children.h"
#include "json_lines.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

namespace bootstrap::testing {
namespace {

struct CommandRun {
    int status = -1;
    std::vector<nlohmann::json> events;
    std::string err;
};

CommandRun run_command(const std::vector<std::string>& args, const TracerProcess::Environment& env = {},
                       const std::function<void()>& meanwhile = {}) {
    TracerProcess tracer(args, true, env);
    if (meanwhile) meanwhile();
    CommandRun run;
    auto lines = tracer.read_remaining_lines(20s);
    run.status = tracer.wait(5s).value_or(-1);
    run.err = tracer.read_stderr(100ms);
    std::vector<std::string> json_lines;
    for (const auto& line : lines)
        if (!line.empty() && line[0] == '{') json_lines.push_back(line);
    run.events = parse_json_lines(json_lines);
    return run;
}

std::vector<std::vector<std::string>> exec_argvs(const std::vector<nlohmann::json>& events) {
    std::vector<std::vector<std::string>> argvs;
    for (const auto& e : events)
        if (e["event"] == "exec") argvs.push_back(e["argv"].get<std::vector<std::string>>());
    return argvs;
}

bool has_argv(const std::vector<nlohmann::json>& events, const std::vector<std::string>& argv) {
    for (const auto& a : exec_argvs(events))
        if (a == argv) return true;
    return false;
}

TEST(CommandMode, TracesTheWholeTreeAndPassesTheStatusThrough) {
    REQUIRE_BPF();
    // Three levels of shells, a double-forked daemon (its parent exits at once, so it is reparented),
    // and exit status 3.
    const std::string script =
        "sh -c 'sh -c \"/bin/true level3\"'; "
        "(sh -c 'sleep 0.2; /bin/true daemon' &); "
        "sleep 0.8; exit 3";
    pid_t outsider = -1;
    auto run = run_command({"-j", "--", "sh", "-c", script}, {}, [&] {
        std::this_thread::sleep_for(400ms);
        outsider = reap(spawn_exec("/bin/true", {"/bin/true", "outsider"})).pid;
    });
    EXPECT_EQ(run.status, 3) << run.err;
    EXPECT_TRUE(has_argv(run.events, {"sh", "-c", script})) << "the command's own exec";
    EXPECT_TRUE(has_argv(run.events, {"/bin/true", "level3"}));
    EXPECT_TRUE(has_argv(run.events, {"/bin/true", "daemon"})) << "a double-forked daemon stays traced";
    EXPECT_FALSE(has_argv(run.events, {"/bin/true", "outsider"}));
    EXPECT_TRUE(select(run.events, "exit", outsider).empty());

    // The command's own exit record carries the status we passed through.
    long command_pid = -1;
    for (const auto& e : run.events)
        if (e["event"] == "exec" && e["argv"] == nlohmann::json({"sh", "-c", script}))
            command_pid = e["pid"].get<long>();
    auto exits = select(run.events, "exit", command_pid);
    ASSERT_EQ(exits.size(), 1u);
    EXPECT_EQ(exits[0]["exit_code"], 3);
}

TEST(CommandMode, SignalDeathBecomes128PlusN) {
    REQUIRE_BPF();
    auto run = run_command({"-j", "--", "sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(run.status, 128 + SIGTERM) << run.err;
}

TEST(CommandMode, RunsAsTheSudoUserByDefault) {
    REQUIRE_BPF();
    auto run = run_command({"-j", "--", "/bin/true", "as-sudo-user"}, {{"SUDO_UID", "65534"}, {"SUDO_GID", "65534"}});
    ASSERT_EQ(run.status, 0) << run.err;
    bool found = false;
    for (const auto& e : run.events)
        if (e["event"] == "exec" && e["argv"] == nlohmann::json({"/bin/true", "as-sudo-user"})) {
            found = true;
            EXPECT_EQ(e["uid"], 65534) << "root's privileges are not handed to the command silently";
            EXPECT_EQ(e["gid"], 65534);
        }
    EXPECT_TRUE(found);
}

TEST(CommandMode, RunAsChoosesTheUser) {
    REQUIRE_BPF();
    for (const auto& [user, uid] : std::vector<std::pair<std::string, long>>{{"nobody", 65534}, {"root", 0}}) {
        auto run = run_command({"-j", "--run-as", user, "--", "/bin/true", "run-as"}, {{"SUDO_UID", "65534"}});
        ASSERT_EQ(run.status, 0) << run.err;
        auto argvs = exec_argvs(run.events);
        bool found = false;
        for (const auto& e : run.events)
            if (e["event"] == "exec" && e["argv"] == nlohmann::json({"/bin/true", "run-as"})) {
                found = true;
                EXPECT_EQ(e["uid"], uid) << user;
            }
        EXPECT_TRUE(found) << user;
    }
}

TEST(CommandMode, MissingCommandExits127) {
    REQUIRE_BPF();
    auto run = run_command({"--", "/nonexistent/command"});
    EXPECT_EQ(run.status, 127);
    EXPECT_NE(run.err.find("cannot run '/nonexistent/command'"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace bootstrap::testing

namespace bootstrap::testing {
namespace {

long cpu_ticks(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

TEST(CommandMode, IdlesQuietlyAfterItsOutputCloses) {
    REQUIRE_BPF();
    // Plenty of events after the reader has gone, then a long quiet stretch.
    TracerProcess tracer({"--", "sh", "-c", "for i in $(seq 200); do /bin/true; done; sleep 2"});
    ASSERT_TRUE(tracer.read_line(10s));
    tracer.close_stdout();
    std::this_thread::sleep_for(1s);
    long before = cpu_ticks(tracer.pid());
    std::this_thread::sleep_for(1s);
    long used = cpu_ticks(tracer.pid()) - before;
    EXPECT_LT(used, 10) << "clock ticks of CPU in one second while waiting for the command";
    EXPECT_EQ(tracer.wait(5s), 0);
}

}  // namespace
}  // namespace bootstrap::testing
