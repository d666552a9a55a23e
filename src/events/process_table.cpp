#include "events/process_table.h"

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <type_traits>
#include <utility>

namespace bootstrap {

namespace {

std::string capped(const std::string& text, size_t max_bytes) {
    return text.substr(0, max_bytes);
}

}  // namespace

ProcessTable::ProcessTable(PidExists exists) : exists_(std::move(exists)) {}

bool ProcessTable::pid_exists(uint32_t pid) {
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

ProcessTable::Entry& ProcessTable::enter(const ProcessInfo& proc) {
    if (entries_.size() >= sweep_at_) forget_ended();
    auto [found, added] = entries_.try_emplace(key_of(proc.image));
    Entry& entry = found->second;
    entry.comm = proc.comm;
    if (!added) return entry;
    entry.image = proc.image;
    if (proc.parent_image) entry.parent = key_of(*proc.parent_image);
    link(entry);
    return entry;
}

void ProcessTable::link(Entry& entry) {
    if (entry.parent_linked || !entry.parent) return;
    auto parent = entries_.find(*entry.parent);
    if (parent == entries_.end()) return;
    ++parent->second.children;
    entry.parent_linked = true;
}

void ProcessTable::link_parents() {
    for (auto& [key, entry] : entries_) link(entry);
}

void ProcessTable::end(const ProcessInfo& proc) {
    auto found = entries_.find(key_of(proc.image));
    if (found == entries_.end()) return;
    found->second.alive = false;
    release(found->first);
}

// Removes a process that has exited once nothing links to it, then its parent if that was its last link.
void ProcessTable::release(Key key) {
    for (;;) {
        auto found = entries_.find(key);
        if (found == entries_.end() || found->second.alive || found->second.children > 0) return;
        std::optional<Key> parent = found->second.parent_linked ? found->second.parent : std::nullopt;
        entries_.erase(found);
        if (!parent) return;
        auto parent_entry = entries_.find(*parent);
        if (parent_entry == entries_.end()) return;
        --parent_entry->second.children;
        key = *parent;
    }
}

// The kernel delivers the exit of every process a record named, but a full ring buffer loses records:
// a process whose exit was lost is found gone here (its pid no longer exists; one reused keeps it for
// now). Looked at once the table has doubled since the last look, so the cost per entry stays constant.
void ProcessTable::forget_ended() {
    std::vector<Key> ended;
    for (const auto& [key, entry] : entries_)
        if (entry.alive && !exists_(key.pid)) ended.push_back(key);
    for (Key key : ended) {
        entries_.at(key).alive = false;
        release(key);
    }
    sweep_at_ = std::max(kFirstSweep, 2 * entries_.size());
}

void ProcessTable::update(const Event& event) {
    std::visit(
        [this](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, ExecEvent>) {
                Entry& entry = enter(e.proc);
                entry.image = e.proc.image;
                entry.filename = capped(e.filename, kMaxFilenameBytes);
            } else if constexpr (std::is_same_v<T, ExistingEvent>) {
                Entry& entry = enter(e.proc);
                if (!e.filename.empty()) entry.filename = capped(e.filename, kMaxFilenameBytes);
            } else if constexpr (std::is_same_v<T, ExitEvent>) {
                if (!e.thread_only) end(e.proc);
            } else {
                enter(e.proc);  // a fork, or a failed exec of a process not seen yet
            }
        },
        event);
}

std::vector<Ancestor> ProcessTable::ancestors(const ProcessInfo& proc) const {
    std::vector<Ancestor> chain;
    std::optional<Key> next;
    if (proc.parent_image) next = key_of(*proc.parent_image);
    while (next && chain.size() < kMaxDepth) {
        auto found = entries_.find(*next);
        if (found == entries_.end()) break;
        const Entry& entry = found->second;
        chain.push_back({entry.image, entry.comm, entry.filename});
        next = entry.parent;
    }
    return chain;
}

}  // namespace bootstrap
