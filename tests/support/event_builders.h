// Hand-built events for unit tests of the sinks.
#pragma once

#include "events/event.h"

#include <optional>
#include <string>
#include <vector>

namespace bootstrap::testing {

inline ProcessInfo proc(uint32_t pid, uint32_t ppid, std::string comm, uint64_t time_ns) {
    ProcessInfo p;
    p.time_ns = time_ns;
    p.pid = pid;
    p.tid = pid;
    p.ppid = ppid;
    p.comm = std::move(comm);
    p.image.pid = pid;
    return p;
}

inline ExecEvent exec(uint32_t pid, uint32_t ppid, std::string comm, uint64_t time_ns, std::string filename,
                      std::vector<std::string> argv) {
    ExecEvent e;
    e.proc = proc(pid, ppid, std::move(comm), time_ns);
    e.old_pid = pid;
    e.filename = std::move(filename);
    e.argv = std::move(argv);
    return e;
}

}  // namespace bootstrap::testing
