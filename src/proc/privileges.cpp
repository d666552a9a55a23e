#include "proc/privileges.h"

#include "proc/command.h"
#include "util/error.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace bootstrap {

namespace {

int last_capability() {
    std::ifstream file("/proc/sys/kernel/cap_last_cap");
    int last = CAP_LAST_CAP;
    file >> last;
    return last;
}

}  // namespace

Identity unprivileged_identity(const Identity* command_user) {
    if (getuid() != 0) return {getuid(), getgid()};
    if (command_user) return *command_user;
    if (auto sudo_user = command_credentials(std::nullopt)) return {sudo_user->uid, sudo_user->gid};
    if (const passwd* nobody = getpwnam("nobody")) return {nobody->pw_uid, nobody->pw_gid};
    return {65534, 65534};
}

void drop_privileges(const Identity& who) {
    // The bounding set shrinks only with CAP_SETPCAP, so first; without it (file capabilities) it stays
    // as is, which is harmless once permitted is empty and no_new_privs is set.
    int last = last_capability();
    for (int cap = 0; cap <= last; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    if (who.uid != getuid() || who.gid != getgid()) {
        if (setgroups(0, nullptr) != 0) throw system_error("setgroups");
        if (setresgid(who.gid, who.gid, who.gid) != 0) throw system_error("setresgid");
        if (setresuid(who.uid, who.uid, who.uid) != 0) throw system_error("setresuid");
    }
    // Leaving uid 0 cleared the capabilities already; this covers staying root and file capabilities.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capset, &header, none) != 0) throw system_error("capset");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw system_error("prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw system_error("prctl(PR_SET_DUMPABLE)");
}

}  // namespace bootstrap
