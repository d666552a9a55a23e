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
    if (!added) return entry;
    entry.current.exec_seq = proc.image.exec_seq;
    entry.current.comm = proc.comm;
    if (proc.parent_image) {
        entry.parent = key_of(*proc.parent_image);
        entry.parent_exec_seq = proc.parent_image->exec_seq;
    }
    link(entry);
    return entry;
}

ProcessTable::Image* ProcessTable::image_of(Entry& entry, uint64_t exec_seq) {
    if (entry.current.exec_seq == exec_seq) return &entry.current;
    auto found = std::find_if(entry.earlier.begin(), entry.earlier.end(),
                              [&](const Image& image) { return image.exec_seq == exec_seq; });
    return found == entry.earlier.end() ? nullptr : &*found;
}

const ProcessTable::Image* ProcessTable::image_of(const Entry& entry, uint64_t exec_seq) {
    return image_of(const_cast<Entry&>(entry), exec_seq);
}

// Counts the entry in its parent's image at its fork. A parent listed at start may have exec'd since that
// fork: the entry then names the image the parent runs, the one known.
void ProcessTable::link(Entry& entry) {
    if (entry.parent_linked || !entry.parent) return;
    auto parent = entries_.find(*entry.parent);
    if (parent == entries_.end()) return;
    Image* image = image_of(parent->second, entry.parent_exec_seq);
    if (!image) {
        image = &parent->second.current;
        entry.parent_exec_seq = image->exec_seq;
    }
    ++image->children;
    entry.parent_linked = true;
}

void ProcessTable::link_parents() {
    for (auto& [key, entry] : entries_) link(entry);
}

// An exec: the image it leaves stays while children forked from it name it.
void ProcessTable::begin_image(Entry& entry, uint64_t exec_seq) {
    if (entry.current.exec_seq == exec_seq) return;
    if (entry.current.children > 0) entry.earlier.push_back(std::move(entry.current));
    entry.current = Image{};
    entry.current.exec_seq = exec_seq;
}

void ProcessTable::end(const ProcessInfo& proc) {
    auto found = entries_.find(key_of(proc.image));
    if (found == entries_.end()) return;
    found->second.alive = false;
    release(found->first);
}

void ProcessTable::unlink_from_parent(const Entry& entry) {
    auto parent = entries_.find(*entry.parent);
    if (parent == entries_.end()) return;
    Entry& parent_entry = parent->second;
    Image* image = image_of(parent_entry, entry.parent_exec_seq);
    if (!image || image->children == 0) return;
    if (--image->children == 0 && image != &parent_entry.current)
        parent_entry.earlier.erase(parent_entry.earlier.begin() + (image - parent_entry.earlier.data()));
}

// Removes a process that has exited once nothing links to it, then its parent if that was its last link.
void ProcessTable::release(Key key) {
    for (;;) {
        auto found = entries_.find(key);
        if (found == entries_.end()) return;
        const Entry& entry = found->second;
        if (entry.alive || entry.current.children > 0 || !entry.earlier.empty()) return;
        std::optional<Key> parent = entry.parent_linked ? entry.parent : std::nullopt;
        if (parent) unlink_from_parent(entry);
        entries_.erase(found);
        if (!parent) return;
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
            if constexpr (std::is_same_v<T, ExitEvent>) {
                if (!e.thread_only) end(e.proc);
                return;
            }
            Entry& entry = enter(e.proc);
            if constexpr (std::is_same_v<T, ExecEvent>) {
                begin_image(entry, e.proc.image.exec_seq);
                entry.current.filename = capped(e.filename, kMaxFilenameBytes);
            } else if constexpr (std::is_same_v<T, ExistingEvent>) {
                if (!e.filename.empty()) entry.current.filename = capped(e.filename, kMaxFilenameBytes);
            }
            entry.current.comm = e.proc.comm;  // a fork, or a failed exec: the name it has now
        },
        event);
}

std::vector<Ancestor> ProcessTable::ancestors(const ProcessInfo& proc) const {
    std::vector<Ancestor> chain;
    // The process's own entry names its parent at its fork; a process not in the table, the one its
    // record names.
    std::optional<Key> next;
    uint64_t exec_seq = 0;
    if (auto own = entries_.find(key_of(proc.image)); own != entries_.end() && own->second.parent) {
        next = own->second.parent;
        exec_seq = own->second.parent_exec_seq;
    } else if (proc.parent_image) {
        next = key_of(*proc.parent_image);
        exec_seq = proc.parent_image->exec_seq;
    }
    while (next && chain.size() < kMaxDepth) {
        auto found = entries_.find(*next);
        if (found == entries_.end()) break;
        const Entry& entry = found->second;
        const Image* image = image_of(entry, exec_seq);
        if (!image) image = &entry.current;  // an image from before tracing started: the one known
        chain.push_back({ImageKey{next->pid, next->start_time_ns, image->exec_seq}, image->comm, image->filename});
        next = entry.parent;
        exec_seq = entry.parent_exec_seq;
    }
    return chain;
}

}  // namespace bootstrap
