#include "events/exec_pairing.h"

#include <algorithm>
#include <utility>

namespace bootstrap {

namespace {

std::string cut(const std::string& text, size_t max_bytes, bool& truncated) {
    if (text.size() <= max_bytes) return text;
    truncated = true;
    return text.substr(0, max_bytes);
}

}  // namespace

ExecPairing::ExecPairing(bool keep_commands, PidExists exists)
    : keep_commands_(keep_commands), exists_(std::move(exists)) {}

ExecCommand ExecPairing::kept_command(const ExecEvent& exec) {
    ExecCommand command;
    command.argv_truncated = exec.argv_truncated;
    command.filename = cut(exec.filename, kMaxFilenameBytes, command.argv_truncated);
    size_t budget = kMaxArgvBytes;
    for (const std::string& arg : exec.argv) {
        if (budget == 0) {
            command.argv_truncated = true;
            break;
        }
        --budget;
        command.argv.push_back(cut(arg, std::min(kMaxArgBytes, budget), command.argv_truncated));
        budget -= command.argv.back().size();
    }
    return command;
}

void ExecPairing::forget(Execs::iterator found) {
    if (found->second.command) by_age_.erase(found->second.age);
    execs_.erase(found);
}

void ExecPairing::remember(const ExecEvent& exec) {
    const ImageKey& image = exec.proc.image;
    // The image this exec left (the kernel counts one more per exec) can no longer exit.
    if (image.exec_seq > 0)
        if (auto left = execs_.find(ImageKey{image.pid, image.start_time_ns, image.exec_seq - 1}); left != execs_.end())
            forget(left);
    if (auto again = execs_.find(image); again != execs_.end()) forget(again);
    Exec& entry = execs_[image];
    entry.time_ns = exec.proc.time_ns;
    if (keep_commands_) {
        if (by_age_.size() >= kMaxCommandsKept) {
            execs_.at(by_age_.front()).command.reset();
            by_age_.pop_front();
        }
        entry.command = kept_command(exec);
        entry.age = by_age_.insert(by_age_.end(), image);
    }
    if (execs_.size() >= sweep_at_) forget_ended();
}

void ExecPairing::pair(Event& event) {
    if (const auto* exec = std::get_if<ExecEvent>(&event)) {
        remember(*exec);
        return;
    }
    auto* exit = std::get_if<ExitEvent>(&event);
    if (!exit || exit->thread_only) return;
    auto found = execs_.find(exit->proc.image);
    if (found == execs_.end()) return;
    Exec& exec = found->second;
    if (!exit->duration_ns && exit->proc.time_ns >= exec.time_ns) exit->duration_ns = exit->proc.time_ns - exec.time_ns;
    if (exec.command) exit->exec = std::move(*exec.command);  // still engaged: forget() finds its age
    forget(found);
}

void ExecPairing::forget_ended() {
    for (auto it = execs_.begin(); it != execs_.end();) {
        auto next = std::next(it);
        if (!exists_(it->first.pid)) forget(it);
        it = next;
    }
    sweep_at_ = std::max(kFirstSweep, 2 * execs_.size());
}

}  // namespace bootstrap
