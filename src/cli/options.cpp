#include "cli/options.h"

#include <CLI/CLI.hpp>
#include <linux/types.h>

#include <charconv>
#include <limits>

extern "C" {
#include "events.h"
}

#ifndef BOOTSTRAP_VERSION
#define BOOTSTRAP_VERSION "0.0.0"
#endif

namespace bootstrap {

namespace {

constexpr const char* kUsage = "Usage: bootstrap [-h] [-V] [-v] [-d MS] [-x] [--threads] [--max-args-bytes N] [--ring-size N]";
// Past this a duration is a mistake rather than a wish (about 11.5 days), and ms * 1e6 stays far from overflow.
constexpr uint64_t kMaxDurationMs = 1'000'000'000;

constexpr const char* kDescription =
    "Trace every exec() and every process exit on this host, through the scheduler's tracepoints.\n"
    "Each line shows the time, the event, the command name, pid, parent pid, and the file executed\n"
    "or the exit status with the process's lifetime since exec.";

constexpr const char* kExamples =
    "Examples:\n"
    "  sudo bootstrap              trace all execs and exits\n"
    "  sudo bootstrap -d 100       only processes that lived at least 100 ms (exits only)\n"
    "  sudo bootstrap -x           also report execs that failed (ENOENT, EACCES, ...)\n"
    "  sudo bootstrap -v           show libbpf's debug log while loading\n"
    "\nNeeds root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y).";

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

struct UsageError {
    std::string reason;
};

uint64_t duration_ms(const std::string& text) {
    auto value = parse_unsigned(text);
    if (!value) {
        bool negative = !text.empty() && text[0] == '-';
        throw UsageError{negative ? "-d/--duration must be a positive number of milliseconds, not '" + text + "'"
                                  : "-d/--duration: '" + text + "' is not a number of milliseconds"};
    }
    if (*value == 0) throw UsageError{"-d/--duration must be at least 1 ms"};
    if (*value > kMaxDurationMs)
        throw UsageError{"-d/--duration: " + text + " ms is too large (at most " + std::to_string(kMaxDurationMs) + ")"};
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

ParseOutcome usage_error(const std::string& reason) {
    return {std::nullopt, 2, "bootstrap: " + reason + "\n" + kUsage + "\nTry 'bootstrap --help' for more information.\n"};
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
    CLI::App app{kDescription, "bootstrap"};
    app.footer(kExamples);
    app.set_version_flag("-V,--version", "bootstrap " BOOTSTRAP_VERSION);
    app.get_formatter()->column_width(28);

    std::string duration_text, ring_text, args_text;
    Options options;
    app.add_flag("-v,--verbose", options.verbose, "Show libbpf's debug output on stderr");
    app.add_option("-d,--duration", duration_text, "Report only processes that lived at least MS milliseconds\n(exits only)")
        ->option_text("MS");
    app.add_flag("-x,--failed", options.failed_execs, "Also report execs that failed, with the error");
    app.add_flag("--threads", options.thread_exits, "Also report each thread's exit (TEXIT)");
    app.add_option("--max-args-bytes", args_text, "Argument bytes copied per exec (default 32K)")->option_text("N");
    app.add_option("--ring-size", ring_text, "Ring buffer size, a power of two (default 1M)")->option_text("N");

    try {
        app.parse(argc, argv);
        if (!duration_text.empty() || app.count("--duration")) options.min_duration_ms = duration_ms(duration_text);
        if (!ring_text.empty() || app.count("--ring-size")) options.ring_bytes = ring_size(ring_text);
        if (!args_text.empty() || app.count("--max-args-bytes")) options.max_args_bytes = args_bytes(args_text);
        // A record (header, a PATH_MAX filename and the argv cap) must fit the ring several times over.
        uint64_t largest_record = 128 + BOOTSTRAP_FILENAME_MAX + uint64_t{options.max_args_bytes};
        if (largest_record * 4 > options.ring_bytes)
            throw UsageError{"--ring-size must be at least four times --max-args-bytes plus 4K"};
    } catch (const CLI::CallForHelp&) {
        return {std::nullopt, 0, app.help()};
    } catch (const CLI::CallForVersion&) {
        return {std::nullopt, 0, std::string("bootstrap ") + BOOTSTRAP_VERSION + "\n"};
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    } catch (const UsageError& e) {
        return usage_error(e.reason);
    }
    return {options, 0, {}};
}

}  // namespace bootstrap
