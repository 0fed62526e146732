// Pid file and daemonizing.
#include "monitor/daemon.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace mmm::monitor {

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
    struct stat st {};
    const bool existed = ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
    p.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (p.fd_ < 0) return fail("Can't open pid file '" + path + "': " + std::strerror(errno));
    if (::flock(p.fd_, LOCK_EX | LOCK_NB) != 0) {
        char buffer[32] = {};
        const auto n = ::pread(p.fd_, buffer, sizeof buffer - 1, 0);
        ::close(p.fd_);
        p.fd_ = -1;
        std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        return fail("Can't run second copy of " + program + " (pid " + pid + " holds '" + path + "')");
    }
    p.previous_ = existed ? Previous::Stale : Previous::None;
    return p;
}

Result<void> PidFile::write_pid() {
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        return fail("Can't write pid file '" + path_ + "': " + std::strerror(errno));
    }
    return {};
}

Result<void> daemonize() {
    pid_t pid = ::fork();
    if (pid < 0) return fail(std::string("fork failed: ") + std::strerror(errno));
    if (pid > 0) ::_exit(0);
    if (::setsid() < 0) return fail(std::string("setsid failed: ") + std::strerror(errno));
    pid = ::fork();
    if (pid < 0) return fail(std::string("fork failed: ") + std::strerror(errno));
    if (pid > 0) ::_exit(0);
    ::umask(022);
    if (::chdir("/") != 0) return fail(std::string("chdir / failed: ") + std::strerror(errno));
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        ::dup2(devnull, STDIN_FILENO);
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO) ::close(devnull);
    }
    return {};
}

}  // namespace mmm::monitor
