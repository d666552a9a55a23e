// parse_command_line on arbitrary argument vectors: the input split on NUL bytes, after argv[0]. Whatever
// the arguments, the outcome is options to run with, or a message and status 0 (help) or 2 (usage error).
#include "cli/options.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> args{"bootstrap"};
    while (!input.empty()) {  // an empty input is no arguments; "a\0" is "a" and an empty one
        size_t nul = input.find('\0');
        args.emplace_back(input.substr(0, nul));
        if (nul == std::string_view::npos) break;
        input.remove_prefix(nul + 1);
        if (input.empty()) args.emplace_back();
    }
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    argv.push_back(nullptr);  // as the kernel passes it

    bootstrap::ParseOutcome outcome = bootstrap::parse_command_line(static_cast<int>(args.size()), argv.data());
    if (outcome.plan) {
        if (outcome.exit_status != 0) std::abort();
    } else {
        if (outcome.exit_status != 0 && outcome.exit_status != 2) std::abort();
        if (outcome.message.empty()) std::abort();
        // A usage error is one line of reason, then the usage: it starts with our name.
        if (outcome.exit_status == 2 && outcome.message.rfind("bootstrap: ", 0) != 0) std::abort();
    }
    return 0;
}
