// Secrets kept out of the output of the binary: each test's child execs with an environment or arguments
// the test chose, holding secrets marked "s3cret" (or "SECRETPARTIAL"), and the test checks that the
// child's exec record is there and that none of those bytes is anywhere in what the tracer wrote.
#include "children.h"
#include "json_lines.h"
#include "trace_session.h"
#include "tracer_process.h"

#include <unistd.h>

#include <thread>

namespace bootstrap::testing {
namespace {

// What one child execs: /bin/true with `argv` (argv[0] included, so that a test can name the program)
// and `env`.
struct Child {
    std::vector<std::string> argv;
    std::vector<std::string> env;
};

struct Traced {
    std::string output;                                // everything the tracer wrote
    std::vector<std::optional<nlohmann::json>> execs;  // each child's exec record, in order
};

// Runs the tracer with `options`, then each child in turn; returns the output and the children's execs.
Traced trace_execs(std::vector<std::string> options, const std::vector<Child>& children) {
    options.insert(options.end(), {"-j", "--ppid", std::to_string(getpid())});
    TracerProcess tracer(options);
    std::this_thread::sleep_for(1500ms);  // JSON has no header: give it time to attach
    std::vector<pid_t> pids;
    for (const Child& child : children)
        pids.push_back(reap(spawn([&] {
                           std::vector<char*> arg_ptrs = c_argv(child.argv);
                           std::vector<char*> env_ptrs = c_argv(child.env);
                           execve("/bin/true", arg_ptrs.data(), env_ptrs.data());
                           return 127;
                       })).pid);
    std::this_thread::sleep_for(300ms);
    tracer.send(SIGINT);
    Traced traced;
    std::vector<std::string> lines = tracer.read_remaining_lines(5s);
    EXPECT_EQ(tracer.wait(3s), 0) << tracer.read_stderr(100ms);
    for (const auto& line : lines) traced.output += line + "\n";
    auto objects = parse_json_lines(lines);
    for (pid_t pid : pids) {
        auto execs = select(objects, "exec", pid);
        EXPECT_EQ(execs.size(), 1u) << "pid " << pid << ":\n" << traced.output;
        traced.execs.push_back(execs.size() == 1 ? std::optional(execs[0]) : std::nullopt);
    }
    return traced;
}

// One child's exec.
Traced trace_exec(std::vector<std::string> options, const std::vector<std::string>& argv,
                  const std::vector<std::string>& env) {
    return trace_execs(std::move(options), {Child{argv, env}});
}

// A URL whose password is longer than what is left of the cap: the cut falls inside the password.
const std::string kLongPassword = "SECRETPARTIAL_" + std::string(100, 'a');
const std::string kCutUrl = "postgres://user:" + kLongPassword + "@db/x";

// --env: the last variable, cut at --max-args-bytes (32K by default) before the "@" that ends its
// password, is hidden whole: what is left of it no longer looks like a URL with a password.
TEST(Redaction, EnvironmentValueCutInsideAUrlPasswordIsHiddenWhole) {
    REQUIRE_BPF();
    std::vector<std::string> env{"PAD=" + std::string(32684, 'x'), "DATABASE_URL=" + kCutUrl};
    Traced traced = trace_exec({"--env"}, {"/bin/true"}, env);
    ASSERT_TRUE(traced.execs[0]);
    const auto& seen = (*traced.execs[0])["env"];
    ASSERT_EQ(seen.size(), 2u) << seen;
    EXPECT_EQ((*traced.execs[0])["env_truncated"], true) << "the cut must fall in the last variable";
    EXPECT_EQ(seen[0], env[0]);
    EXPECT_EQ(seen[1], "DATABASE_URL=<redacted>");
    EXPECT_EQ(traced.output.find("SECRETPARTIAL"), std::string::npos) << traced.output.substr(32800);
}

// --redact-args: the same for the last argument, cut inside a URL's password.
TEST(Redaction, ArgumentCutInsideAUrlPasswordIsHiddenWhole) {
    REQUIRE_BPF();
    // "/bin/true\0", the pad and its NUL, then 20 bytes of the URL's password before the cut.
    std::string pad(32768 - 10 - 1 - std::string("postgres://user:").size() - 20, 'x');
    Traced traced = trace_exec({"--redact-args"}, {"/bin/true", pad, kCutUrl}, {});
    ASSERT_TRUE(traced.execs[0]);
    EXPECT_EQ((*traced.execs[0])["argv_truncated"], true);
    EXPECT_EQ((*traced.execs[0])["argv"], nlohmann::json({"/bin/true", pad, "<redacted>"}));
    EXPECT_EQ(traced.output.find("SECRETPARTIAL"), std::string::npos) << traced.output.substr(32800);
}

// --env: names that hold secrets though they say neither TOKEN nor PASSWORD.
TEST(Redaction, EnvironmentSecretNames) {
    REQUIRE_BPF();
    std::vector<std::string> env{
        "SSHPASS=sshpass-s3cret",
        R"(DOCKER_AUTH_CONFIG={"auths":{"r.example":{"auth":"ZG9ja2VyLXMzY3JldA==","x":"docker-s3cret"}}})",
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=az-s3cret",
        "SLACK_WEBHOOK_URL=https://hooks.slack.example/services/T000/B000/hook-s3cret",
        "SENTRY_DSN=https://dsn-s3cret@o1.ingest.sentry.example/1",
        "DBPASS=dbpass-s3cret",
        "PLAIN=visible"};
    Traced traced = trace_exec({"--env"}, {"/bin/true"}, env);
    ASSERT_TRUE(traced.execs[0]);
    EXPECT_EQ((*traced.execs[0])["env"],
              nlohmann::json({"SSHPASS=<redacted>", "DOCKER_AUTH_CONFIG=<redacted>",
                              "AZURE_STORAGE_CONNECTION_STRING=<redacted>", "SLACK_WEBHOOK_URL=<redacted>",
                              "SENTRY_DSN=<redacted>", "DBPASS=<redacted>", "PLAIN=visible"}));
    EXPECT_EQ(traced.output.find("s3cret"), std::string::npos) << traced.output;
}

// --env: values whose shape holds a secret whatever the variable is called: connection strings, a
// proxy's "user:password@host" without a scheme, URL passwords holding "/", "#" or a space.
TEST(Redaction, EnvironmentSecretShapes) {
    REQUIRE_BPF();
    std::vector<std::string> env{"DB_CONN=Server=db;Database=x;User Id=u;Password=conn-s3cret;",
                                 "STORAGE=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=az-s3cret;X=y",
                                 "HTTP_PROXY=user:proxy-s3cret@proxy.example:3128",
                                 "SLASH_URL=postgres://u:pw/slash-s3cret@db/x",
                                 "HASH_URL=postgres://u:pw#hash-s3cret@db/x",
                                 "SPACE_URL=postgres://u:pw space-s3cret@db/x"};
    Traced traced = trace_exec({"--env"}, {"/bin/true"}, env);
    ASSERT_TRUE(traced.execs[0]);
    EXPECT_EQ((*traced.execs[0])["env"],
              nlohmann::json({"DB_CONN=Server=db;Database=x;User Id=u;Password=<redacted>;",
                              "STORAGE=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<redacted>;X=y",
                              "HTTP_PROXY=user:<redacted>@proxy.example:3128", "SLASH_URL=postgres://u:<redacted>@db/x",
                              "HASH_URL=postgres://u:<redacted>@db/x", "SPACE_URL=postgres://u:<redacted>@db/x"}));
    EXPECT_EQ(traced.output.find("s3cret"), std::string::npos) << traced.output;
}

// --redact-args: options whose secret is the next argument or follows "=".
TEST(Redaction, ArgumentsAfterSecretOptions) {
    REQUIRE_BPF();
    std::vector<std::string> argv{"tool",
                                  "--pass",
                                  "pass-s3cret",
                                  "-pass",
                                  "pass:o-s3cret",
                                  "-passin",
                                  "pass:in-s3cret",
                                  "--auth",
                                  "auth-s3cret",
                                  "--basic-auth",
                                  "u:basic-s3cret",
                                  "--db-pass=db-s3cret",
                                  "--auth=eq-s3cret",
                                  "plain"};
    Traced traced = trace_exec({"--redact-args"}, argv, {});
    ASSERT_TRUE(traced.execs[0]);
    EXPECT_EQ((*traced.execs[0])["argv"],
              nlohmann::json({"tool", "--pass", "<redacted>", "-pass", "<redacted>", "-passin", "<redacted>", "--auth",
                              "<redacted>", "--basic-auth", "<redacted>", "--db-pass=<redacted>", "--auth=<redacted>",
                              "plain"}));
    EXPECT_EQ(traced.output.find("s3cret"), std::string::npos) << traced.output;
}

// --redact-args: "-p" and "-u" are secrets only for the programs where they carry one (mysql's and
// sshpass's password, curl's user:password), named by argv[0].
TEST(Redaction, PasswordOptionsOfThePasswordPrograms) {
    REQUIRE_BPF();
    struct Case {
        std::vector<std::string> argv;
        nlohmann::json expected;
    };
    std::vector<Case> cases{
        {{"mysql", "-u", "root", "-p", "mysql-s3cret"}, {"mysql", "-u", "root", "-p", "<redacted>"}},
        {{"/usr/bin/mysql", "-pmysql-s3cret", "db"}, {"/usr/bin/mysql", "-p<redacted>", "db"}},
        {{"sshpass", "-p", "sshpass-s3cret", "ssh", "host"}, {"sshpass", "-p", "<redacted>", "ssh", "host"}},
        {{"curl", "-u", "u:curl-s3cret", "https://x.example/"}, {"curl", "-u", "<redacted>", "https://x.example/"}},
        {{"curl", "-uu:curl-s3cret", "https://x.example/"}, {"curl", "-u<redacted>", "https://x.example/"}},
        {{"curl", "--user", "u:curl-s3cret"}, {"curl", "--user", "<redacted>"}},
    };
    std::vector<Child> children;
    for (const auto& c : cases) children.push_back({c.argv, {}});
    Traced traced = trace_execs({"--redact-args"}, children);
    for (size_t i = 0; i < cases.size(); ++i) {
        ASSERT_TRUE(traced.execs[i]);
        EXPECT_EQ((*traced.execs[i])["argv"], cases[i].expected);
    }
    EXPECT_EQ(traced.output.find("s3cret"), std::string::npos) << traced.output;
}

// --redact-args: "-p" and "-u" of every other program are left alone.
TEST(Redaction, ShortOptionsOfOtherProgramsKept) {
    REQUIRE_BPF();
    std::vector<Child> children{{{"mkdir", "-p", "/tmp/a/b"}, {}},
                                {{"cp", "-p", "a", "b"}, {}},
                                {{"ssh", "-p", "22", "host"}, {}},
                                {{"sort", "-u", "f"}, {}}};
    Traced traced = trace_execs({"--redact-args"}, children);
    for (size_t i = 0; i < children.size(); ++i) {
        ASSERT_TRUE(traced.execs[i]);
        EXPECT_EQ((*traced.execs[i])["argv"], nlohmann::json(children[i].argv));
    }
}

}  // namespace
}  // namespace bootstrap::testing
