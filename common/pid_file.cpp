// The pid file of both daemons (see pid_file.hpp).
#include "common/pid_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace mmm {

PidFile::PidFile(PidFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), previous_(other.previous_) {}

PidFile& PidFile::operator=(PidFile&& other) noexcept {
    std::swap(fd_, other.fd_);
    std::swap(path_, other.path_);
    previous_ = other.previous_;
    return *this;
}

PidFile::~PidFile() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());
    ::close(fd_);
}

Result<PidFile> PidFile::acquire(const std::string& path, const std::string& program) {
    PidFile p;
    p.path_ = path;
    p.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (p.fd_ < 0) {
        if (errno == ELOOP)
            return fail("Can't open pid file '" + path + "': it is a symbolic link (refused: remove it)");
        return fail("Can't open pid file '" + path + "': " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(p.fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        const bool regular = S_ISREG(st.st_mode);
        ::close(p.fd_);
        p.fd_ = -1;
        return fail("Can't open pid file '" + path + "': " +
                    (regular ? "it has other hard links (refused: remove it)" : "it is not a regular file"));
    }
    if (::flock(p.fd_, LOCK_EX | LOCK_NB) != 0) {
        char buffer[32] = {};
        const auto n = ::pread(p.fd_, buffer, sizeof buffer - 1, 0);
        ::close(p.fd_);
        p.fd_ = -1;
        std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        return fail("Can't run second copy of " + program + " (pid " + pid + " holds '" + path + "')");
    }
    p.previous_ = st.st_size > 0 ? Previous::Stale : Previous::None;
    return p;
}

Result<void> PidFile::write_pid() {
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        return fail("Can't write pid file '" + path_ + "': " + std::strerror(errno));
    }
    return {};
}

}  // namespace mmm
