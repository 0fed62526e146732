// The control port's plaintext clients, identified by their socket's owner.
#include "monitor/control_peer.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {

// /proc/net/tcp's spelling of an IPv4 endpoint: the address as the kernel's 32-bit word in host (little-endian)
// order, the port in big-endian, both upper-case hex: 127.0.0.1:9988 is "0100007F:2704".
std::string proc_endpoint(const asio::ip::tcp::endpoint& e) {
    const auto bytes = e.address().to_v4().to_bytes();
    return fmt::format("{:02X}{:02X}{:02X}{:02X}:{:04X}", bytes[3], bytes[2], bytes[1], bytes[0], e.port());
}

std::string user_name(unsigned uid) {
    std::array<char, 4096> buffer{};
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) return found->pw_name;
    return "?";
}

}  // namespace

std::optional<unsigned> tcp_socket_owner(std::string_view proc_net_tcp, const asio::ip::tcp::endpoint& socket,
                                         const asio::ip::tcp::endpoint& remote) {
    if (!socket.address().is_v4() || !remote.address().is_v4()) return std::nullopt;
    const std::string local_text = proc_endpoint(socket);
    const std::string remote_text = proc_endpoint(remote);
    std::istringstream lines{std::string(proc_net_tcp)};
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        std::istringstream fields(line);
        std::string slot, local, rem, state, queues, timer, retransmits;
        unsigned uid = 0;
        unsigned long timeout = 0, inode = 0;
        if (!(fields >> slot >> local >> rem >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode))
            continue;
        if (local != local_text || rem != remote_text) continue;
        // No inode: no process holds the socket any more (its owner closed it). The kernel then shows uid 0 for a
        // TIME_WAIT or FIN_WAIT2 remnant, which is nobody's: a client that sent a command and closed at once must
        // not pass for root.
        if (inode == 0) return std::nullopt;
        return uid;
    }
    return std::nullopt;
}

ControlPeer::Identity identify_plain_peer(const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint& local,
                                          unsigned own_uid) {
    const std::string at = fmt::format("{}:{}", peer.address().to_string(), peer.port());
    if (!peer.address().is_loopback()) return {at + " (plaintext: not authenticated)", true};
    std::ifstream in("/proc/net/tcp");
    std::stringstream text;
    text << in.rdbuf();
    // The client's socket: its local end is the peer, its remote end is us.
    const auto uid = tcp_socket_owner(text.str(), peer, local);
    if (!uid) return {at + " (local user unknown)", false};
    return {fmt::format("uid {} ({}) at {}", *uid, user_name(*uid), at), *uid == 0 || *uid == own_uid};
}

}  // namespace mmm::monitor
