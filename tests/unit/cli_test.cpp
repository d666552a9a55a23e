// Option handling: good values are taken, bad ones end with status 2, a one-line reason and the usage.
#include "cli/options.h"
#include "command_line.h"
#include "tracer_process.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bootstrap {
namespace {

using namespace std::chrono_literals;

using testing::parse;

TEST(Options, Defaults) {
    auto outcome = parse({});
    ASSERT_TRUE(outcome.plan);
    const TracerConfig& tracer = outcome.plan->tracer;
    EXPECT_EQ(tracer.min_duration_ns, 0u);
    EXPECT_TRUE(tracer.report_execs);
    EXPECT_TRUE(tracer.report_exits);
    EXPECT_FALSE(tracer.verbose);
    EXPECT_FALSE(tracer.trace_tree);
    EXPECT_EQ(tracer.max_args_bytes, 32u * 1024);
    EXPECT_EQ(tracer.ring_bytes, 1024u * 1024);
    EXPECT_FALSE(outcome.plan->output.summary);
    EXPECT_TRUE(outcome.plan->output.losses_on_stderr);
    EXPECT_EQ(outcome.plan->output.max_delay_ms, 50u);
}

TEST(Options, MaxDelayTakesMillisecondsUpToASecond) {
    auto outcome = parse({"--max-delay", "0"});
    ASSERT_TRUE(outcome.plan) << outcome.message;
    EXPECT_EQ(outcome.plan->output.max_delay_ms, 0u);
    auto longest = parse({"--max-delay=1000"});
    ASSERT_TRUE(longest.plan) << longest.message;
    EXPECT_EQ(longest.plan->output.max_delay_ms, 1000u);
    for (const char* bad : {"1001", "-1", "5ms", ""}) {
        auto outcome_bad = parse({"--max-delay", bad});
        EXPECT_FALSE(outcome_bad.plan) << bad;
        EXPECT_EQ(outcome_bad.exit_status, 2) << bad;
        EXPECT_EQ(outcome_bad.message.rfind("bootstrap: --max-delay: ", 0), 0u) << outcome_bad.message;
    }
}

TEST(Options, DurationAndVerbose) {
    auto outcome = parse({"-d", "250", "-v"});
    ASSERT_TRUE(outcome.plan);
    EXPECT_EQ(outcome.plan->tracer.min_duration_ns, 250'000'000u);
    EXPECT_TRUE(outcome.plan->tracer.verbose);
    auto long_form = parse({"--duration=7", "--verbose"});
    ASSERT_TRUE(long_form.plan);
    EXPECT_EQ(long_form.plan->tracer.min_duration_ns, 7'000'000u);
}

TEST(Options, SizesTakeSuffixes) {
    auto outcome = parse({"--ring-size", "4M", "--max-args-bytes", "64K"});
    ASSERT_TRUE(outcome.plan);
    EXPECT_EQ(outcome.plan->tracer.ring_bytes, 4u * 1024 * 1024);
    EXPECT_EQ(outcome.plan->tracer.max_args_bytes, 64u * 1024);
}

// The rules that give options a meaning together, all decided by plan_run().
TEST(Plan, DurationReportsExitsOnly) {
    auto outcome = parse({"-d", "100"});
    ASSERT_TRUE(outcome.plan);
    EXPECT_FALSE(outcome.plan->tracer.report_execs);
    EXPECT_TRUE(outcome.plan->tracer.report_exits);
}

TEST(Plan, ExecOnlyAndExitOnlyChooseTheRecords) {
    auto execs = parse({"--exec-only"});
    ASSERT_TRUE(execs.plan);
    EXPECT_TRUE(execs.plan->tracer.report_execs);
    EXPECT_FALSE(execs.plan->tracer.report_exits);
    auto exits = parse({"--exit-only"});
    ASSERT_TRUE(exits.plan);
    EXPECT_FALSE(exits.plan->tracer.report_execs);
    EXPECT_TRUE(exits.plan->tracer.report_exits);
}

TEST(Plan, CommandIsTracedWithItsDescendantsAndSummarised) {
    auto outcome = parse({"--", "make", "-j2"});
    ASSERT_TRUE(outcome.plan);
    EXPECT_TRUE(outcome.plan->tracer.trace_tree);
    EXPECT_TRUE(outcome.plan->output.summary);
    EXPECT_EQ(outcome.plan->command, (std::vector<std::string>{"make", "-j2"}));
    auto pid = parse({"-p", "1"});
    ASSERT_TRUE(pid.plan);
    EXPECT_TRUE(pid.plan->tracer.trace_tree);
    EXPECT_FALSE(pid.plan->output.summary);
}

// The process table must hear of every process it holds ending, whatever the filters let through.
TEST(Plan, AncestorsGetTheExitsOfEveryProcessTheTableHolds) {
    auto ancestors = parse({"--ancestors", "-c", "sh"});
    ASSERT_TRUE(ancestors.plan);
    EXPECT_TRUE(ancestors.plan->tracer.report_forks);
    EXPECT_TRUE(ancestors.plan->tracer.exits_of_known);
    auto timeline = parse({"--trace", "t.json", "-c", "sh"});
    ASSERT_TRUE(timeline.plan);
    EXPECT_FALSE(timeline.plan->tracer.exits_of_known);
}

TEST(Plan, JsonReportsLossesAsRecords) {
    auto outcome = parse({"-j"});
    ASSERT_TRUE(outcome.plan);
    EXPECT_TRUE(outcome.plan->output.json);
    EXPECT_FALSE(outcome.plan->output.losses_on_stderr);
}

TEST(Plan, ConflictsNameTheOption) {
    struct Case {
        std::vector<std::string> args;
        std::string reason;
    };
    for (const Case& c : std::vector<Case>{
             {{"-d", "5", "--exec-only"}, "-d/--duration: "},
             {{"--exec-only", "--exit-only"}, "--exec-only: "},
             {{"--run-as", "root"}, "--run-as: "},
             {{"-p", "1", "--", "true"}, "-p/--pid: "},
             {{"--"}, "--: "},
             {{"--ring-size", "64K", "--max-args-bytes", "32K"}, "--ring-size: "},
             {{"--wait"}, "--wait: "},
             {{"--env"}, "--env: "},
             {{"-j", "--context"}, "--context: "},
             {{"--container", "abc", "--cgroup", "/sys/fs/cgroup"}, "--container: "},
             {{"--container", "ABC"}, "--container: "},
             {{"--pidns", "0"}, "--pidns: "},
             {{"--pidns", "x"}, "--pidns: "},
         }) {
        auto outcome = parse(c.args);
        EXPECT_FALSE(outcome.plan);
        EXPECT_EQ(outcome.exit_status, 2);
        EXPECT_EQ(outcome.message.rfind("bootstrap: " + c.reason, 0), 0u) << outcome.message;
    }
}

// The smallest ring holds three of the largest exec record (bpf/events.h): 3 × (256 + 3 × 4096 + argv cap),
// the argv cap twice with --env; the message derives from the same table.
TEST(Plan, RingSizeAtLeastThreeLargestRecords) {
    EXPECT_TRUE(parse({"--ring-size", "64K", "--max-args-bytes", "9301"}).plan);
    auto too_small = parse({"--ring-size", "64K", "--max-args-bytes", "9302"});
    EXPECT_FALSE(too_small.plan);
    EXPECT_EQ(too_small.message.rfind("bootstrap: --ring-size: must be at least three times --max-args-bytes plus "
                                      "37K\n",
                                      0),
              0u)
        << too_small.message;
    EXPECT_TRUE(parse({"-j", "--env", "--ring-size", "64K", "--max-args-bytes", "4650"}).plan);
    auto too_small_env = parse({"-j", "--env", "--ring-size", "64K", "--max-args-bytes", "4651"});
    EXPECT_FALSE(too_small_env.plan);
    EXPECT_EQ(too_small_env.message.rfind(
                  "bootstrap: --ring-size: must be at least six times --max-args-bytes plus 37K\n", 0),
              0u)
        << too_small_env.message;
}

TEST(Plan, ContextOptionsReachTheirLayers) {
    auto outcome = parse(
        {"-j", "--env", "--redact", "X_*", "--redact", "Y", "--redact-args", "--containers", "--pidns", "4026531836"});
    ASSERT_TRUE(outcome.plan) << outcome.message;
    EXPECT_TRUE(outcome.plan->tracer.capture_env);
    EXPECT_EQ(outcome.plan->tracer.pid_namespace, 4026531836u);
    EXPECT_TRUE(outcome.plan->output.env);
    EXPECT_EQ(outcome.plan->output.redact_patterns, (std::vector<std::string>{"X_*", "Y"}));
    EXPECT_TRUE(outcome.plan->output.redact_args);
    EXPECT_TRUE(outcome.plan->output.containers_only);
}

class BadOption : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(BadOption, ExitsTwoWithOneLineReasonAndUsage) {
    auto outcome = parse(GetParam());
    EXPECT_FALSE(outcome.plan);
    EXPECT_EQ(outcome.exit_status, 2);
    // "bootstrap: <reason>\nUsage: ...\nTry ...\n"
    auto first_nl = outcome.message.find('\n');
    ASSERT_NE(first_nl, std::string::npos);
    EXPECT_EQ(outcome.message.rfind("bootstrap: ", 0), 0u) << outcome.message;
    EXPECT_EQ(outcome.message.compare(first_nl + 1, 17, "Usage: bootstrap "), 0) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(Values, BadOption,
                         ::testing::Values(std::vector<std::string>{"-d", "abc"}, std::vector<std::string>{"-d", "-5"},
                                           std::vector<std::string>{"-d", "0"},
                                           std::vector<std::string>{"-d", "99999999999999999999"},
                                           std::vector<std::string>{"-d", "10ms"}, std::vector<std::string>{"-d"},
                                           std::vector<std::string>{"--no-such-flag"},
                                           std::vector<std::string>{"stray"},
                                           std::vector<std::string>{"--ring-size", "1000"},
                                           std::vector<std::string>{"--ring-size", "64K", "--max-args-bytes", "32K"},
                                           std::vector<std::string>{"--max-args-bytes", "2M"}));

TEST(Options, HelpAndVersionExitZero) {
    auto help = parse({"--help"});
    EXPECT_FALSE(help.plan);
    EXPECT_EQ(help.exit_status, 0);
    EXPECT_NE(help.message.find("-d,--duration"), std::string::npos);
    EXPECT_NE(help.message.find("Examples:"), std::string::npos);
    auto version = parse({"-V"});
    EXPECT_EQ(version.exit_status, 0);
    EXPECT_EQ(version.message.rfind("bootstrap ", 0), 0u);
}

// The binary itself: a bad option never gets as far as loading anything, so no root is needed.
TEST(Binary, BadOptionExitsTwoBeforeLoading) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"-d", "abc"}, {"-d", "-5"}, {"-d", "0"}, {"--bogus"}, {"extra"}}) {
        auto result = testing::run_to_completion(args, 5s);
        EXPECT_EQ(result.status, 2) << args[0];
        EXPECT_EQ(result.out, "");
        EXPECT_EQ(result.err.rfind("bootstrap: ", 0), 0u) << result.err;
        EXPECT_NE(result.err.find("\nUsage: bootstrap "), std::string::npos) << result.err;
    }
}

TEST(Binary, HelpGoesToStdoutWithStatusZero) {
    auto result = testing::run_to_completion({"--help"}, 5s);
    EXPECT_EQ(result.status, 0);
    EXPECT_NE(result.out.find("Usage"), std::string::npos);
    EXPECT_EQ(result.err, "");
}

// An unknown --run-as user is bad input like any other: status 2, named, before anything is loaded.
TEST(Binary, UnknownRunAsUserExitsTwoNamingIt) {
    auto result = testing::run_to_completion({"--run-as", "no-such-user-here", "--", "true"}, 5s);
    EXPECT_EQ(result.status, 2);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err.rfind("bootstrap: --run-as: no user named 'no-such-user-here'\nUsage: bootstrap ", 0), 0u)
        << result.err;
}

}  // namespace
}  // namespace bootstrap
