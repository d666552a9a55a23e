#include "cli/plan.h"

#include "cli/options.h"
#include "util/error.h"

#include <array>
#include <string>

namespace bootstrap {

namespace {

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr uint32_t kDefaultMaxFiles = 5;

// "must be at least three times --max-args-bytes plus 37K": the smallest ring (bpf/events.h) in words.
std::string ring_minimum_text(bool env) {
    constexpr std::array<const char*, 11> kNumbers = {"zero", "one",   "two",   "three", "four", "five",
                                                      "six",  "seven", "eight", "nine",  "ten"};
    const uint64_t fixed = TracerConfig::min_ring_bytes(0, env);
    const uint64_t per_arg_byte = TracerConfig::min_ring_bytes(1, env) - fixed;
    const std::string times = per_arg_byte < kNumbers.size() ? kNumbers[per_arg_byte] : std::to_string(per_arg_byte);
    return "must be at least " + times + " times --max-args-bytes plus " + std::to_string((fixed + 1023) / 1024) + "K";
}

void check_combination(const Options& options, const TracerConfig& tracer) {
    if (options.command_mode && options.command.empty())
        throw usage_error("--", "must be followed by a command to run");
    if (options.wait && options.command.empty())
        throw usage_error("--wait", "needs a command to run: bootstrap --wait -- COMMAND");
    if (options.run_as && options.command.empty())
        throw usage_error("--run-as", "needs a command to run: bootstrap --run-as USER -- COMMAND");
    if (options.pid && !options.command.empty())
        throw usage_error("-p/--pid", "cannot be combined with a command: the command is what is traced");
    if (options.min_duration_ms && options.exec_only)
        throw usage_error("-d/--duration", "reports exits only and cannot be combined with --exec-only");
    if (options.ancestors && (options.exec_only || options.min_duration_ms))
        throw usage_error("--ancestors", "keeps its process table by exit records: not with --exec-only or -d");
    if (options.exec_only && options.exit_only) throw usage_error("--exec-only", "cannot be combined with --exit-only");
    if (options.container && options.cgroup_path)
        throw usage_error("--container", "names a cgroup itself: not with --cgroup");
    if (options.env && !options.json)
        throw usage_error("--env", "adds the environment to JSON records: use it with -j");
    if (options.context && options.json)
        throw usage_error("--context", "is for text lines: JSON records always carry the context");
    if (options.metrics_only && !options.metrics)
        throw usage_error("--metrics-only", "needs --metrics [ADDR:]PORT: the metrics are then the only output");
    if (options.metrics_only && (options.output_path || options.json || options.show_args || options.context ||
                                 options.env || options.summary.value_or(false)))
        throw usage_error("--metrics-only", "writes no events: not with -o, -j, -a, --context, --env or -s");
    if (options.metrics_comm_limit && !options.metrics)
        throw usage_error("--metrics-comm-limit", "applies to --metrics [ADDR:]PORT");
    if (options.max_size && !options.output_path)
        throw usage_error("--max-size", "rotates the file of -o FILE: give one");
    if (options.max_files && !options.max_size)
        throw usage_error("--max-files", "counts the files --max-size rotates: give --max-size too");
    if (tracer.ring_bytes < TracerConfig::min_ring_bytes(tracer.max_args_bytes, tracer.capture_env))
        throw usage_error("--ring-size", ring_minimum_text(tracer.capture_env));
}

TracerConfig tracer_config(const Options& options) {
    TracerConfig tracer;
    tracer.verbose = options.verbose;
    // -d reports how long processes lived, so it reports exits only, as in the original tool.
    tracer.min_duration_ns = options.min_duration_ms * kNsPerMs;
    tracer.report_execs = !options.exit_only && options.min_duration_ms == 0;
    tracer.report_exits = !options.exec_only;
    tracer.failed_execs = options.failed_execs;
    tracer.thread_exits = options.thread_exits;
    tracer.max_args_bytes = options.max_args_bytes.value_or(tracer.max_args_bytes);
    tracer.ring_bytes = options.ring_bytes.value_or(tracer.ring_bytes);
    tracer.isolation = !options.no_isolation;
    tracer.cgroup_rate = options.cgroup_rate;
    tracer.cgroup_level = options.cgroup_level.value_or(tracer.cgroup_level);
    // A command, like -p, is traced with everything it starts, followed from fork on in the kernel.
    tracer.trace_tree = options.pid.has_value() || !options.command.empty();
    tracer.ppid = options.ppid;
    tracer.uid = options.uid;
    tracer.comm = options.comm;
    tracer.pid_namespace = options.pid_namespace;
    tracer.capture_env = options.env;
    // The process table behind --ancestors needs every fork, and so does the timeline, whose tracks nest
    // by fork even for processes that never exec; both need the processes running now.
    tracer.report_forks = options.ancestors || options.trace_path.has_value() || !options.command.empty();
    tracer.list_running = options.ancestors || options.existing;
    tracer.exits_of_known = options.ancestors;
    return tracer;
}

OutputPlan output_plan(const Options& options) {
    OutputPlan output;
    output.json = options.json;
    output.text.show_args = options.show_args;
    output.text.show_context = options.context;
    output.time_format = options.time_format;
    // Command mode answers "what did it do": the summary is on unless -s was turned off.
    output.summary = options.summary.value_or(!options.command.empty());
    output.losses_on_stderr = !options.json;
    output.ancestors = options.ancestors;
    output.existing = options.existing;
    // Which of the command's descendants still live when it exits: forks count as much as execs.
    output.count_live = !options.command.empty();
    output.max_args_bytes = options.max_args_bytes.value_or(TracerConfig::kDefaultArgsBytes);
    output.path = options.output_path;
    output.trace_path = options.trace_path;
    output.env = options.env;
    output.redact_patterns = options.redact;
    output.redact_args = options.redact_args;
    output.containers_only = options.containers;
    output.events = !options.metrics_only;
    output.summary = output.summary && output.events;
    output.metrics = options.metrics;
    output.metrics_comm_limit = options.metrics_comm_limit.value_or(OutputPlan::kDefaultCommLimit);
    output.max_delay_ms = options.max_delay_ms.value_or(OutputPlan::kDefaultMaxDelayMs);
    output.file_limits.max_bytes = options.max_size.value_or(0);
    output.file_limits.max_files = options.max_files.value_or(kDefaultMaxFiles);
    // A service's output (rotated, or beside metrics) rides out a full disk; a command run by hand
    // stops with the error.
    output.file_limits.survive_errors = options.max_size.has_value() || options.metrics.has_value();
    return output;
}

}  // namespace

RunPlan plan_run(const Options& options) {
    RunPlan plan;
    plan.tracer = tracer_config(options);
    check_combination(options, plan.tracer);
    plan.cgroup_path = options.cgroup_path;
    plan.container = options.container;
    plan.follow_pid = options.pid;
    plan.command = options.command;
    if (!plan.command.empty()) plan.command_user = command_credentials(options.run_as);
    plan.wait_for_descendants = options.wait;
    plan.output = output_plan(options);
    plan.output.pair_exits_with_execs = plan.tracer.exits_paired_in_user_space();
    return plan;
}

}  // namespace bootstrap
