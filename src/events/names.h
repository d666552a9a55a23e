// Names for signal and errno numbers, as a user reads them in output: "SIGKILL", "ENOENT".
#pragma once

#include "events/event.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bootstrap {

std::string signal_name(int signal);
std::string errno_name(int error);
// A terminal's name from its device number (major << 20 | minor): "pts/3", "tty1", "ttyS0"; "MAJ:MIN"
// for a kind without a fixed name.
std::string tty_name(uint32_t device);
// The names of what an exec raised, in a fixed order: "setuid", "setgid", "file_caps".
std::vector<std::string> privileges_raised(const ExecContext& context);
// The names of the set-id bits that lowered a root process's privileges: "setuid", "setgid".
std::vector<std::string> privileges_lowered(const ExecContext& context);

}  // namespace bootstrap
