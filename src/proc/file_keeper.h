// Started by root, the tracer gives up root once attached (proc/privileges.h), and with it the right to
// create files in a directory only root writes (/var/log/bootstrap) and to rename its own files in a
// sticky one (/tmp): only a file's owner may. Reopening -o FILE (SIGHUP) and rotating it (--max-size)
// are then asked of the file keeper: a process forked before anything is loaded, that stays root but
// keeps only CAP_DAC_OVERRIDE (a directory of another user that root could write at start), holds
// nothing but FILE's directory and its end of a socket pair, and answers two requests from the tracer,
// reopen and rotate, with OutputDirectory's rules and the new file's descriptor (SCM_RIGHTS).
//
// Nobody else can stop, slow or redirect it: it is root's and undumpable, so no other user (nor a
// command run as one) may signal or ptrace it; it never waits on what is at FILE (a FIFO is refused,
// not opened for a reader); it is out of the terminal's session and ignores the stop signals, which are
// the tracer's to act on; and it exits when the tracer closes its end or dies.
#pragma once

#include "util/file_descriptor.h"
#include "util/output_file.h"

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace bootstrap {

class FileKeeper : public OutputFiles {
public:
    // Forks the keeper, which takes `directory` over, and waits until it has dropped what it does not
    // need. Throws Error when it cannot be started.
    explicit FileKeeper(OutputDirectory directory);
    ~FileKeeper() override;  // closes the socket (the keeper exits) and reaps it
    FileKeeper(const FileKeeper&) = delete;
    FileKeeper& operator=(const FileKeeper&) = delete;

    FileChange reopen() override;
    FileChange rotate() override;
    pid_t pid() const { return pid_; }

private:
    FileChange ask(uint8_t operation);

    std::string path_;
    FileDescriptor socket_;
    pid_t pid_ = -1;
    uint32_t sequence_ = 0;
};

}  // namespace bootstrap
