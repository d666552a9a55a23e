// Start-up probe: execs a marker program every millisecond and watches a tracer's output file for its name,
// checking every 100 µs, so that the time until a tracer reports its first event is measured to about a
// millisecond rather than to the period of a shell loop.
//
// Usage: await_marker FILE MARKER TRACER_PID TIMEOUT_S
// Exits 0 once FILE contains the basename of MARKER as a whole word (what `grep -w` matches); 1 when
// TRACER_PID has died or TIMEOUT_S seconds have passed; 2 on bad usage.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

extern char** environ;

namespace {

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool contains_word(const std::string& text, const std::string& word) {
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        bool starts = at == 0 || !is_word_char(text[at - 1]);
        size_t end = at + word.size();
        if (starts && (end == text.size() || !is_word_char(text[end]))) return true;
    }
    return false;
}

bool file_has_word(const char* path, const std::string& word) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return contains_word(text, word);
}

void run_marker(const char* path) {
    char* argv[] = {const_cast<char*>(path), const_cast<char*>("0"), nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, path, nullptr, nullptr, argv, environ) == 0) waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: await_marker FILE MARKER TRACER_PID TIMEOUT_S\n");
        return 2;
    }
    const char* file = argv[1];
    const char* marker = argv[2];
    const pid_t tracer = static_cast<pid_t>(std::atoi(argv[3]));
    const std::string name = std::string(marker).substr(std::string(marker).rfind('/') + 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[4]));

    using namespace std::chrono_literals;
    while (std::chrono::steady_clock::now() < deadline && kill(tracer, 0) == 0) {
        run_marker(marker);
        for (int check = 0; check < 10; ++check) {
            if (file_has_word(file, name)) return 0;
            std::this_thread::sleep_for(100us);
        }
    }
    return 1;
}
