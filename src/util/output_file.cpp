#include "util/output_file.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bootstrap {

namespace {

std::string parent_of(const std::string& path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Whether the symlink at `path` is one protected_symlinks would refuse to follow for us.
bool foreign_link_in_shared_directory(const std::string& path, const struct stat& link) {
    struct stat dir {};
    if (stat(parent_of(path).c_str(), &dir) != 0) return false;
    bool shared = (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH);
    return shared && link.st_uid != geteuid() && link.st_uid != dir.st_uid;
}

}  // namespace

FileDescriptor open_private_output(const std::string& path, std::string_view option) {
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    struct stat link {};
    if (lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
        if (foreign_link_in_shared_directory(path, link))
            throw usage_error(option, path + " is a symlink of uid " + std::to_string(link.st_uid) +
                                          " in a sticky world-writable directory: not followed");
    } else {
        flags |= O_NOFOLLOW;  // not a link a moment ago: one swapped in since is refused, not followed
    }
    // Another user's file is refused before it is truncated: its owner could open it up again.
    struct stat existing {};
    if (stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) && existing.st_uid != geteuid())
        throw usage_error(option, path + " belongs to uid " + std::to_string(existing.st_uid) +
                                      ", who could read every traced command line in it: not written");
    FileDescriptor fd(open(path.c_str(), flags, 0600));
    if (!fd) throw usage_error(option, "cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
        fchmod(fd.get(), st.st_mode & 07700) != 0)
        throw usage_error(option, "cannot make " + path + " private to its owner: " + std::strerror(errno));
    return fd;
}

namespace {

FileDescriptor reopen_nonblocking(int fd) {
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    return FileDescriptor(open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
}

}  // namespace

FileDescriptor nonblocking_twin(int fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) return FileDescriptor();
    return reopen_nonblocking(fd);
}

FileDescriptor nonblocking_pipe_twin(int fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return FileDescriptor();
    return reopen_nonblocking(fd);
}

}  // namespace bootstrap
