#include "util/output_file.h"

#include "util/error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

std::string last_component(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Rotated files that cannot be moved along are each counted; the first few are also named.
constexpr uint32_t kRenamesSaid = 3;

}  // namespace

OutputDirectory::OutputDirectory(const std::string& path, uid_t owner, uint32_t max_files)
    : path_(path),
      name_(last_component(path)),
      directory_(open(parent_of(path).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)),
      owner_(owner),
      max_files_(max_files) {
    if (!directory_) throw Error("cannot open the directory of " + path + ": " + std::strerror(errno));
}

FileDescriptor OutputDirectory::open_file(const std::string& name, int flags, std::string& why) const {
    FileDescriptor fd(openat(directory_.get(), name.c_str(),
                             O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags,
                             0600));
    if (!fd) {
        // ENXIO: a FIFO with no reader (or a socket), which O_NONBLOCK turns into an error, not a wait.
        why = errno == ELOOP   ? "a symbolic link: refused"
              : errno == ENXIO ? "not a regular file: refused"
                               : std::strerror(errno);
        return fd;
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        why = std::strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file: refused";
    else if (st.st_uid != owner_)  // its owner could open it up again, or holds it open already
        why = "belongs to uid " + std::to_string(st.st_uid) + ": refused";
    else if (st.st_nlink != 1)  // another name of it could be any file of the same owner's
        why = "has " + std::to_string(st.st_nlink) + " names (hard links): refused";
    else if ((st.st_mode & 077) != 0 && fchmod(fd.get(), st.st_mode & 07700) != 0)
        why = std::string("cannot be made private to its owner: ") + std::strerror(errno);
    if (!why.empty()) return FileDescriptor();
    int status_flags = fcntl(fd.get(), F_GETFL);
    if (status_flags >= 0) fcntl(fd.get(), F_SETFL, status_flags & ~O_NONBLOCK);
    return fd;
}

FileChange OutputDirectory::reopen() {
    FileChange change;
    std::string why;
    change.file = open_file(name_, 0, why);
    if (!change.file) change.failure = "cannot reopen " + path_ + ": " + why + "; writing on to the file it was";
    return change;
}

// A rotated file that cannot be moved along (a directory planted at the next name) does not stop the
// rotation, which would leave FILE growing without bound: it is replaced by the next one instead, and
// said. Only a FILE that cannot become FILE.1 stops it.
FileChange OutputDirectory::rotate() {
    FileChange change;
    int dir = directory_.get();
    for (uint32_t n = max_files_; n > 1; --n) {
        std::string from = name_ + "." + std::to_string(n - 1);
        std::string to = name_ + "." + std::to_string(n);
        if (renameat(dir, from.c_str(), dir, to.c_str()) == 0 || errno == ENOENT) continue;
        if (++change.renames_failed > kRenamesSaid) continue;
        change.renames_said += fmt::format("cannot rename {0}.{1} to {0}.{2}: {3}; {0}.{1} is replaced instead\n",
                                           path_, n - 1, n, std::strerror(errno));
    }
    if (change.renames_failed > kRenamesSaid)
        change.renames_said += "cannot rename " + std::to_string(change.renames_failed - kRenamesSaid) +
                               " more rotated files of " + path_ + "\n";
    std::string first = name_ + ".1";
    if (renameat(dir, name_.c_str(), dir, first.c_str()) != 0 && errno != ENOENT) {
        change.failure = "cannot rotate " + path_ + ": " + std::strerror(errno) + "; it goes on growing";
        return change;
    }
    std::string why;
    change.file = open_file(name_, O_EXCL, why);  // created afresh: never what someone put there meanwhile
    if (!change.file)
        change.failure = "cannot create " + path_ + " after rotating it: " + why + "; writing on in " + path_ + ".1";
    return change;
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
