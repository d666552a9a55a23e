// The processes the tracer knows and who started them: seeded with the processes running at start, kept
// by fork, exec and exit records, so each exec can name its chain of ancestors (--ancestors).
//
// Memory is bounded by what is alive: an entry leaves once its process has exited and no entry still
// names it as a parent, so a dead parent stays only while one of its descendants lives. Every process a
// record named has its exit delivered, even one the filters leave out (TracerConfig::exits_of_known);
// one whose exit record was lost is found gone by its pid once the table has doubled. An entry takes
// about 210 bytes with a 37-byte filename (the map node, two keys, the comm, the filename), at most
// about 450 with a kMaxFilenameBytes one: 30,000 live processes measured 6.2 MB. The tests check that
// the table returns to its start size once they have all exited.
#pragma once

#include "events/event.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bootstrap {

class ProcessTable {
public:
    static constexpr size_t kMaxFilenameBytes = 256;
    static constexpr size_t kMaxDepth = 64;  // ancestors listed at most (a chain that long is a loop of shells)
    // Whether a process with this pid exists now.
    using PidExists = std::function<bool(uint32_t pid)>;

    // `exists` tells the processes whose exit records were lost: a signal 0 by default.
    explicit ProcessTable(PidExists exists = pid_exists);

    // Forks and running processes add a process, an exec gives it a new image, an exit ends it.
    void update(const Event& event);
    // Links processes added before their parents: call after adding every process running at start.
    void link_parents();
    // The chain above `proc`, its parent first, up to pid 1 or the first process not known.
    std::vector<Ancestor> ancestors(const ProcessInfo& proc) const;
    // Entries held: live processes and the exited ones a live descendant still needs.
    size_t size() const { return entries_.size(); }

private:
    // A process: its pid and fork time. A pid reused is another key.
    struct Key {
        uint32_t pid = 0;
        uint64_t start_time_ns = 0;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& key) const noexcept { return key.start_time_ns * 31 + key.pid; }
    };
    struct Entry {
        ImageKey image;
        std::string comm;
        std::string filename;
        std::optional<Key> parent;   // as the first record of the process named it
        bool parent_linked = false;  // the parent's entry counts this one in `children`
        bool alive = true;
        uint32_t children = 0;  // entries linked to this one as their parent
    };

    static Key key_of(const ImageKey& image) { return {image.pid, image.start_time_ns}; }
    Entry& enter(const ProcessInfo& proc);
    void link(Entry& entry);
    void end(const ProcessInfo& proc);
    void release(Key key);
    void forget_ended();

    static constexpr size_t kFirstSweep = 4096;

    static bool pid_exists(uint32_t pid);

    PidExists exists_;
    std::unordered_map<Key, Entry, KeyHash> entries_;
    size_t sweep_at_ = kFirstSweep;
};

}  // namespace bootstrap
