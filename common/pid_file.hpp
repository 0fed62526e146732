// The daemons' pid file: opened without following a symbolic link, flock()ed for the life of the process.
#pragma once

#include <string>

#include "common/result.hpp"

namespace mmm {

// An flock()ed pid file, shared by mmm_mond and mmm_agentd: held for the life of the process (the lock survives
// daemonizing's fork), so a second daemon is refused even when the first one's pid was reused. Opened with
// O_NOFOLLOW and only as a regular file with one link: a symbolic or hard link planted at the path is refused and
// its target never written (issue 12 item 13). Removed on destruction.
class PidFile {
public:
    enum class Previous { None, Stale };  // Stale: a file was there but nobody held it (unclean stop)
    PidFile() = default;
    PidFile(PidFile&& other) noexcept;
    PidFile& operator=(PidFile&& other) noexcept;
    ~PidFile();

    // Error text when another process holds it ("Can't run second copy of mmm_mond (pid N holds 'PATH')"), when it
    // is a link or not a regular file, or when it can't be opened.
    static Result<PidFile> acquire(const std::string& path, const std::string& program);
    // Writes our (current) pid; call again after daemonizing.
    Result<void> write_pid();
    Previous previous() const { return previous_; }

private:
    int fd_ = -1;
    std::string path_;
    Previous previous_ = Previous::None;
};

}  // namespace mmm
