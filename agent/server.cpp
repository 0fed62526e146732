// The agent's TCP server: per-connection sessions with a read deadline and a line length limit.
#include "agent/server.hpp"

#include <poll.h>

#include <array>
#include <memory>

#include <fmt/format.h>

#include "common/protocol/agent_protocol.hpp"

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

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(asio::ip::tcp::socket socket, AgentService& service, Logger& log, std::chrono::milliseconds deadline)
        : socket_(std::move(socket)), timer_(socket_.get_executor()), service_(service), log_(log),
          deadline_(deadline) {}

    void start() { read(); }

private:
    void read() {
        timer_.expires_after(deadline_);
        timer_.async_wait([self = shared_from_this()](std::error_code ec) {
            if (!ec) self->socket_.close();  // idle too long: the pending read fails and the session ends
        });
        asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, protocol::max_line_length + 1), '\n',
                               [self = shared_from_this()](std::error_code ec, std::size_t n) { self->on_line(ec, n); });
    }

    void on_line(std::error_code ec, std::size_t n) {
        timer_.cancel();
        if (ec == asio::error::not_found) {
            log_.warn("Rejected a line of more than {} bytes from {}", protocol::max_line_length, peer());
            write_reply(fmt::format("ERROR: Command too long (more than {} bytes)!", protocol::max_line_length), true);
            return;
        }
        if (ec) return;  // closed by the peer or by the deadline
        std::string line = buffer_.substr(0, n);
        buffer_.erase(0, n);
        // The time first, then the connection: a lease renewed from this line starts no later than the moment the
        // monitor was seen still waiting for the reply.
        const Received received{SteadyClock::now(), peer_closed() ? Peer::Closed : Peer::Connected};
        service_.handle_line(line, received, [self = shared_from_this()](std::string result) {
            self->write_reply(std::move(result), false);
        });
    }

    void write_reply(std::string result, bool close_after) {
        out_ = protocol::encode_reply(result, AgentService::uptime());
        asio::async_write(socket_, asio::buffer(out_),
                          [self = shared_from_this(), close_after](std::error_code ec, std::size_t) {
                              if (ec) return;
                              if (close_after) self->drain_and_close();
                              else self->read();
                          });
    }

    // After rejecting a line: stop sending, swallow what the peer still sends (closing with unread input would
    // reset the connection and could destroy our reply before the peer reads it), close on EOF or deadline.
    void drain_and_close() {
        std::error_code ignored;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        timer_.expires_after(std::chrono::seconds(2));
        timer_.async_wait([self = shared_from_this()](std::error_code ec) {
            if (!ec) self->socket_.close();
        });
        drain();
    }

    void drain() {
        socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](std::error_code ec, std::size_t) {
            if (!ec) return self->drain();
            self->timer_.cancel();
            std::error_code ignored;
            self->socket_.close(ignored);
        });
    }

    // The monitor has sent FIN (or reset) after its line: it gave up waiting for the reply.
    bool peer_closed() {
        pollfd p{socket_.native_handle(), POLLRDHUP, 0};
        return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    }

    std::string peer() const {
        std::error_code ec;
        const auto ep = socket_.remote_endpoint(ec);
        return ec ? std::string("?") : ep.address().to_string();
    }

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    AgentService& service_;
    Logger& log_;
    std::chrono::milliseconds deadline_;
    std::string buffer_;
    std::string out_;
    std::array<char, 4096> scratch_{};
};

}  // namespace

AgentServer::AgentServer(asio::io_context& io, AgentService& service, Logger& log, AllowList allow,
                         std::chrono::milliseconds read_deadline)
    : io_(io), service_(service), log_(log), allow_(std::move(allow)), read_deadline_(read_deadline), acceptor_(io) {}

Result<void> AgentServer::listen(const std::string& ip, std::uint16_t port) {
    std::error_code ec;
    const auto addr = asio::ip::make_address(ip, ec);
    if (ec) return fail(fmt::format("invalid listen address '{}': {}", ip, ec.message()));
    const asio::ip::tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(10, ec);
    if (ec) return fail(fmt::format("Could not listen on {}:{}: {}", ip, port, ec.message()));
    accept();
    return {};
}

void AgentServer::close() {
    std::error_code ignored;
    acceptor_.close(ignored);
}

void AgentServer::accept() {
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!ec) {
            std::error_code pec;
            const auto remote = socket.remote_endpoint(pec);
            if (pec || !allow_.allows(remote.address())) {
                log_.warn("Denied connection from {}: not an allowed monitor ({})",
                          pec ? std::string("?") : remote.address().to_string(), allow_.describe());
                std::error_code ignored;
                socket.close(ignored);
            } else {
                std::make_shared<Session>(std::move(socket), service_, log_, read_deadline_)->start();
            }
        }
        accept();
    });
}

}  // namespace mmm::agent
