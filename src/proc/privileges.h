// Once the programs are loaded and attached, reading their ring buffer needs no privilege at all.
#pragma once

#include <sys/types.h>

namespace bootstrap {

struct Identity {
    uid_t uid;
    gid_t gid;
};

// Whom the tracer becomes once attached. In command mode, the command's user (`command_uid`/`gid`), so
// it can still pass signals on; otherwise the user who ran sudo, else nobody. Without root (file
// capabilities) it stays who it is.
Identity unprivileged_identity(const Identity* command_user);

// Becomes `who` (supplementary groups dropped), then drops every capability from every set, sets
// no_new_privs so nothing exec'd regains any, and makes the process undumpable so that other processes
// of that user cannot ptrace it or read its memory. Throws Error if the kernel refuses.
void drop_privileges(const Identity& who);

}  // namespace bootstrap
