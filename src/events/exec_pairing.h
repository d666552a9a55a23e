// Each exit paired with the exec record of the image that exited: its lifetime since exec (duration_ns)
// and, when a sink shows it (the summary, the timeline), the command that exec ran (ExitEvent::exec).
// This is the one place an exit meets its exec; the sinks read the result instead of pairing themselves.
//
// The kernel keeps an exec's time itself only when the user side will not see the exec record (exits
// only) or when it filters exits by their lifetime (-d): allocating a task's storage at every exec was a
// third of what the exec program cost. Otherwise the exit is paired here with its exec record, by the
// image the exit names (pid, fork time, exec count), so a reused pid or a second exec never pairs wrongly.
// An exit whose exec record was not read (the exec came before tracing, or its record was lost) keeps no
// duration and no command, as it always had none.
#pragma once

#include "events/event.h"
#include "events/process_key.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <unordered_map>

namespace bootstrap {

class ExecPairing {
public:
    // Whether a process with this pid exists now.
    using PidExists = std::function<bool(uint32_t pid)>;

    // What a command keeps: more than any sink shows (the summary shows a 256-byte filename and 8
    // arguments of 128 bytes, the timeline 1 KiB in all), so each sink's own caps give the bytes they
    // would give on the whole record, and argv_truncated says what either would have cut.
    static constexpr size_t kMaxFilenameBytes = 1024;
    static constexpr size_t kMaxArgBytes = 1024;
    static constexpr size_t kMaxArgvBytes = size_t{16} * 1024;  // the arguments, with a byte for each
    // Commands kept at most (live processes whose exec was read): past it the oldest command is
    // forgotten, its exit then shows none; the time stays.
    static constexpr size_t kMaxCommandsKept = 65536;

    // `keep_commands`: exits carry their exec's command. `exists` tells the processes whose exit records
    // were lost or left out.
    ExecPairing(bool keep_commands, PidExists exists);

    // An exec is remembered; an exit of its image gets its duration (and command) and the exec is forgotten.
    void pair(Event& event);
    // Execs remembered, and how many of them with their command.
    size_t size() const { return execs_.size(); }
    size_t commands_kept() const { return by_age_.size(); }

    // The copy of an exec's command that an exit carries, capped as above.
    static ExecCommand kept_command(const ExecEvent& exec);

private:
    struct Exec {
        uint64_t time_ns = 0;
        std::optional<ExecCommand> command;
        std::list<ImageKey>::iterator age;  // in by_age_, when it has a command
    };
    using Execs = std::unordered_map<ImageKey, Exec, ImageKeyHash>;

    void remember(const ExecEvent& exec);
    void forget(Execs::iterator found);
    // An exit that never comes (its record lost, or filtered out while the exec was not: a process that
    // changed its user or its name) would leave its exec here: once the table has doubled since the last
    // look, the processes that no longer exist are forgotten.
    void forget_ended();

    static constexpr size_t kFirstSweep = 4096;
    bool keep_commands_;
    PidExists exists_;
    Execs execs_;
    std::list<ImageKey> by_age_;  // the execs that kept a command, oldest first
    size_t sweep_at_ = kFirstSweep;
};

}  // namespace bootstrap
