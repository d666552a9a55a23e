#include "cli/options.h"

#include <fmt/format.h>
#include <pwd.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstring>
#include <limits>

#ifndef BOOTSTRAP_VERSION
#define BOOTSTRAP_VERSION "0.0.0"
#endif

namespace bootstrap {

namespace {

constexpr const char* kUsage =
    "Usage: bootstrap [-h] [-V] [-v] [-d MS] [-x] [-a] [-j] [-s] [-p PID] [OPTIONS...] [-- COMMAND [ARGS...]]";
// Past this a duration is a mistake rather than a wish (about 11.5 days), and ms * 1e6 stays far from overflow.
constexpr uint64_t kMaxDurationMs = 1'000'000'000;
// Rotation: a file smaller than a page rotates at nearly every line; more than a thousand files is a
// mistake in the count.
constexpr uint64_t kMinFileBytes = 4096;
constexpr uint64_t kMaxFileBytes = uint64_t{1024} * 1024 * 1024 * 1024;
constexpr uint64_t kMaxRotatedFiles = 1000;
// --cgroup-rate and --cgroup-level: a rate any host could want, and the kernel's cgroup depth in practice.
constexpr uint64_t kMaxCgroupRate = 1000000;
constexpr uint64_t kMaxCgroupLevel = 32;
// Series per metric: Prometheus copes with thousands, but each costs memory on every scraping server.
constexpr uint64_t kMaxCommLimit = 10'000;
// Past a second, a burst's lines would wait longer than anyone watching them would: a mistake.
constexpr uint64_t kMaxDelayMs = 1000;
// The kernel's PID_MAX_LIMIT is 2^22.
constexpr uint64_t kMaxPid = 1u << 22;

constexpr const char* kDescription =
    "Trace every exec() and every process exit on this host, through the scheduler's tracepoints.\n"
    "Each line shows the time, the event, the command name, pid, parent pid, and the file executed\n"
    "or the exit status with the process's lifetime since exec.\n"
    "With -- COMMAND, run COMMAND and trace only it and its descendants; bootstrap then exits with\n"
    "COMMAND's status. COMMAND's output never enters the event stream: when the events go to standard\n"
    "output (a file or pipe), COMMAND's standard output goes to standard error.";

constexpr const char* kExamples =
    "Examples:\n"
    "  sudo bootstrap                     trace all execs and exits\n"
    "  sudo bootstrap -d 100              only processes that lived at least 100 ms (exits only)\n"
    "  sudo bootstrap -x -a               also failed execs; show whole command lines\n"
    "  sudo bootstrap -j -o events.ndjson one JSON object per event, into a file\n"
    "  sudo bootstrap -p 1234             process 1234 and everything it starts\n"
    "  sudo bootstrap --trace build.json -- make -j2\n"
    "                                     trace a build; open build.json in ui.perfetto.dev\n"
    "  sudo bootstrap -j -o /var/log/bootstrap/events.json --max-size 100M --metrics 9469\n"
    "                                     as a service: rotated NDJSON and Prometheus metrics\n"
    "\nNeeds root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y).\n"
    "SIGINT and SIGTERM stop; so does SIGHUP, except that with -o FILE it reopens FILE (logrotate).\n"
    "Exit status: 0 when stopped by SIGINT/SIGTERM, COMMAND's status in command mode, 1 on errors,\n"
    "2 on bad options.";

// Option values as CLI11 hands them over, before each is converted and checked.
struct RawValues {
    std::string duration, ring, args, pid, ppid, uid, comm, time, cgroup, output, trace, run_as, pidns, container;
    std::string metrics, comm_limit, max_size, max_files, max_delay, cgroup_rate, cgroup_level;
    bool summary = false;
};

std::optional<uint64_t> parse_unsigned(const std::string& text) {
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

// "4096", "256K", "1M", "2G" -> bytes, at most `max`.
std::optional<uint64_t> parse_size(std::string text, uint64_t max = std::numeric_limits<uint32_t>::max()) {
    uint64_t scale = 1;
    if (!text.empty()) {
        char unit = text.back();
        if (unit == 'K' || unit == 'k') scale = 1024;
        if (unit == 'M' || unit == 'm') scale = uint64_t{1024} * 1024;
        if (unit == 'G' || unit == 'g') scale = uint64_t{1024} * 1024 * 1024;
        if (scale != 1) text.pop_back();
    }
    auto value = parse_unsigned(text);
    if (!value || *value > max / scale) return std::nullopt;
    return *value * scale;
}

std::string size_text(uint64_t bytes) {
    constexpr uint64_t kMiB = uint64_t{1024} * 1024;
    if (bytes % kMiB == 0) return fmt::format("{}M", bytes / kMiB);
    if (bytes % 1024 == 0) return fmt::format("{}K", bytes / 1024);
    return std::to_string(bytes);
}

uint64_t duration_ms(const std::string& text) {
    const char* option = "-d/--duration";
    auto value = parse_unsigned(text);
    if (!value && !text.empty() && text[0] == '-')
        throw usage_error(option, "must be a positive number of milliseconds, not '" + text + "'");
    if (!value) throw usage_error(option, "'" + text + "' is not a number of milliseconds");
    if (*value == 0) throw usage_error(option, "must be at least 1 ms");
    if (*value > kMaxDurationMs)
        throw usage_error(option, text + " ms is too large (at most " + std::to_string(kMaxDurationMs) + ")");
    return *value;
}

uint32_t ring_size(const std::string& text) {
    auto bytes = parse_size(text);
    if (!bytes) throw usage_error("--ring-size", "'" + text + "' is not a size (examples: 262144, 256K, 4M)");
    bool power_of_two = *bytes && (*bytes & (*bytes - 1)) == 0;
    if (!power_of_two || *bytes < TracerConfig::kMinRingBytes || *bytes > TracerConfig::kMaxRingBytes)
        throw usage_error("--ring-size", "must be a power of two from " + size_text(TracerConfig::kMinRingBytes) +
                                             " to " + size_text(TracerConfig::kMaxRingBytes) + ", not '" + text + "'");
    return static_cast<uint32_t>(*bytes);
}

uint32_t args_bytes(const std::string& text) {
    auto bytes = parse_size(text);
    if (!bytes) throw usage_error("--max-args-bytes", "'" + text + "' is not a size (examples: 4096, 32K)");
    if (*bytes > TracerConfig::kMaxArgsBytes)
        throw usage_error("--max-args-bytes", "at most " + size_text(TracerConfig::kMaxArgsBytes));
    return static_cast<uint32_t>(*bytes);
}

uint32_t pid_value(const char* option, const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value == 0 || *value > kMaxPid) throw usage_error(option, "'" + text + "' is not a process id");
    return static_cast<uint32_t>(*value);
}

// A user name or a numeric uid.
uint32_t uid_value(const std::string& text) {
    if (auto value = parse_unsigned(text)) {
        if (*value >= std::numeric_limits<uint32_t>::max())
            throw usage_error("-u/--uid", "'" + text + "' is not a uid");
        return static_cast<uint32_t>(*value);
    }
    if (const passwd* pw = getpwnam(text.c_str())) return pw->pw_uid;
    throw usage_error("-u/--uid", "no user named '" + text + "'");
}

std::string comm_value(const std::string& text) {
    if (text.empty() || text.size() >= BOOTSTRAP_COMM_LEN)
        throw usage_error("-c/--comm",
                          "a command name has 1 to 15 bytes (the kernel keeps no more), not '" + text + "'");
    return text;
}

uint32_t namespace_inode(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value == 0 || *value > std::numeric_limits<uint32_t>::max())
        throw usage_error("--pidns", "'" + text + "' is not a namespace inode number (see ls -Li /proc/PID/ns/pid)");
    return static_cast<uint32_t>(*value);
}

std::string container_prefix(const std::string& text) {
    bool hex = !text.empty() && text.size() <= 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex)
        throw usage_error("--container", "'" + text + "' is not a container id or a prefix of one (lowercase hex)");
    return text;
}

uint64_t max_file_bytes(const std::string& text) {
    auto bytes = parse_size(text, kMaxFileBytes);
    if (!bytes || *bytes < kMinFileBytes)
        throw usage_error("--max-size", "'" + text + "' is not a size from 4K to 1024G (examples: 64K, 100M, 1G)");
    return *bytes;
}

uint32_t max_files(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value == 0 || *value > kMaxRotatedFiles)
        throw usage_error("--max-files", "'" + text + "' is not a number of files from 1 to 1000");
    return static_cast<uint32_t>(*value);
}

uint32_t cgroup_rate(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value > kMaxCgroupRate)
        throw usage_error("--cgroup-rate", "'" + text +
                                               "' is not a number of records per second from 0 (no limit) to " +
                                               std::to_string(kMaxCgroupRate));
    return static_cast<uint32_t>(*value);
}

uint32_t cgroup_level(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value == 0 || *value > kMaxCgroupLevel)
        throw usage_error("--cgroup-level", "'" + text + "' is not a level of the cgroup tree from 1 to " +
                                                std::to_string(kMaxCgroupLevel));
    return static_cast<uint32_t>(*value);
}

uint32_t max_delay_ms(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value > kMaxDelayMs)
        throw usage_error("--max-delay", "'" + text + "' is not a number of milliseconds from 0 to 1000");
    return static_cast<uint32_t>(*value);
}

uint32_t comm_limit(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value || *value > kMaxCommLimit)
        throw usage_error("--metrics-comm-limit", "'" + text + "' is not a number of names from 0 to 10000");
    return static_cast<uint32_t>(*value);
}

TimeFormat time_format(const std::string& text) {
    if (text == "local") return TimeFormat::Local;
    if (text == "utc") return TimeFormat::Utc;
    if (text == "iso") return TimeFormat::Iso;
    if (text == "rel") return TimeFormat::Relative;
    throw usage_error("-t/--time", "'" + text + "' is not one of local, utc, iso, rel");
}

// The options of a host service: metrics and the rotated output file.
void add_service_options(CLI::App& app, Options& options, RawValues& raw) {
    const char* service = "Service";
    app.add_option("--metrics", raw.metrics,
                   "Serve Prometheus metrics at http://ADDR:PORT/metrics\n(ADDR 127.0.0.1 unless given)")
        ->option_text("[ADDR:]PORT")
        ->group(service);
    app.add_flag("--metrics-only", options.metrics_only, "Write no events: metrics only")->group(service);
    app.add_option("--metrics-comm-limit", raw.comm_limit, "Command names with a series of their own (default 100)")
        ->option_text("N")
        ->group(service);
    app.add_option("--max-size", raw.max_size, "Rotate -o FILE before it grows past SIZE (FILE.1, ...)")
        ->option_text("SIZE")
        ->group(service);
    app.add_option("--max-files", raw.max_files, "Rotated files kept (default 5)")->option_text("N")->group(service);
}

// Isolation: what throttles a cgroup whose records flood the ring buffer (bpf/throttle.h).
void add_isolation_options(CLI::App& app, Options& options, RawValues& raw, const char* capture) {
    app.add_option("--cgroup-rate", raw.cgroup_rate,
                   "At most N records per second from each cgroup (default 0: no limit)")
        ->option_text("N")
        ->group(capture);
    app.add_option("--cgroup-level", raw.cgroup_level,
                   "Throttle and count cgroups at this depth of the tree\n(default " +
                       std::to_string(TracerConfig::kDefaultCgroupLevel) + ": a service, a user's slice, a container)")
        ->option_text("N")
        ->group(capture);
    app.add_flag(
           "--no-isolation", options.no_isolation,
           "Never throttle a cgroup whose records fill the ring buffer\n(the ring then drops from every cgroup alike)")
        ->group(capture);
}

// The option table: names, help and groups. Values land in `raw` (converted by apply_values) or, for
// flags, in `options` directly.
void add_options(CLI::App& app, Options& options, RawValues& raw) {
    const char* capture = "Capture";
    const char* filters = "Filters (in the kernel; all must match)";
    const char* output = "Output";
    const std::string args_default = size_text(TracerConfig::kDefaultArgsBytes);
    const std::string ring_default = size_text(TracerConfig::kDefaultRingBytes);
    app.add_option("-d,--duration", raw.duration, "Report only processes that lived at least MS ms\n(exits only)")
        ->option_text("MS")
        ->group(capture);
    app.add_flag("-x,--failed", options.failed_execs, "Also report execs that failed, with the error")->group(capture);
    app.add_flag("--threads", options.thread_exits, "Also report each thread's exit (TEXIT)")->group(capture);
    app.add_flag("--exec-only", options.exec_only, "Report execs only")->group(capture);
    app.add_flag("--exit-only", options.exit_only, "Report exits only")->group(capture);
    app.add_option("--max-args-bytes", raw.args, "Argument bytes copied per exec (default " + args_default + ")")
        ->option_text("N")
        ->group(capture);
    app.add_option("--ring-size", raw.ring, "Ring buffer size, a power of two (default " + ring_default + ")")
        ->option_text("N")
        ->group(capture);
    add_isolation_options(app, options, raw, capture);

    app.add_option("-p,--pid", raw.pid, "Only this process and its descendants")->option_text("PID")->group(filters);
    app.add_option("--ppid", raw.ppid, "Only processes whose parent is PID")->option_text("PID")->group(filters);
    app.add_option("-c,--comm", raw.comm, "Only processes with this command name")->option_text("NAME")->group(filters);
    app.add_option("-u,--uid", raw.uid, "Only processes of this user (name or uid)")
        ->option_text("USER")
        ->group(filters);
    app.add_option("--cgroup", raw.cgroup, "Only processes in this cgroup v2 directory or below")
        ->option_text("PATH")
        ->group(filters);
    app.add_option("--container", raw.container, "Only processes of the running container whose id starts with ID")
        ->option_text("ID")
        ->group(filters);
    app.add_flag("--containers", options.containers, "Only processes in a container (found in user space)")
        ->group(filters);
    app.add_option("--pidns", raw.pidns, "Only processes in the pid namespace with this inode number")
        ->option_text("INODE")
        ->group(filters);

    app.add_flag("-j,--json", options.json, "One JSON object per line (see docs/json.md)")->group(output);
    app.add_flag("-a,--args", options.show_args, "Show whole command lines on EXEC lines")->group(output);
    app.add_flag("--ancestors", options.ancestors, "Show the chain of processes that started each exec")->group(output);
    app.add_flag("--existing", options.existing, "First report the processes already running (EXIST)")->group(output);
    app.add_flag("--context", options.context, "Show each exec's directory, terminal and login user")->group(output);
    app.add_flag("--env", options.env, "Add each exec's environment to JSON (secret values hidden)")->group(output);
    app.add_option("--redact", options.redact, "Also hide values of names matching PATTERN (repeatable)")
        ->option_text("PATTERN")
        ->group(output);
    app.add_flag("--redact-args", options.redact_args, "Hide secret values in arguments too (--password=...)")
        ->group(output);
    app.add_option("-t,--time", raw.time, "Time as local (default), utc, iso or rel")
        ->option_text("FORMAT")
        ->group(output);
    app.add_flag("-s,--summary", raw.summary, "Print a summary at the end (default in command mode)")->group(output);
    app.add_option("-o,--output", raw.output, "Write events to FILE instead of standard output")
        ->option_text("FILE")
        ->group(output);
    app.add_option("--trace", raw.trace, "Write a Perfetto/Chrome timeline to FILE")
        ->option_text("FILE")
        ->group(output);
    app.add_option("--max-delay", raw.max_delay,
                   "In a burst, write every MS ms rather than at each wake-up\n(default " +
                       std::to_string(OutputPlan::kDefaultMaxDelayMs) + "; 0: as soon as the kernel wakes us)")
        ->option_text("MS")
        ->group(output);
    app.add_flag("-v,--verbose", options.verbose, "Show libbpf's and the verifier's log on stderr")->group(output);
    add_service_options(app, options, raw);
    app.add_option("--run-as", raw.run_as, "Run COMMAND as USER (default: the user who ran sudo)")
        ->option_text("USER")
        ->group("Command mode");
    app.add_flag("--wait", options.wait, "Go on after COMMAND exits until its descendants have too")
        ->group("Command mode");
}

// Converts and checks each value that was given; what they mean together is plan_run()'s.
void apply_values(const CLI::App& app, const RawValues& raw, Options& options) {
    auto given = [&app](const char* name) { return app.count(name) > 0; };
    if (given("--duration")) options.min_duration_ms = duration_ms(raw.duration);
    if (given("--ring-size")) options.ring_bytes = ring_size(raw.ring);
    if (given("--max-args-bytes")) options.max_args_bytes = args_bytes(raw.args);
    if (given("--cgroup-rate")) options.cgroup_rate = cgroup_rate(raw.cgroup_rate);
    if (given("--cgroup-level")) options.cgroup_level = cgroup_level(raw.cgroup_level);
    if (given("--pid")) options.pid = pid_value("-p/--pid", raw.pid);
    if (given("--ppid")) options.ppid = pid_value("--ppid", raw.ppid);
    if (given("--uid")) options.uid = uid_value(raw.uid);
    if (given("--comm")) options.comm = comm_value(raw.comm);
    if (given("--cgroup")) options.cgroup_path = raw.cgroup;
    if (given("--pidns")) options.pid_namespace = namespace_inode(raw.pidns);
    if (given("--container")) options.container = container_prefix(raw.container);
    if (given("--time")) options.time_format = time_format(raw.time);
    if (given("--summary")) options.summary = raw.summary;
    if (given("--output")) options.output_path = raw.output;
    if (given("--trace")) options.trace_path = raw.trace;
    if (given("--run-as")) options.run_as = raw.run_as;
    if (given("--metrics")) options.metrics = parse_metrics_address(raw.metrics);
    if (given("--metrics-comm-limit")) options.metrics_comm_limit = comm_limit(raw.comm_limit);
    if (given("--max-size")) options.max_size = max_file_bytes(raw.max_size);
    if (given("--max-files")) options.max_files = max_files(raw.max_files);
    if (given("--max-delay")) options.max_delay_ms = max_delay_ms(raw.max_delay);
}

std::string usage_text(const std::string& reason) {
    return "bootstrap: " + reason + "\n" + kUsage + "\nTry 'bootstrap --help' for more information.\n";
}

ParseOutcome usage_outcome(const std::string& reason) {
    return {std::nullopt, kExitUsage, usage_text(reason)};
}

}  // namespace

std::string error_message(const Error& error) {
    if (error.is_usage()) return usage_text(error.what());
    std::string message = std::string("bootstrap: ") + error.what() + "\n";
    if (!error.hint().empty()) message += "hint: " + error.hint() + "\n";
    return message;
}

ParseOutcome parse_command_line(int argc, const char* const* argv) {
    // Everything after the first "--" is the command to run, given to CLI11 as nothing at all: a stray
    // word before it is an error, not a command.
    int option_count = argc;
    Options options;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            option_count = i;
            options.command_mode = true;
            options.command.assign(argv + i + 1, argv + argc);
            break;
        }
    }

    CLI::App app{kDescription, "bootstrap"};
    app.footer(kExamples);
    app.set_version_flag("-V,--version", "bootstrap " BOOTSTRAP_VERSION);
    app.get_formatter()->column_width(30);
    RawValues raw;
    add_options(app, options, raw);

    try {
        app.parse(option_count, argv);
        apply_values(app, raw, options);
        return {plan_run(options), 0, {}};
    } catch (const CLI::CallForHelp&) {
        return {std::nullopt, 0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return {std::nullopt, 0, std::string("bootstrap ") + BOOTSTRAP_VERSION + "\n"};
    } catch (const CLI::ExtrasError& e) {
        return usage_outcome(std::string(e.what()) + " (to trace a command, put it after --)");
    } catch (const CLI::ParseError& e) {
        return usage_outcome(e.what());
    } catch (const Error& e) {
        return {std::nullopt, e.status(), error_message(e)};
    }
}

}  // namespace bootstrap
