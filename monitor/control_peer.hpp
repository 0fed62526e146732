// Who is on the other end of a control connection: the certificate's subject with TLS; in plaintext, for a local
// (loopback) client, the user owning its socket, read from /proc/net/tcp (only root and the monitor's own user may
// change the cluster that way), looked up when a command that changes something first asks.
#pragma once

#include <asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mmm::monitor {

// The uid owning the TCP socket whose local end is `socket` and whose remote end is `remote`, found in the text of
// /proc/net/tcp (IPv4 only); nullopt when no such line, or when no process holds that socket any more (inode 0).
std::optional<unsigned> tcp_socket_owner(std::string_view proc_net_tcp, const asio::ip::tcp::endpoint& socket,
                                         const asio::ip::tcp::endpoint& remote);

// The sender of a connection's commands. Only a changing command needs to know who it is, so a plaintext client's
// identity (a read of /proc/net/tcp) is looked up at the first identity() call, on the io thread, and kept for the
// connection: the copies handed out with each command share it.
class ControlPeer {
public:
    struct Identity {
        std::string who;          // for the log: "uid 1000 (alice) at 127.0.0.1:41234"
        bool may_change = false;  // may run commands that change something
    };
    explicit ControlPeer(Identity known) : state_(std::make_shared<State>(State{{}, std::move(known)})) {}
    explicit ControlPeer(std::function<Identity()> lookup)
        : state_(std::make_shared<State>(State{std::move(lookup), std::nullopt})) {}

    const Identity& identity() const {
        if (!state_->known) state_->known = state_->lookup();
        return *state_->known;
    }

private:
    struct State {
        std::function<Identity()> lookup;
        std::optional<Identity> known;
    };
    std::shared_ptr<State> state_;
};

// A plaintext client `peer` connected to our `local` end: a loopback client is known by its socket's owner (root
// and `own_uid` may change things, other users only read); any other client cannot be identified (it may change
// things, as in mysql-mmm: with plaintext, who reaches the port is the firewall's business).
ControlPeer::Identity identify_plain_peer(const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint& local,
                                          unsigned own_uid);

}  // namespace mmm::monitor
