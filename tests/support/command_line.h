// parse_command_line() as main() calls it, from the arguments after the program's name.
#pragma once

#include "cli/options.h"

#include <string>
#include <vector>

namespace bootstrap::testing {

inline ParseOutcome parse(std::vector<std::string> args) {
    args.insert(args.begin(), "bootstrap");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace bootstrap::testing
