// Exec storm: N short-lived children in all, spread over P workers that each posix_spawn one child and
// wait for it before the next. Every child is one exec and one exit for the tracers to report.
//
// Usage: storm N [WORKERS [EXIT_STATUS]]     (defaults: 2 workers, status 0)
// The child is $STORM_CHILD, or `stormchild` next to this program. Its path comes from the environment,
// not the command line, so that a tracer printing arguments (execsnoop) never shows the child's name in
// the storm's own exec line: each output line naming the child is then one of the storm's events.
// Prints "execs=N failed=F seconds=S rate=R"; exits 1 when a child failed to spawn or exited otherwise.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

std::string child_path() {
    if (const char* env = std::getenv("STORM_CHILD"); env && *env) return env;
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return (self.parent_path() / "stormchild").string();
}

long parse(const char* text, long min, long max, const char* what) {
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > max) {
        std::fprintf(stderr, "storm: bad %s '%s' (%ld..%ld)\n", what, text, min, max);
        std::exit(2);
    }
    return value;
}

struct Worker {
    long count = 0;   // children to run
    long failed = 0;  // children that did not spawn or did not exit with the expected status
    int spawn_error = 0;
};

// One child after another: a worker never has more than one child alive, so P bounds the parallelism.
void run_worker(Worker& worker, const std::string& path, std::string status_arg, int status) {
    std::string name = std::filesystem::path(path).filename().string();
    char* argv[] = {name.data(), status_arg.data(), nullptr};
    for (long i = 0; i < worker.count; ++i) {
        pid_t pid = 0;
        if (int err = posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ)) {
            worker.spawn_error = err;  // the same error would repeat N times: stop here
            worker.failed += worker.count - i;
            return;
        }
        int wstatus = 0;
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != status) ++worker.failed;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: storm N [WORKERS [EXIT_STATUS]]   (child: $STORM_CHILD or ./stormchild)\n");
        return 2;
    }
    long total = parse(argv[1], 1, 100'000'000, "N");
    long workers = argc > 2 ? parse(argv[2], 1, 1024, "WORKERS") : 2;
    int status = argc > 3 ? static_cast<int>(parse(argv[3], 0, 255, "EXIT_STATUS")) : 0;
    std::string path = child_path();

    std::vector<Worker> work(static_cast<size_t>(workers));
    for (long w = 0; w < workers; ++w) work[static_cast<size_t>(w)].count = total / workers + (w < total % workers);

    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (auto& worker : work) threads.emplace_back(run_worker, std::ref(worker), path, std::to_string(status), status);
    for (auto& thread : threads) thread.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    long failed = 0;
    for (const auto& worker : work) {
        failed += worker.failed;
        if (worker.spawn_error)
            std::fprintf(stderr, "storm: cannot spawn %s: %s\n", path.c_str(), std::strerror(worker.spawn_error));
    }
    std::printf("execs=%ld failed=%ld seconds=%.3f rate=%.0f\n", total - failed, failed, seconds,
                static_cast<double>(total - failed) / seconds);
    return failed ? 1 : 0;
}
