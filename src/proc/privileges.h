// Once the programs are loaded and attached, reading their ring buffer needs no privilege at all.
#pragma once

#include <initializer_list>

namespace bootstrap {

// Drops every capability except `keep` from the effective, permitted, inheritable, ambient and (where
// allowed) bounding sets, and sets no_new_privs, so nothing this process execs can regain them.
// Throws std::runtime_error if the kernel refuses.
void drop_capabilities(std::initializer_list<int> keep);

}  // namespace bootstrap
