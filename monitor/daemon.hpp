// Process plumbing of mmm_mond: the pid file (one monitor per file) and daemonizing.
#pragma once

#include <string>

#include "common/result.hpp"

namespace mmm::monitor {

// An flock()ed pid file: held for the life of the process, so a second monitor is refused even when the first
// one's pid was reused. Removed on destruction.
class PidFile {
public:
    enum class Previous { None, Stale };  // Stale: a file was there but nobody held it (unclean stop)
    PidFile() = default;
    PidFile(PidFile&& other) noexcept;
    PidFile& operator=(PidFile&& other) noexcept;
    ~PidFile();

    // Error text when another process holds it ("Can't run second copy of mmm_mond (pid N)") or it can't be opened.
    static Result<PidFile> acquire(const std::string& path, const std::string& program);
    // Writes our (current) pid; call again after daemonizing.
    Result<void> write_pid();
    Previous previous() const { return previous_; }

private:
    int fd_ = -1;
    std::string path_;
    Previous previous_ = Previous::None;
};

// Double fork, new session, stdio to /dev/null, chdir("/"), umask 022. The parent exits 0 in the first fork;
// returns in the grandchild.
Result<void> daemonize();

}  // namespace mmm::monitor
