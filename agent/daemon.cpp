// Process chores of mmm_agentd.
#include "agent/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mmm::agent {

Result<void> daemonize() {
    const pid_t pid = fork();
    if (pid < 0) return fail(fmt::format("fork: {}", std::strerror(errno)));
    if (pid > 0) _exit(0);
    if (setsid() < 0) return fail(fmt::format("setsid: {}", std::strerror(errno)));
    if (chdir("/") != 0) return fail(fmt::format("chdir /: {}", std::strerror(errno)));
    const int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) ::close(fd);
    }
    return {};
}

std::string missing_capabilities() {
    std::ifstream in("/proc/self/status");
    std::string line;
    unsigned long long eff = 0;
    while (std::getline(in, line)) {
        if (line.rfind("CapEff:", 0) == 0) {
            std::istringstream(line.substr(7)) >> std::hex >> eff;
            break;
        }
    }
    constexpr int net_admin = 12;
    constexpr int net_raw = 13;
    std::string missing;
    if ((eff & (1ULL << net_admin)) == 0) missing = "CAP_NET_ADMIN (to add and remove role IPs)";
    if ((eff & (1ULL << net_raw)) == 0) {
        if (!missing.empty()) missing += " and ";
        missing += "CAP_NET_RAW (to send gratuitous ARP)";
    }
    return missing.empty() ? missing : "missing capability " + missing;
}

}  // namespace mmm::agent
