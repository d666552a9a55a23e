#include "proc/privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
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

void drop_capabilities(std::initializer_list<int> keep) {
    auto kept = [&](int cap) {
        for (int k : keep)
            if (k == cap) return true;
        return false;
    };
    // The bounding set needs CAP_SETPCAP to shrink; without it (file capabilities) it is left as is,
    // which is harmless once permitted is empty and no_new_privs is set.
    for (int cap = 0; cap <= last_capability(); ++cap)
        if (!kept(cap)) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (int cap : keep) {
        data[cap / 32].effective |= 1u << (cap % 32);
        data[cap / 32].permitted |= 1u << (cap % 32);
    }
    if (syscall(SYS_capset, &header, data) != 0)
        throw std::runtime_error(std::string("cannot drop capabilities: ") + std::strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw std::runtime_error(std::string("cannot set no_new_privs: ") + std::strerror(errno));
}

}  // namespace bootstrap
