// The agent's TCP server: per-connection sessions with a read deadline and a line length limit.
#include "agent/server.hpp"

#include <algorithm>

#include <poll.h>

#include <array>
#include <memory>

#include <fmt/format.h>

#include "common/cloexec.hpp"
#include "common/protocol/agent_protocol.hpp"
#include "common/tls.hpp"

namespace mmm::agent {

bool AllowList::allows(const asio::ip::address& peer) const {
    if (any) return true;
    asio::ip::address_v4 v4;
    if (peer.is_v4()) v4 = peer.to_v4();
    else if (peer.is_v6() && peer.to_v6().is_v4_mapped()) v4 = asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6());
    else return false;
    for (const auto& n : nets) {
        const std::uint32_t mask = n.prefix <= 0 ? 0u : ~std::uint32_t{0} << (32 - n.prefix);
        if ((v4.to_uint() & mask) == (n.base.to_uint() & mask)) return true;
    }
    return false;
}

std::string AllowList::describe() const {
    if (any) return "any address";
    std::string out;
    for (const auto& n : nets) {
        if (!out.empty()) out += ", ";
        out += n.prefix == 32 ? n.base.to_string() : fmt::format("{}/{}", n.base.to_string(), n.prefix);
    }
    return out;
}

Result<AllowList> make_allow_list(const Config& config, const std::string& listen_ip, std::string& why) {
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
        for (const auto& ip : config.monitor.addresses()) add(ip);  // every monitor of the list (issue 14)
        why = "monitor.ip";
        return list;
    }
    if (config.socket.type == SocketType::Tls) {
        list.any = true;
        why = "socket.type tls: the monitor's certificate decides";
        return list;
    }
    const auto listen = asio::ip::make_address(listen_ip, ec);
    if (!ec && listen.is_loopback()) {
        add("127.0.0.0/8");
        why = "monitor.ip and the listen address are loopback";
        return list;
    }
    return fail(fmt::format("agent.allowed_monitors is required: monitor.ip ({}) is loopback and this agent listens "
                            "on {} in plain mode, so nothing says which addresses may command it (list the "
                            "monitor's address, or use socket.type tls)",
                            config.monitor.ip, listen_ip));
}

std::vector<std::string> monitor_identities(const Config& config) {
    std::vector<std::string> names = config.monitor.addresses();
    for (const auto& m : config.agent.allowed_monitors)
        if (m.find('/') == std::string::npos && std::find(names.begin(), names.end(), m) == names.end())
            names.push_back(m);
    return names;
}

namespace {

// A peer that has not finished its TLS handshake by then is dropped: it holds a session slot without being known
// (and one of the few places of pending handshakes).
constexpr std::chrono::milliseconds handshake_deadline{5000};

// One monitor connection. Stream is a TCP socket, or a TLS stream whose handshake runs first.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    // `throttle`: the server's limit on the lines a peer's mistakes (or attacks) may log.
    Session(Stream stream, std::shared_ptr<void> slot, AgentService& service, Logger& log,
            std::chrono::milliseconds deadline, std::string peer, std::shared_ptr<LogThrottle> throttle)
        : stream_(std::move(stream)), slot_(std::move(slot)), timer_(tls::lowest(stream_).get_executor()),
          service_(service), log_(log), deadline_(deadline), peer_(std::move(peer)), throttle_(std::move(throttle)) {}

    void start() { read(); }

    // TLS: the handshake under the read deadline, then the lines. `place`, the handshake's place under the server's
    // handshake caps, is given back when it ends. A failure is logged (through `throttle`).
    void start_tls(std::shared_ptr<void> place) {
        handshake_place_ = std::move(place);
        arm_deadline(std::min(deadline_, handshake_deadline));
        stream_.async_handshake(asio::ssl::stream_base::server,
                                [self = this->shared_from_this()](std::error_code ec) {
                                    self->handshake_place_.reset();
                                    self->timer_.cancel();
                                    if (ec) return self->handshake_failed(ec);
                                    self->log_.debug("TLS session with {} ({})", self->peer_,
                                                     tls::peer_subject(self->stream_));
                                    self->read();
                                });
    }

    // The pending handshake's place went to a newer one (the server logged it): the connection ends, no more said.
    void drop_handshake() {
        dropped_ = true;
        std::error_code ignored;
        tls::lowest(stream_).close(ignored);
    }

private:
    void handshake_failed(const std::error_code& ec) {
        if (dropped_) return;
        if (const auto suffix = throttle_->suffix(SteadyClock::now()))
            log_.warn("Refused connection from {}: TLS handshake failed: {}{}", peer_, tls::handshake_error(stream_, ec),
                      *suffix);
        std::error_code ignored;
        tls::lowest(stream_).close(ignored);
    }

    void arm_deadline(std::chrono::milliseconds deadline) {
        timer_.expires_after(deadline);
        timer_.async_wait([self = this->shared_from_this()](std::error_code ec) {
            // Idle too long: the pending operation fails, the session ends.
            if (!ec) tls::lowest(self->stream_).close();
        });
    }

    void read() {
        arm_deadline(deadline_);
        asio::async_read_until(stream_, asio::dynamic_buffer(buffer_, protocol::max_line_length + 1), '\n',
                               [self = this->shared_from_this()](std::error_code ec, std::size_t n) {
                                   self->on_line(ec, n);
                               });
    }

    void on_line(std::error_code ec, std::size_t n) {
        timer_.cancel();
        if (ec == asio::error::not_found) {
            if (const auto suffix = throttle_->suffix(SteadyClock::now()))
                log_.warn("Rejected a line of more than {} bytes from {}{}", protocol::max_line_length, peer_, *suffix);
            write_reply(fmt::format("ERROR: Command too long (more than {} bytes)!", protocol::max_line_length), true);
            return;
        }
        if (ec) return;  // closed by the peer or by the deadline
        std::string line = buffer_.substr(0, n);
        buffer_.erase(0, n);
        // The time first, then the connection: a lease renewed from this line starts no later than the moment the
        // monitor was seen still waiting for the reply.
        const Received received{SteadyClock::now(), peer_closed() ? Peer::Closed : Peer::Connected};
        service_.handle_line(line, received, [self = this->shared_from_this()](std::string result) {
            self->write_reply(std::move(result), false);
        });
    }

    void write_reply(std::string result, bool close_after) {
        out_ = protocol::encode_reply(result, AgentService::uptime());
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this(), close_after](std::error_code ec, std::size_t) {
                              if (ec) return;
                              if (close_after) self->drain_and_close();
                              else self->read();
                          });
    }

    // After rejecting a line: stop sending, swallow what the peer still sends (closing with unread input would
    // reset the connection and could destroy our reply before the peer reads it), close on EOF or deadline.
    void drain_and_close() {
        std::error_code ignored;
        tls::lowest(stream_).shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        timer_.expires_after(std::chrono::seconds(2));
        timer_.async_wait([self = this->shared_from_this()](std::error_code ec) {
            if (!ec) tls::lowest(self->stream_).close();
        });
        drain();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(scratch_),
                                [self = this->shared_from_this()](std::error_code ec, std::size_t) {
                                    if (!ec) return self->drain();
                                    self->timer_.cancel();
                                    std::error_code ignored;
                                    tls::lowest(self->stream_).close(ignored);
                                });
    }

    // The monitor has sent FIN (or reset) after its line: it gave up waiting for the reply.
    bool peer_closed() {
        pollfd p{tls::lowest(stream_).native_handle(), POLLRDHUP, 0};
        return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    }

    Stream stream_;
    std::shared_ptr<void> slot_;             // this session's place under the caps, given back with the session
    std::shared_ptr<void> handshake_place_;  // TLS: its place under the handshake caps, until the handshake ends
    bool dropped_ = false;                   // the handshake's place went to a newer one
    asio::steady_timer timer_;
    AgentService& service_;
    Logger& log_;
    std::chrono::milliseconds deadline_;
    std::string peer_;
    std::shared_ptr<LogThrottle> throttle_;
    std::string buffer_;
    std::string out_;
    std::array<char, 4096> scratch_{};
};

}  // namespace

AgentServer::AgentServer(asio::io_context& io, AgentService& service, Logger& log, AllowList allow,
                         std::optional<ServerTls> tls, std::chrono::milliseconds read_deadline)
    : io_(io), service_(service), log_(log), allow_(std::move(allow)), tls_(std::move(tls)),
      read_deadline_(read_deadline), acceptor_(io), accept_retry_(io) {}

Result<void> AgentServer::listen(const std::string& ip, std::uint16_t port) {
    std::error_code ec;
    const auto addr = asio::ip::make_address(ip, ec);
    if (ec) return fail(fmt::format("invalid listen address '{}': {}", ip, ec.message()));
    const asio::ip::tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) set_cloexec(acceptor_.native_handle());
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(10, ec);
    if (ec) return fail(fmt::format("Could not listen on {}:{}: {}", ip, port, ec.message()));
    accept();
    return {};
}

std::uint16_t AgentServer::port() const {
    std::error_code ec;
    const auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

void AgentServer::close() {
    std::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
}

void AgentServer::deny(const std::string& what) {
    if (const auto suffix = denied_log_.suffix(SteadyClock::now())) log_.warn("{}{}", what, *suffix);
}

// Out of descriptors (EMFILE/ENFILE) or memory: accepting again at once would spin on the same error while the
// connection waits in the backlog. Say so (once per 10 s) and try again in 100 ms.
void AgentServer::on_accept_error(const std::error_code& ec) {
    if (const auto suffix = accept_error_log_.suffix(SteadyClock::now()))
        log_.error("Could not accept a connection: {} ({} open sessions); retrying in 100 ms{}", ec.message(),
                   limits_.open(), *suffix);
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](std::error_code tec) {
        if (!tec && acceptor_.is_open()) accept();
    });
}

void AgentServer::accept() {
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) return on_accept_error(ec);
        set_cloexec(socket.native_handle());
        std::error_code pec;
        const auto remote = socket.remote_endpoint(pec);
        const std::string peer = pec ? std::string("?") : remote.address().to_string();
        std::string why;
        std::shared_ptr<void> slot;
        if (pec || !allow_.allows(remote.address())) {
            deny(fmt::format("Denied connection from {}: not an allowed monitor ({})", peer, allow_.describe()));
        } else if (slot = limits_.take(peer, why); slot == nullptr) {
            deny(fmt::format("Denied connection from {}: {}", peer, why));
        } else if (tls_) {
            start_tls_session(std::move(socket), std::move(slot), peer);
        } else {
            std::make_shared<Session<asio::ip::tcp::socket>>(std::move(socket), std::move(slot), service_, log_,
                                                             read_deadline_, peer, session_log_)
                ->start();
        }
        accept();
    });
}

// The session waits for its handshake under the handshake caps: with a place of its own, or that of the oldest
// pending handshake of the address with the most (that connection is closed); refused when its address has the most
// it may have.
void AgentServer::start_tls_session(asio::ip::tcp::socket socket, std::shared_ptr<void> slot, const std::string& peer) {
    tls::Stream stream(std::move(socket), *tls_->context);
    tls::require_peer_names(stream, tls_->peer_names);
    auto session = std::make_shared<Session<tls::Stream>>(std::move(stream), std::move(slot), service_, log_,
                                                          read_deadline_, peer, session_log_);
    // Only the listed monitor addresses can connect at all: the session caps are enough, and the monitor's own
    // concurrent calls (heartbeats, a plan's SET_STATUS, CHECK_MASTER) must never count against a handshake cap.
    if (!allow_.any) return session->start_tls(nullptr);
    auto admitted = handshakes_.admit(peer, [weak = std::weak_ptr<Session<tls::Stream>>(session)] {
        if (const auto pending = weak.lock()) pending->drop_handshake();
    });
    if (!admitted.place) return deny(fmt::format("Denied connection from {}: {}", peer, admitted.refused));
    if (!admitted.dropped.empty())
        deny(fmt::format("Closed connection from {}: TLS handshake not finished while {} were pending, the most at "
                         "once (its place goes to {})",
                         admitted.dropped, max_handshakes, peer));
    session->start_tls(std::move(admitted.place));
}

}  // namespace mmm::agent
