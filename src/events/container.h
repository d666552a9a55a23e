// Which container a process runs in, from its cgroup v2 path: the runtimes name a container's cgroup
// after its 64-hex id ("docker-ID.scope", "cri-containerd-ID.scope", "crio-ID.scope", "libpod-ID.scope",
// or the bare id under the cgroupfs driver). A name is all there is to go by: whoever may create
// cgroups (a delegated subtree, a container that can write its own cgroups) can choose one that looks
// like a container's. Taking the outermost leaves a process in a real container with that container's
// id whatever it creates below; docs/SECURITY.md says what stays spoofable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bootstrap {

// The id of the outermost container the path belongs to (Docker in Docker: the host's container);
// nothing for a path outside any container.
std::optional<std::string> container_id_of(std::string_view cgroup_path);

}  // namespace bootstrap
