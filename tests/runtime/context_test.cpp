// The context options of the binary: the environment with its secrets hidden, arguments redacted on
// request, the text markers and --context, and the container and pid-namespace filters. Each test's
// children are its own: their environment, arguments and cgroup are what the test gave them.
#include "children.h"
#include "json_lines.h"
#include "temp_file.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace bootstrap::testing {
namespace {

// Runs `body` in a child once the tracer has printed its first line, then stops the tracer; returns
// every line it wrote and the child's pid.
struct TracedRun {
    std::vector<std::string> lines;
    pid_t child = -1;
};

TracedRun trace_child(std::vector<std::string> args, const std::function<int()>& body, bool header = true) {
    TracerProcess tracer(args);
    TracedRun run;
    if (header) {
        if (!tracer.read_line(10s)) return run;
    } else {
        std::this_thread::sleep_for(1500ms);  // JSON has no header: give it time to attach
    }
    run.child = reap(spawn(body)).pid;
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    run.lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr(100ms);
    return run;
}

int exec_env_with(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    std::vector<std::string> args = argv;
    std::vector<char*> arg_ptrs = c_argv(args);
    std::vector<std::string> vars = env;
    std::vector<char*> env_ptrs = c_argv(vars);
    execve(args[0].c_str(), arg_ptrs.data(), env_ptrs.data());
    return 127;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string all;
    for (const auto& line : lines) all += line + "\n";
    return all;
}

// --env: the environment the child passed, with the values of secret-looking names (and those of --redact)
// hidden, so the secret is nowhere in the output.
TEST(ContextOptions, EnvironmentWithSecretsHidden) {
    REQUIRE_BPF();
    auto run = trace_child(
        {"-j", "--env", "--redact", "internal_*", "--ppid", std::to_string(getpid())},
        [] {
            return exec_env_with({"/bin/true"}, {"PLAIN=visible", "API_TOKEN=tok-s3cret", "db_password=pw-s3cret",
                                                 "INTERNAL_URL=url-s3cret", "SSH_KEY_PATH=/k"});
        },
        false);
    auto execs = select(parse_json_lines(run.lines), "exec", run.child);
    ASSERT_EQ(execs.size(), 1u) << joined(run.lines);
    EXPECT_EQ(execs[0]["env"], nlohmann::json({"PLAIN=visible", "API_TOKEN=<redacted>", "db_password=<redacted>",
                                               "INTERNAL_URL=<redacted>", "SSH_KEY_PATH=<redacted>"}));
    EXPECT_EQ(execs[0]["env_truncated"], false);
    EXPECT_EQ(joined(run.lines).find("s3cret"), std::string::npos);
}

// --redact-args hides secret values in arguments: "--password=x", "--token x", "KEY=x".
TEST(ContextOptions, ArgumentsRedactedOnRequest) {
    REQUIRE_BPF();
    std::vector<std::string> argv{"/bin/echo",  "--password=pw-s3cret",    "--token",
                                  "tok-s3cret", "AWS_SECRET_KEY=k-s3cret", "plain"};
    auto run = trace_child(
        {"-j", "--redact-args", "--ppid", std::to_string(getpid())}, [&] { return exec_env_with(argv, {}); }, false);
    auto execs = select(parse_json_lines(run.lines), "exec", run.child);
    ASSERT_EQ(execs.size(), 1u) << joined(run.lines);
    EXPECT_EQ(execs[0]["argv"], nlohmann::json({"/bin/echo", "--password=<redacted>", "--token", "<redacted>",
                                                "AWS_SECRET_KEY=<redacted>", "plain"}));
    EXPECT_EQ(joined(run.lines).find("s3cret"), std::string::npos);
}

// Text: an exec that raised privileges is marked after its program, and --context adds where it ran.
TEST(ContextOptions, TextMarksRaisedPrivilegesAndShowsTheContext) {
    REQUIRE_BPF();
    ProgramCopy setuid_copy("/usr/bin/id", "id-setuid");
    ASSERT_EQ(chmod(setuid_copy.path().c_str(), 04755), 0);
    std::string dir = std::filesystem::path(setuid_copy.path()).parent_path();
    auto run = trace_child({"--context", "--ppid", std::to_string(getpid())}, [&] {
        if (chdir(dir.c_str()) != 0 || setgid(65534) != 0 || setuid(65534) != 0) return 125;
        return exec_env_with({setuid_copy.path()}, {});
    });
    std::string line;
    for (const auto& l : run.lines)
        if (l.find(" EXEC ") != std::string::npos && l.find(" " + std::to_string(run.child) + " ") != std::string::npos)
            line = l;
    ASSERT_FALSE(line.empty()) << joined(run.lines);
    EXPECT_NE(line.find(setuid_copy.path() + " [setuid] cwd=" + dir + " tty="), std::string::npos) << line;
}

// The EXEC line of `pid`, split at its spaces.
std::vector<std::string> exec_line_words(const std::vector<std::string>& lines, pid_t pid) {
    for (const auto& l : lines) {
        if (l.find(" EXEC ") == std::string::npos || l.find(" " + std::to_string(pid) + " ") == std::string::npos)
            continue;
        std::vector<std::string> words;
        std::istringstream split(l);
        for (std::string word; split >> word;) words.push_back(word);
        return words;
    }
    return {};
}

// The first word that starts with `key` ("tty="), or "" when none does.
std::string first_word_with(const std::vector<std::string>& words, const std::string& key) {
    for (const auto& w : words)
        if (w.rfind(key, 0) == 0) return w;
    return "";
}

// --context: a directory whose name holds spaces, quotes and "key=value" cannot put fields of its own on
// the line: the first tty= and auid= are still the process's (no terminal after setsid, the login uid
// it has), and the directory stays one word.
TEST(ContextOptions, ADirectoryNameCannotForgeContextFields) {
    REQUIRE_BPF();
    char base[] = "/tmp/bootstrap-forge-XXXXXX";
    ASSERT_NE(mkdtemp(base), nullptr);
    std::string dir = std::string(base) + "/a' tty=pts/7 auid=0 x='b";
    ASSERT_TRUE(std::filesystem::create_directories(dir));  // "pts/7": two levels
    std::string auid;
    std::getline(std::ifstream("/proc/self/loginuid"), auid);
    auto run = trace_child({"--context", "--ppid", std::to_string(getpid())}, [&] {
        if (setsid() < 0 || chdir(dir.c_str()) != 0) return 125;
        return exec_env_with({"/bin/true"}, {});
    });
    std::filesystem::remove_all(base);
    auto words = exec_line_words(run.lines, run.child);
    ASSERT_FALSE(words.empty()) << joined(run.lines);
    EXPECT_EQ(first_word_with(words, "tty="), "tty=-") << joined(run.lines);
    EXPECT_EQ(first_word_with(words, "auid="), "auid=" + (auid == "4294967295" ? std::string("-") : auid))
        << joined(run.lines);
    std::string cwd = first_word_with(words, "cwd=");
    EXPECT_EQ(cwd.rfind("cwd=" + std::string(base) + "/a", 0), 0u) << joined(run.lines);
    EXPECT_EQ(cwd.find('\''), std::string::npos) << cwd;
}

// A working directory removed before the exec: marked [deleted] after it in text, cwd_deleted in JSON.
TEST(ContextOptions, ADeletedWorkingDirectoryIsMarked) {
    REQUIRE_BPF();
    char base[] = "/tmp/bootstrap-gone-XXXXXX";
    ASSERT_NE(mkdtemp(base), nullptr);
    std::string dir = std::string(base) + "/gone";
    auto in_removed_directory = [&] {
        if (mkdir(dir.c_str(), 0755) != 0 || chdir(dir.c_str()) != 0 || rmdir(dir.c_str()) != 0) return 125;
        return exec_env_with({"/bin/true"}, {});
    };
    auto text = trace_child({"--context", "--ppid", std::to_string(getpid())}, in_removed_directory);
    auto json = trace_child({"-j", "--ppid", std::to_string(getpid())}, in_removed_directory, false);
    std::filesystem::remove_all(base);

    auto words = exec_line_words(text.lines, text.child);
    auto cwd = std::find(words.begin(), words.end(), "cwd=" + dir);
    ASSERT_NE(cwd, words.end()) << joined(text.lines);
    ASSERT_NE(cwd + 1, words.end());
    EXPECT_EQ(*(cwd + 1), "[deleted]") << joined(text.lines);

    auto execs = select(parse_json_lines(json.lines), "exec", json.child);
    ASSERT_EQ(execs.size(), 1u) << joined(json.lines);
    EXPECT_EQ(execs[0]["cwd"], dir);
    EXPECT_EQ(execs[0]["cwd_deleted"], true) << execs[0].dump();
}

// A cgroup named like Docker's for a container: a child placed in it has that container's id, and
// --containers and --container keep its events and leave out the test's other child.
class FakeContainer {
public:
    // The pid comes first, so that the 12-character prefix the test filters by names this container only,
    // even beside one another test left behind.
    FakeContainer() : id_("c" + std::to_string(getpid())) {
        id_.resize(64, '0');
        dir_ = cgroup2_mount() + "/docker-" + id_ + ".scope";
        if (!cgroup2_mount().empty()) std::filesystem::create_directory(dir_, error_);
    }
    ~FakeContainer() { rmdir(dir_.c_str()); }
    FakeContainer(const FakeContainer&) = delete;
    FakeContainer& operator=(const FakeContainer&) = delete;

    bool usable() const { return !cgroup2_mount().empty() && !error_; }
    const std::string& id() const { return id_; }
    // In a child: moves itself into the container's cgroup.
    bool enter() const {
        std::ofstream procs(dir_ + "/cgroup.procs");
        procs << getpid() << std::flush;
        return procs.good();
    }

private:
    std::string id_, dir_;
    std::error_code error_;
};

TEST(ContextOptions, ContainerIdAndContainerFilters) {
    REQUIRE_BPF();
    FakeContainer container;
    if (!container.usable()) GTEST_SKIP() << "cannot make a cgroup here";
    for (const std::vector<std::string>& filter :
         {std::vector<std::string>{"--containers"},
          std::vector<std::string>{"--container", container.id().substr(0, 12)}}) {
        std::vector<std::string> args{"-j", "--ppid", std::to_string(getpid())};
        args.insert(args.end(), filter.begin(), filter.end());
        TracerProcess tracer(args);
        std::this_thread::sleep_for(1500ms);
        pid_t inside = reap(spawn([&] {
                           if (!container.enter()) return 125;
                           return exec_env_with({"/bin/true"}, {});
                       })).pid;
        pid_t outside = reap(spawn([] { return exec_env_with({"/bin/true"}, {}); })).pid;
        std::this_thread::sleep_for(300ms);
        tracer.send(SIGINT);
        auto events = parse_json_lines(tracer.read_remaining_lines(5s));
        EXPECT_EQ(tracer.wait(3s), 0);
        auto execs = select(events, "exec", inside);
        ASSERT_EQ(execs.size(), 1u) << filter[0];
        EXPECT_EQ(execs[0]["container_id"], container.id());
        EXPECT_EQ(execs[0]["cgroup"], "/docker-" + container.id() + ".scope");
        EXPECT_EQ(select(events, "exit", inside).size(), 1u) << filter[0];
        EXPECT_TRUE(select(events, "exec", outside).empty()) << filter[0] << ": not in a container";
    }
}

// A 64-hex id that names this test run and `tag`: no other test's container shares its first 12 characters.
std::string fake_id(char tag) {
    std::string id = std::string(1, tag) + std::to_string(getpid());
    id.resize(64, '0');
    return id;
}

// A process that can create cgroups below its own (a delegated subtree, a container given its cgroup)
// can name one like another container's: the container it runs in is still the outermost one.
TEST(ContextOptions, ContainerIdIsTheOutermostContainers) {
    REQUIRE_BPF();
    std::string root = cgroup2_mount();
    if (root.empty()) GTEST_SKIP() << "no cgroup2 file system mounted";
    std::string outer_id = fake_id('a'), inner_id = fake_id('b');
    std::string outer = "/docker-" + outer_id + ".scope", inner = outer + "/docker-" + inner_id + ".scope";
    ASSERT_EQ(mkdir((root + outer).c_str(), 0755), 0) << strerror(errno);
    ASSERT_EQ(mkdir((root + inner).c_str(), 0755), 0) << strerror(errno);
    auto run = trace_child(
        {"-j", "--containers", "--ppid", std::to_string(getpid())},
        [&] {
            std::ofstream(root + inner + "/cgroup.procs") << getpid() << std::flush;
            return exec_env_with({"/bin/true"}, {});
        },
        false);
    rmdir((root + inner).c_str());
    rmdir((root + outer).c_str());
    auto execs = select(parse_json_lines(run.lines), "exec", run.child);
    ASSERT_EQ(execs.size(), 1u) << joined(run.lines);
    EXPECT_EQ(execs[0]["cgroup"], inner);
    EXPECT_EQ(execs[0]["container_id"], outer_id);
}

// --container filters in the kernel by the container's cgroup, found by its name: with two cgroups named
// after the same container in unrelated places (one of them made by whoever owns a delegated subtree),
// the tracer refuses to choose rather than trace the wrong one.
TEST(ContextOptions, ContainerNamedInTwoPlacesIsRefused) {
    REQUIRE_BPF();
    std::string root = cgroup2_mount();
    if (root.empty()) GTEST_SKIP() << "no cgroup2 file system mounted";
    std::string id = fake_id('d');
    std::string real = root + "/docker-" + id + ".scope";
    std::string delegated = root + "/bootstrap-delegated-" + std::to_string(getpid());
    std::string claimed = delegated + "/docker-" + id + ".scope";
    ASSERT_EQ(mkdir(real.c_str(), 0755), 0) << strerror(errno);
    ASSERT_EQ(mkdir(delegated.c_str(), 0755), 0) << strerror(errno);
    ASSERT_EQ(mkdir(claimed.c_str(), 0755), 0) << strerror(errno);
    auto result = run_to_completion({"-j", "--container", id.substr(0, 12)}, 5s);
    rmdir(claimed.c_str());
    rmdir(delegated.c_str());
    rmdir(real.c_str());
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_NE(result.err.find("two places"), std::string::npos) << result.err;
}

// --pidns: only processes living in that pid namespace; a process of the test's own is left out.
TEST(ContextOptions, PidNamespaceFilter) {
    REQUIRE_BPF();
    TempFile out("bootstrap-pidns-filter");
    // unshare keeps the namespace's first process (sleep) alive while the tracer starts on its inode.
    pid_t holder = spawn_exec("/usr/bin/unshare", {"unshare", "--pid", "--fork", "/bin/sleep", "30"});
    std::string ns;
    pid_t first = 0;
    for (int i = 0; i < 200 && ns.empty(); ++i) {
        std::this_thread::sleep_for(10ms);
        std::ifstream children("/proc/" + std::to_string(holder) + "/task/" + std::to_string(holder) + "/children");
        struct stat st {};
        if (children >> first && stat(("/proc/" + std::to_string(first) + "/ns/pid").c_str(), &st) == 0)
            ns = std::to_string(st.st_ino);
    }
    ASSERT_FALSE(ns.empty());
    TracerProcess tracer({"-j", "--pidns", ns});
    std::this_thread::sleep_for(1500ms);
    pid_t ours = reap(spawn([] { return exec_env_with({"/bin/true"}, {}); })).pid;
    // Inside the namespace: a process entered into it with nsenter.
    Reaped entered = reap(spawn_exec("/usr/bin/nsenter", {"nsenter", "--target", std::to_string(first), "--pid", "--",
                                                          "/bin/sh", "-c", "/bin/true inside"}));
    EXPECT_EQ(WEXITSTATUS(entered.status), 0);
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    auto events = parse_json_lines(tracer.read_remaining_lines(5s));
    EXPECT_EQ(tracer.wait(3s), 0);
    kill(first, SIGKILL);  // the namespace's first process: its end ends unshare too
    reap(holder);
    EXPECT_TRUE(select(events, "exec", ours).empty()) << "not in that namespace";
    bool inside = false;
    for (const auto& e : events) {
        if (e.value("event", "") != "exec") continue;
        EXPECT_EQ(std::to_string(e.value("pid_ns", 0L)), ns) << e.dump();
        if (e["argv"].back() == "inside") inside = true;
    }
    EXPECT_TRUE(inside);
}

}  // namespace
}  // namespace bootstrap::testing
