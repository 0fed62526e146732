// Who is on the other end of a plaintext control connection: for a local (loopback) client, the user owning its
// socket, read from /proc/net/tcp; only root and the monitor's own user may change the cluster that way.
#pragma once

#include <asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mmm::monitor {

// The uid owning the TCP socket whose local end is `socket` and whose remote end is `remote`, found in the text of
// /proc/net/tcp (IPv4 only); nullopt when no such line, or when no process holds that socket any more (inode 0).
std::optional<unsigned> tcp_socket_owner(std::string_view proc_net_tcp, const asio::ip::tcp::endpoint& socket,
                                         const asio::ip::tcp::endpoint& remote);

struct ControlPeer {
    std::string who;          // for the log: "uid 1000 (alice) at 127.0.0.1:41234"
    bool may_change = false;  // may run commands that change something
};

// A plaintext client `peer` connected to our `local` end: a loopback client is known by its socket's owner (root
// and `own_uid` may change things, other users only read); any other client cannot be identified (it may change
// things, as in mysql-mmm: with plaintext, who reaches the port is the firewall's business).
ControlPeer identify_plain_peer(const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint& local,
                                unsigned own_uid);

}  // namespace mmm::monitor
