// Daemonizing.
#include "monitor/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace mmm::monitor {

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
