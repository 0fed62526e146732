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

AllowList make_allow_list(const Config& config, const std::vector<std::string>& interface_networks, std::string& why) {
    AllowList list;
    auto add = [&](const std::string& text) {
        const auto slash = text.find('/');
        std::error_code ec;
        const auto addr = asio::ip::make_address_v4(text.substr(0, slash), ec);
        if (ec) return;
        int prefix = 32;
        if (slash != std::string::npos) prefix = std::atoi(text.c_str() + slash + 1);
        list.nets.push_back({addr, prefix});
    };
    if (!config.agent.allowed_monitors.empty()) {
        for (const auto& m : config.agent.allowed_monitors) add(m);
        why = "agent.allowed_monitors";
        return list;
    }
    std::error_code ec;
    const auto mon = asio::ip::make_address(config.monitor.ip, ec);
    if (!ec && !mon.is_loopback()) {
        add(config.monitor.ip);
        why = "monitor.ip";
        return list;
    }
    for (const auto& n : interface_networks) add(n);
    if (!list.nets.empty()) {
        why = "monitor.ip is loopback: any address on the cluster network";
        return list;
    }
    list.any = true;
    why = "no monitor address known";
    return list;
}

}  // namespace mmm::agent
