// Once the programs are loaded and attached, reading their ring buffer needs no privilege at all.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace bootstrap {

struct Identity {
    uid_t uid;
    gid_t gid;
};

// Whom the tracer becomes once attached: an identity that no user and no running process has, so that
// no other process but root's may signal, ptrace, renice or prlimit it (a traced command included).
// Without root (file capabilities) it stays who it is.
Identity unprivileged_identity();

// Becomes `who` (supplementary groups dropped), then drops every capability from every set but, with
// `keep_kill`, CAP_KILL (command mode: to pass signals on to a command of any user); sets no_new_privs
// so nothing exec'd regains any, and makes the process undumpable so that nothing can ptrace it or read
// its memory. Throws Error if the kernel refuses.
void drop_privileges(const Identity& who, bool keep_kill);

// For a helper that keeps its identity (uid 0) but no more privilege than it needs: every capability
// but those in `kept` (a mask of 1 << CAP_*) leaves every set, the bounding set included, supplementary
// groups are dropped, no_new_privs is set and the process made undumpable, as above. Throws Error.
void keep_only_capabilities(uint64_t kept);

}  // namespace bootstrap
