// An empty file under /tmp with a unique name, removed when the test ends, whatever assertion stopped it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

namespace bootstrap::testing {

class TempFile {
public:
    explicit TempFile(const std::string& prefix, mode_t mode = 0600) : path_("/tmp/" + prefix + "-XXXXXX") {
        int fd = mkstemp(path_.data());
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemp");
        fchmod(fd, mode);
        close(fd);
    }
    ~TempFile() { unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace bootstrap::testing
