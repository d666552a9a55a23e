#include "cli/options.h"

#include <linux/types.h>
#include <pwd.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstring>
#include <limits>

extern "C" {
#include "events.h"
}

#ifndef BOOTSTRAP_VERSION
#define BOOTSTRAP_VERSION "0.0.0"
#endif

namespace bootstrap {

namespace {

constexpr const char* kUsage =
    "Usage: bootstrap [-h] [-V] [-v] [-d MS] [-x] [-a] [-j] [-s] [-p PID] [OPTIONS...] [-- COMMAND [ARGS...]]";
// Past this a duration is a mistake rather than a wish (about 11.5 days), and ms * 1e6 stays far from overflow.
constexpr uint64_t kMaxDurationMs = 1'000'000'000;

constexpr const char* kDescription =
    "Trace every exec() and every process exit on this host, through the scheduler's tracepoints.\n"
    "Each line shows the time, the event, the command name, pid, parent pid, and the file executed\n"
    "or the exit status with the process's lifetime since exec.\n"
    "With -- COMMAND, run COMMAND and trace only it and its descendants; bootstrap then exits with\n"
    "COMMAND's status.";

constexpr const char* kExamples =
    "Examples:\n"
    "  sudo bootstrap                     trace all execs and exits\n"
    "  sudo bootstrap -d 100              only processes that lived at least 100 ms (exits only)\n"
    "  sudo bootstrap -x -a               also failed execs; show whole command lines\n"
    "  sudo bootstrap -j -o events.ndjson one JSON object per event, into a file\n"
    "  sudo bootstrap -p 1234             process 1234 and everything it starts\n"
    "  sudo bootstrap --trace build.json -- make -j2\n"
    "                                     trace a build; open build.json in ui.perfetto.dev\n"
    "\nNeeds root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y).\n"
    "Exit status: 0 when stopped by SIGINT/SIGTERM, COMMAND's status in command mode, 1 on errors,\n"
    "2 on bad options.";

struct UsageError {
    std::string reason;
};

std::optional<uint64_t> parse_unsigned(const std::string& text) {
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

// "4096", "256K", "1M" -> bytes.
std::optional<uint64_t> parse_size(std::string text) {
    uint64_t scale = 1;
    if (!text.empty()) {
        char unit = text.back();
        if (unit == 'K' || unit == 'k') scale = 1024;
        if (unit == 'M' || unit == 'm') scale = 1024 * 1024;
        if (scale != 1) text.pop_back();
    }
    auto value = parse_unsigned(text);
    if (!value || *value > std::numeric_limits<uint32_t>::max() / scale) return std::nullopt;
    return *value * scale;
}

uint64_t duration_ms(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value) {
        bool negative = !text.empty() && text[0] == '-';
        throw UsageError{negative ? "-d/--duration must be a positive number of milliseconds, not '" + text + "'"
                                  : "-d/--duration: '" + text + "' is not a number of milliseconds"};
    }
    if (*value == 0) throw UsageError{"-d/--duration must be at least 1 ms"};
    if (*value > kMaxDurationMs)
        throw UsageError{"-d/--duration: " + text + " ms is too large (at most " + std::to_string(kMaxDurationMs) +
                         ")"};
    return *value;
}

uint32_t ring_size(const std::string& text) {
    auto bytes = parse_size(text);
    if (!bytes) throw UsageError{"--ring-size: '" + text + "' is not a size (examples: 262144, 256K, 4M)"};
    bool power_of_two = *bytes && (*bytes & (*bytes - 1)) == 0;
    if (!power_of_two || *bytes < 64 * 1024 || *bytes > 1024u * 1024 * 1024)
        throw UsageError{"--ring-size must be a power of two from 64K to 1024M, not '" + text + "'"};
    return static_cast<uint32_t>(*bytes);
}

uint32_t args_bytes(const std::string& text) {
    auto bytes = parse_size(text);
    if (!bytes) throw UsageError{"--max-args-bytes: '" + text + "' is not a size (examples: 4096, 32K)"};
    if (*bytes > BOOTSTRAP_ARGS_CEILING)
        throw UsageError{"--max-args-bytes: at most " + std::to_string(BOOTSTRAP_ARGS_CEILING / 1024) + "K"};
    return static_cast<uint32_t>(*bytes);
}

uint32_t pid_value(const std::string& option, const std::string& text) {
    auto value = parse_unsigned(text);
    // The kernel's PID_MAX_LIMIT is 2^22.
    if (!value || *value == 0 || *value > (1u << 22)) throw UsageError{option + ": '" + text + "' is not a process id"};
    return static_cast<uint32_t>(*value);
}

// A user name or a numeric uid.
uint32_t uid_value(const std::string& text) {
    if (auto value = parse_unsigned(text)) {
        if (*value >= std::numeric_limits<uint32_t>::max()) throw UsageError{"-u/--uid: '" + text + "' is not a uid"};
        return static_cast<uint32_t>(*value);
    }
    if (const passwd* pw = getpwnam(text.c_str())) return pw->pw_uid;
    throw UsageError{"-u/--uid: no user named '" + text + "'"};
}

std::string comm_value(const std::string& text) {
    if (text.empty() || text.size() >= BOOTSTRAP_COMM_LEN)
        throw UsageError{"-c/--comm: a command name has 1 to 15 bytes (the kernel keeps no more), not '" + text + "'"};
    return text;
}

TimeFormat time_format(const std::string& text) {
    if (text == "local") return TimeFormat::Local;
    if (text == "utc") return TimeFormat::Utc;
    if (text == "iso") return TimeFormat::Iso;
    if (text == "rel") return TimeFormat::Relative;
    throw UsageError{"-t/--time: '" + text + "' is not one of local, utc, iso, rel"};
}

ParseOutcome usage_error(const std::string& reason) {
    return {std::nullopt, 2, usage_message(reason)};
}

}  // namespace

std::string usage_message(const std::string& reason) {
    return "bootstrap: " + reason + "\n" + kUsage + "\nTry 'bootstrap --help' for more information.\n";
}

ParseOutcome parse_command_line(int argc, const char* const* argv) {
    // Everything after the first "--" is the command to run, given to CLI11 as nothing at all: a stray
    // word before it is an error, not a command.
    int option_count = argc;
    Options options;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            option_count = i;
            options.command.assign(argv + i + 1, argv + argc);
            break;
        }
    }

    CLI::App app{kDescription, "bootstrap"};
    app.footer(kExamples);
    app.set_version_flag("-V,--version", "bootstrap " BOOTSTRAP_VERSION);
    app.get_formatter()->column_width(30);

    std::string duration_text, ring_text, args_text, pid_text, ppid_text, uid_text, comm_text, time_text;
    std::string cgroup_text, output_text, trace_text, run_as_text;
    bool summary_flag = false;

    auto* capture = "Capture";
    auto* filters = "Filters (in the kernel; all must match)";
    auto* output = "Output";
    app.add_option("-d,--duration", duration_text, "Report only processes that lived at least MS ms\n(exits only)")
        ->option_text("MS")
        ->group(capture);
    app.add_flag("-x,--failed", options.failed_execs, "Also report execs that failed, with the error")->group(capture);
    app.add_flag("--threads", options.thread_exits, "Also report each thread's exit (TEXIT)")->group(capture);
    auto* exec_only = app.add_flag("--exec-only", options.exec_only, "Report execs only")->group(capture);
    app.add_flag("--exit-only", options.exit_only, "Report exits only")->group(capture)->excludes(exec_only);
    app.add_option("--max-args-bytes", args_text, "Argument bytes copied per exec (default 32K)")
        ->option_text("N")
        ->group(capture);
    app.add_option("--ring-size", ring_text, "Ring buffer size, a power of two (default 1M)")
        ->option_text("N")
        ->group(capture);

    app.add_option("-p,--pid", pid_text, "Only this process and its descendants")->option_text("PID")->group(filters);
    app.add_option("--ppid", ppid_text, "Only processes whose parent is PID")->option_text("PID")->group(filters);
    app.add_option("-c,--comm", comm_text, "Only processes with this command name")
        ->option_text("NAME")
        ->group(filters);
    app.add_option("-u,--uid", uid_text, "Only processes of this user (name or uid)")
        ->option_text("USER")
        ->group(filters);
    app.add_option("--cgroup", cgroup_text, "Only processes in this cgroup v2 directory or below")
        ->option_text("PATH")
        ->group(filters);

    app.add_flag("-j,--json", options.json, "One JSON object per line (see docs/json.md)")->group(output);
    app.add_flag("-a,--args", options.show_args, "Show whole command lines on EXEC lines")->group(output);
    app.add_option("-t,--time", time_text, "Time as local (default), utc, iso or rel")
        ->option_text("FORMAT")
        ->group(output);
    app.add_flag("-s,--summary", summary_flag, "Print a summary at the end (default in command mode)")->group(output);
    app.add_option("-o,--output", output_text, "Write events to FILE instead of standard output")
        ->option_text("FILE")
        ->group(output);
    app.add_option("--trace", trace_text, "Write a Perfetto/Chrome timeline to FILE")
        ->option_text("FILE")
        ->group(output);
    app.add_flag("-v,--verbose", options.verbose, "Load through libbpf and show its debug output on stderr")
        ->group(output);
    app.add_option("--run-as", run_as_text, "Run COMMAND as USER (default: the user who ran sudo)")
        ->option_text("USER")
        ->group("Command mode");

    try {
        app.parse(option_count, argv);
        if (app.count("--duration")) options.min_duration_ms = duration_ms(duration_text);
        if (app.count("--ring-size")) options.ring_bytes = ring_size(ring_text);
        if (app.count("--max-args-bytes")) options.max_args_bytes = args_bytes(args_text);
        if (app.count("--pid")) options.pid = pid_value("-p/--pid", pid_text);
        if (app.count("--ppid")) options.ppid = pid_value("--ppid", ppid_text);
        if (app.count("--uid")) options.uid = uid_value(uid_text);
        if (app.count("--comm")) options.comm = comm_value(comm_text);
        if (app.count("--cgroup")) options.cgroup_path = cgroup_text;
        if (app.count("--time")) options.time_format = time_format(time_text);
        if (app.count("--summary")) options.summary = summary_flag;
        if (app.count("--output")) options.output_path = output_text;
        if (app.count("--trace")) options.trace_path = trace_text;
        if (app.count("--run-as")) options.run_as = run_as_text;

        if (option_count < argc && options.command.empty())
            throw UsageError{"'--' must be followed by a command to run"};
        if (options.run_as && options.command.empty())
            throw UsageError{"--run-as needs a command to run: bootstrap --run-as USER -- COMMAND"};
        if (options.pid && !options.command.empty())
            throw UsageError{"-p/--pid and a command cannot be combined: the command is what is traced"};
        if (options.min_duration_ms && options.exec_only)
            throw UsageError{"-d/--duration reports exits only and cannot be combined with --exec-only"};
        // A record (header, a PATH_MAX filename and the argv cap) must fit the ring several times over.
        uint64_t largest_record = 128 + BOOTSTRAP_FILENAME_MAX + uint64_t{options.max_args_bytes};
        if (largest_record * 4 > options.ring_bytes)
            throw UsageError{"--ring-size must be at least four times --max-args-bytes plus 4K"};
    } catch (const CLI::CallForHelp&) {
        return {std::nullopt, 0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return {std::nullopt, 0, std::string("bootstrap ") + BOOTSTRAP_VERSION + "\n"};
    } catch (const CLI::ExtrasError& e) {
        return usage_error(std::string(e.what()) + " (to trace a command, put it after --)");
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    } catch (const UsageError& e) {
        return usage_error(e.reason);
    }
    return {options, 0, {}};
}

}  // namespace bootstrap
