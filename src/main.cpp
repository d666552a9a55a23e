// bootstrap: trace process execs and exits with eBPF.
#include "app/run.h"
#include "cli/options.h"
#include "util/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>

namespace {

// Started with stdin, stdout or stderr closed, the first descriptors we open would take their numbers:
// events could be written into a BPF map's descriptor's place, and the light skeleton never closes a
// descriptor 0. Fill them with /dev/null first.
void open_missing_standard_descriptors() {
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        // open() takes the lowest free number, which is fd: the lower ones are open by now.
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF && open("/dev/null", O_RDWR) < 0) return;
    }
}

}  // namespace

int main(int argc, char** argv) {
    open_missing_standard_descriptors();
    bootstrap::ParseOutcome parsed = bootstrap::parse_command_line(argc, argv);
    if (!parsed.plan) {
        std::fputs(parsed.message.c_str(), parsed.exit_status == 0 ? stdout : stderr);
        return parsed.exit_status;
    }
    try {
        return bootstrap::run(*parsed.plan);
    } catch (const bootstrap::Error& e) {
        std::fputs(bootstrap::error_message(e).c_str(), stderr);
        return e.status();
    } catch (const std::exception& e) {
        // A bug, or memory exhausted: nothing the user could have done differently.
        std::fprintf(stderr, "bootstrap: unexpected error: %s\n", e.what());
        return bootstrap::kExitFailure;
    }
}
