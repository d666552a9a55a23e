// Which container a process runs in, from its cgroup v2 path: the runtimes name a container's cgroup
// after its 64-hex id ("docker-ID.scope", "cri-containerd-ID.scope", "crio-ID.scope", "libpod-ID.scope",
// or the bare id under the cgroupfs driver).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bootstrap {

// The id of the innermost container the path belongs to; nothing for a path outside any container.
std::optional<std::string> container_id_of(std::string_view cgroup_path);

}  // namespace bootstrap
