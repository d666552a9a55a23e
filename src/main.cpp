// bootstrap: trace process execs and exits with eBPF.
#include "app.h"
#include "bpf/setup_error.h"
#include "cli/options.h"
#include "output/writer.h"
#include "proc/command.h"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    bootstrap::ParseOutcome parsed = bootstrap::parse_command_line(argc, argv);
    if (!parsed.options) {
        std::fputs(parsed.message.c_str(), parsed.exit_status == 0 ? stdout : stderr);
        return parsed.exit_status;
    }
    try {
        return bootstrap::run(*parsed.options);
    } catch (const bootstrap::OptionValueError& e) {
        std::fputs(bootstrap::usage_message(e.what()).c_str(), stderr);
        return 2;
    } catch (const bootstrap::CommandError& e) {
        std::fprintf(stderr, "bootstrap: %s\n", e.what());
        return e.status();
    } catch (const bootstrap::SetupError& e) {
        std::fprintf(stderr, "bootstrap: %s\n", e.what());
        if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
    } catch (const bootstrap::OutputError& e) {
        std::fprintf(stderr, "bootstrap: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bootstrap: unexpected error: %s\n", e.what());
    }
    return 1;
}
