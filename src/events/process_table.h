// The processes the tracer knows and who started them: seeded with the processes running at start, kept
// by fork, exec and exit records, so each exec can name its chain of ancestors (--ancestors).
//
// A chain names each ancestor as it was when it forked the next one down: the parent at the fork (not a
// reaper it was re-parented to later), and the program it ran then (not one it exec'd since). A process
// keeps an image it has left by exec only while a child forked from that image is in the table.
//
// Memory is bounded by what is alive: an entry leaves once its process has exited and no entry still
// names it as a parent, so a dead parent stays only while one of its descendants lives. Every process a
// record named has its exit delivered, even one the filters leave out (TracerConfig::exits_of_known);
// one whose exit record was lost is found gone by its pid once the table has doubled. An entry takes
// about 225 bytes with a 37-byte filename (the map node, two keys, the comm, the filename, the list of
// earlier images), at most about 465 with a kMaxFilenameBytes one: 30,000 live processes measured 6.7 MB.
// The tests check that the table returns to its start size once they have all exited.
#pragma once

#include "events/event.h"
#include "events/process_key.h"

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
    // The chain above `proc`, its parent at its fork first, up to pid 1 or the first process not known.
    std::vector<Ancestor> ancestors(const ProcessInfo& proc) const;
    // Entries held: live processes and the exited ones a live descendant still needs.
    size_t size() const { return entries_.size(); }

private:
    using Key = ProcessKey;
    // One program a process ran, and the entries that name it as their parent's image at their fork.
    struct Image {
        uint64_t exec_seq = 0;
        std::string comm;
        std::string filename;
        uint32_t children = 0;
    };
    struct Entry {
        Image current;
        std::vector<Image> earlier;    // images left by exec that a child still names
        std::optional<Key> parent;     // as the first record of the process named it
        uint64_t parent_exec_seq = 0;  // the parent's image then
        bool parent_linked = false;    // counted in the children of the parent's image parent_exec_seq
        bool alive = true;
    };

    static Key key_of(const ImageKey& image) { return ProcessKey::of(image); }
    Entry& enter(const ProcessInfo& proc);
    void link(Entry& entry);
    static Image* image_of(Entry& entry, uint64_t exec_seq);
    static const Image* image_of(const Entry& entry, uint64_t exec_seq);
    void begin_image(Entry& entry, uint64_t exec_seq);
    void end(const ProcessInfo& proc);
    void release(Key key);
    void unlink_from_parent(const Entry& entry);
    void forget_ended();

    static constexpr size_t kFirstSweep = 4096;

    static bool pid_exists(uint32_t pid);

    PidExists exists_;
    std::unordered_map<Key, Entry, ProcessKeyHash> entries_;
    size_t sweep_at_ = kFirstSweep;
};

}  // namespace bootstrap
