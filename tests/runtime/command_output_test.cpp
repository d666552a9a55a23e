// Command mode keeps the command's own output out of the event stream: whatever the command prints, the
// stream holds only records, each whole.
#include "json_lines.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace bootstrap::testing {
namespace {

// The command prints a record of its own, then a partial line, then runs a program: in one stream, the
// forged line would parse as an event and the program's real record would not.
const std::string kForged = R"({"event":"exit","comm":"sshd","pid":1})";
const std::string kScript = "printf '%s\\n' '" + kForged + "'; printf JUNK; sleep 0.2; /bin/true forger; exit 7";

TEST(CommandOutput, GoesToStandardErrorNotIntoTheEvents) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "--run-as", "nobody", "--", "/bin/sh", "-c", kScript});
    auto lines = tracer.read_remaining_lines(20s);
    ASSERT_EQ(tracer.wait(5s), 7) << "the command's status is passed through";
    std::string err = tracer.read_stderr(200ms);

    ASSERT_FALSE(lines.empty());
    for (const std::string& line : lines) EXPECT_NE(line.find("JUNK"), 0u) << line;
    auto events = parse_json_lines(lines);  // every line parses on its own
    EXPECT_EQ(events.size(), lines.size());
    bool real_exec = false;
    for (const auto& e : events) {
        EXPECT_NE(e.value("comm", ""), "sshd") << "a record the command printed: " << e.dump();
        if (e.value("event", "") == "exec" &&
            e.value("argv", nlohmann::json::array()).dump() == R"(["/bin/true","forger"])")
            real_exec = true;
    }
    EXPECT_TRUE(real_exec) << "the exec after the partial line is a whole record";
    // The command's output is not lost: it is on standard error.
    EXPECT_NE(err.find(kForged + "\nJUNK"), std::string::npos) << err;
}

// With standard error the event stream too (`>out 2>&1`), no stream is left for the command: refused
// before anything runs, with the reason.
TEST(CommandOutput, RefusedWhenStandardErrorIsTheEventStream) {
    REQUIRE_BPF();
    int shared[2];
    ASSERT_EQ(pipe(shared), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        dup2(shared[1], STDOUT_FILENO);
        dup2(shared[1], STDERR_FILENO);
        close(shared[0]);
        close(shared[1]);
        execl(BOOTSTRAP_BINARY, BOOTSTRAP_BINARY, "-j", "--", "/bin/sh", "-c", "echo ran", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(shared[1]);
    std::string output;
    char buffer[4096];
    for (ssize_t n; (n = read(shared[0], buffer, sizeof(buffer))) > 0;) output.append(buffer, static_cast<size_t>(n));
    close(shared[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << output;
    EXPECT_NE(output.find("standard error is the event stream"), std::string::npos) << output;
    EXPECT_EQ(output.find("ran"), std::string::npos) << "the command never ran: " << output;
}

// -o FILE leaves the command's standard output alone: it is not the event stream.
TEST(CommandOutput, KeepsStandardOutputWithAnOutputFile) {
    REQUIRE_BPF();
    TracerProcess tracer({"-j", "-o", "/dev/null", "--", "/bin/sh", "-c", "echo from-the-command"});
    auto lines = tracer.read_remaining_lines(20s);
    ASSERT_EQ(tracer.wait(5s), 0);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "from-the-command");
}

}  // namespace
}  // namespace bootstrap::testing
