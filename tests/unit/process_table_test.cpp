// The process table behind --ancestors: chains built from fork, exec and exit records, told apart by
// fork time when a pid is reused, and bounded by what is alive.
#include "events/process_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace bootstrap {
namespace {

// A process's record: pid, its fork time, the exec count; its parent the same way (pid 0: none).
ProcessInfo info(uint32_t pid, uint64_t start, uint64_t seq, uint32_t ppid, uint64_t parent_start, std::string comm) {
    ProcessInfo p;
    p.pid = p.tid = pid;
    p.ppid = ppid;
    p.comm = std::move(comm);
    p.image = {pid, start, seq};
    if (ppid) p.parent_image = ImageKey{ppid, parent_start, 1};
    return p;
}

Event fork_of(uint32_t pid, uint64_t start, uint32_t ppid, uint64_t parent_start, const std::string& comm) {
    return ForkEvent{info(pid, start, 1, ppid, parent_start, comm)};
}

Event exec_of(uint32_t pid, uint64_t start, uint64_t seq, uint32_t ppid, uint64_t parent_start, const std::string& comm,
              const std::string& filename) {
    ExecEvent e;
    e.proc = info(pid, start, seq, ppid, parent_start, comm);
    e.filename = filename;
    return e;
}

Event exit_of(uint32_t pid, uint64_t start, uint32_t ppid) {
    ExitEvent e;
    e.proc = info(pid, start, 2, ppid, 0, "x");
    return e;
}

std::vector<uint32_t> pids(const std::vector<Ancestor>& chain) {
    std::vector<uint32_t> result;
    for (const Ancestor& a : chain) result.push_back(a.image.pid);
    return result;
}

TEST(ProcessTable, ChainFromInitThroughForksAndExecs) {
    ProcessTable table;
    ExistingEvent init;
    init.proc = info(1, 10, 1, 0, 0, "systemd");
    init.filename = "/usr/lib/systemd/systemd";
    table.update(init);
    table.update(exec_of(100, 20, 2, 1, 10, "sshd", "/usr/sbin/sshd"));
    table.update(fork_of(200, 30, 100, 20, "sshd"));
    table.update(exec_of(200, 30, 3, 100, 20, "bash", "/usr/bin/bash"));
    table.update(fork_of(300, 40, 200, 30, "bash"));  // a subshell that never execs

    ProcessInfo make = info(400, 50, 4, 300, 40, "make");
    auto chain = table.ancestors(make);
    EXPECT_EQ(pids(chain), (std::vector<uint32_t>{300, 200, 100, 1}));
    EXPECT_EQ(chain[0].comm, "bash");
    EXPECT_EQ(chain[0].filename, "");  // the subshell's exec was never seen
    EXPECT_EQ(chain[1].filename, "/usr/bin/bash");
    EXPECT_EQ(chain[1].image, (ImageKey{200, 30, 3})) << "the image the parent runs now";
    EXPECT_EQ(chain[3].filename, "/usr/lib/systemd/systemd");
}

TEST(ProcessTable, AReusedPidIsAnotherProcess) {
    ProcessTable table;
    table.update(exec_of(100, 20, 2, 0, 0, "old", "/bin/old"));
    table.update(exit_of(100, 20, 0));
    table.update(exec_of(100, 90, 2, 0, 0, "new", "/bin/new"));
    EXPECT_EQ(pids(table.ancestors(info(500, 95, 2, 100, 90, "child"))), std::vector<uint32_t>{100});
    EXPECT_EQ(table.ancestors(info(500, 95, 2, 100, 90, "child"))[0].filename, "/bin/new");
    EXPECT_TRUE(table.ancestors(info(501, 25, 2, 100, 20, "orphan")).empty()) << "the old process is gone";
}

TEST(ProcessTable, ADeadParentStaysWhileADescendantLives) {
    ProcessTable table;
    table.update(exec_of(100, 20, 2, 0, 0, "daemonizer", "/bin/d"));
    table.update(fork_of(200, 30, 100, 20, "daemonizer"));
    table.update(exit_of(100, 20, 0));
    EXPECT_EQ(table.size(), 2u) << "the child still needs its parent's entry";
    // Re-parented to pid 1, the child's later records name another parent; its chain is its origin's.
    EXPECT_EQ(pids(table.ancestors(info(300, 40, 3, 200, 30, "worker"))), (std::vector<uint32_t>{200, 100}));
    table.update(exit_of(200, 30, 1));
    EXPECT_EQ(table.size(), 0u);
}

// A parent forks, then execs another program: the child's chain names the parent as it was at the fork,
// and that image stays only while the child lives.
TEST(ProcessTable, AParentThatExecsAfterTheForkIsNamedAsItWasAtTheFork) {
    ProcessTable table;
    table.update(exec_of(100, 20, 2, 0, 0, "bash", "/usr/bin/bash"));
    ProcessInfo child = info(200, 30, 2, 100, 20, "bash");
    child.parent_image = ImageKey{100, 20, 2};
    table.update(ForkEvent{child});
    table.update(exec_of(100, 20, 3, 0, 0, "sleep", "/usr/bin/sleep"));

    auto chain = table.ancestors(child);
    ASSERT_EQ(chain.size(), 1u);
    EXPECT_EQ(chain[0].image, (ImageKey{100, 20, 2}));
    EXPECT_EQ(chain[0].comm, "bash");
    EXPECT_EQ(chain[0].filename, "/usr/bin/bash");
    ProcessInfo later = info(300, 40, 3, 100, 20, "later");
    later.parent_image = ImageKey{100, 20, 3};
    table.update(ForkEvent{later});
    EXPECT_EQ(table.ancestors(later)[0].comm, "sleep") << "forked after the exec";

    table.update(exit_of(200, 30, 100));
    table.update(exit_of(300, 40, 100));
    table.update(exit_of(100, 20, 0));
    EXPECT_EQ(table.size(), 0u);
}

// fork, fork, the middle one exits, and the grandchild's exec names pid 1 as its parent: the chain
// still starts with the process that forked it.
TEST(ProcessTable, AnOrphanNamesWhoForkedItNotItsReaper) {
    ProcessTable table;
    table.update(exec_of(1, 10, 1, 0, 0, "init", "/sbin/init"));
    table.update(exec_of(100, 20, 2, 1, 10, "sh", "/bin/sh"));
    table.update(fork_of(200, 30, 100, 20, "sh"));
    table.update(fork_of(300, 40, 200, 30, "sh"));
    table.update(exit_of(200, 30, 100));
    auto orphan = std::get<ExecEvent>(exec_of(300, 40, 3, 1, 10, "daemon", "/usr/sbin/daemon"));
    table.update(orphan);
    EXPECT_EQ(pids(table.ancestors(orphan.proc)), (std::vector<uint32_t>{200, 100, 1}));
}

// 30,000 live processes under one parent, then all exit: the table is back to its start size.
TEST(ProcessTable, ReturnsToItsStartSizeAfterThirtyThousandProcesses) {
    ProcessTable table([](uint32_t) { return true; });
    table.update(exec_of(1, 10, 1, 0, 0, "init", "/sbin/init"));
    size_t start = table.size();
    constexpr uint32_t kLive = 30'000;
    for (uint32_t pid = 1000; pid < 1000 + kLive; ++pid) {
        table.update(fork_of(pid, pid * 100ull, 1, 10, "init"));
        table.update(exec_of(pid, pid * 100ull, 2, 1, 10, "worker", "/usr/lib/worker/with/a/long/path"));
    }
    EXPECT_EQ(table.size(), start + kLive);
    for (uint32_t pid = 1000; pid < 1000 + kLive; ++pid) table.update(exit_of(pid, pid * 100ull, 1));
    EXPECT_EQ(table.size(), start);
}

TEST(ProcessTable, ParentsListedAfterTheirChildrenAreLinked) {
    ProcessTable table;
    ExistingEvent child, parent;
    child.proc = info(200, 30, 1, 100, 20, "child");
    parent.proc = info(100, 20, 1, 0, 0, "parent");
    table.update(child);
    table.update(parent);
    table.link_parents();
    table.update(exit_of(100, 20, 0));
    EXPECT_EQ(table.size(), 2u) << "linked: the exited parent stays for its child";
    EXPECT_EQ(pids(table.ancestors(info(300, 40, 2, 200, 30, "grandchild"))), (std::vector<uint32_t>{200, 100}));
}

// A process whose exit record was lost (a full ring buffer) is forgotten once its pid is gone, when the
// table has doubled: it does not grow with every lost exit.
TEST(ProcessTable, ForgetsProcessesGoneWhoseExitsWereLost) {
    std::set<uint32_t> running = {1};
    ProcessTable table([&](uint32_t pid) { return running.contains(pid); });
    table.update(exec_of(1, 10, 1, 0, 0, "init", "/sbin/init"));
    for (uint32_t pid = 1000; pid < 1000 + 100'000; ++pid) {
        running.insert(pid);
        table.update(fork_of(pid, pid * 100ull, 1, 10, "init"));
        running.erase(pid);  // ended, and its exit never came
    }
    EXPECT_LT(table.size(), 10'000u);
    EXPECT_EQ(pids(table.ancestors(info(5, 50, 1, 1, 10, "x"))), (std::vector<uint32_t>{1})) << "init stays";
}

}  // namespace
}  // namespace bootstrap
