// Names for signal and errno numbers, as a user reads them in output: "SIGKILL", "ENOENT".
#pragma once

#include <string>

namespace bootstrap {

std::string signal_name(int signal);
std::string errno_name(int error);

}  // namespace bootstrap
