#include "proc/privileges.h"

#include "util/error.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace bootstrap {

namespace {

// Ids tried for the tracer's own identity: high, below the 2^31 that some tools treat as negative, and
// far above the ranges distributions give users and containers' subordinate ids by default.
constexpr uid_t kUnusedIdsFrom = 2'000'000'000;
constexpr uid_t kUnusedIdsTried = 1000;

// Every real, effective, saved and file-system uid and gid of the running processes.
std::set<uid_t> ids_in_use() {
    std::set<uid_t> ids;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        std::ifstream status(entry.path() / "status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("Uid:", 0) != 0 && line.rfind("Gid:", 0) != 0) continue;
            std::istringstream values(line.substr(4));
            for (uid_t id; values >> id;) ids.insert(id);
        }
    }
    return ids;
}

int last_capability() {
    std::ifstream file("/proc/sys/kernel/cap_last_cap");
    int last = CAP_LAST_CAP;
    file >> last;
    return last;
}

// Drops the bounding set but for `kept`, and clears the ambient set. The bounding set shrinks only with CAP_SETPCAP;
// without it (file capabilities) it stays as is, which is harmless once permitted is narrowed and
// no_new_privs is set.
void narrow_bounding_and_ambient(uint64_t kept) {
    int last = last_capability();
    for (int cap = 0; cap <= last; ++cap)
        if (((kept >> cap) & 1) == 0) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

// Effective and permitted become `kept`, whichever way the process got its capabilities (root or file
// capabilities); then nothing it executes regains any, and nothing can ptrace it or read its memory.
void keep_capabilities_and_lock(uint64_t kept) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct sets[_LINUX_CAPABILITY_U32S_3] = {};
    for (size_t word = 0; word < _LINUX_CAPABILITY_U32S_3; ++word)
        sets[word].effective = sets[word].permitted = static_cast<uint32_t>(kept >> (32 * word));
    if (syscall(SYS_capset, &header, sets) != 0) throw system_error("capset");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw system_error("prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw system_error("prctl(PR_SET_DUMPABLE)");
}

}  // namespace

Identity unprivileged_identity() {
    if (getuid() != 0) return {getuid(), getgid()};
    std::set<uid_t> in_use = ids_in_use();
    for (uid_t id = kUnusedIdsFrom; id > kUnusedIdsFrom - kUnusedIdsTried; --id)
        if (!in_use.contains(id) && !getpwuid(id) && !getgrgid(id)) return {id, id};
    if (const passwd* nobody = getpwnam("nobody")) return {nobody->pw_uid, nobody->pw_gid};
    return {65534, 65534};
}

void drop_privileges(const Identity& who, bool keep_kill) {
    // First: shrinking the bounding set needs CAP_SETPCAP, which the switch below may take away.
    narrow_bounding_and_ambient(0);

    // Every id, effective and saved ones too: a setuid-root start has uid `who` but euid 0.
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    bool switching =
        ruid != who.uid || euid != who.uid || suid != who.uid || rgid != who.gid || egid != who.gid || sgid != who.gid;
    // CAP_KILL is only needed to signal a command of another user, which only a switch from root makes;
    // without root (file capabilities) it was never permitted and could not be kept anyway.
    keep_kill = keep_kill && switching && euid == 0;
    if (switching) {
        if (setgroups(0, nullptr) != 0) throw system_error("setgroups");
        if (setresgid(who.gid, who.gid, who.gid) != 0) throw system_error("setresgid");
        // Leaving uid 0 clears the permitted set, unless asked to keep it for the capset below.
        if (keep_kill && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) throw system_error("prctl(PR_SET_KEEPCAPS)");
        if (setresuid(who.uid, who.uid, who.uid) != 0) throw system_error("setresuid");
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    }
    keep_capabilities_and_lock(keep_kill ? uint64_t{1} << CAP_KILL : 0);
}

void keep_only_capabilities(uint64_t kept) {
    narrow_bounding_and_ambient(kept);
    if (setgroups(0, nullptr) != 0) throw system_error("setgroups");
    keep_capabilities_and_lock(kept);
}

}  // namespace bootstrap
