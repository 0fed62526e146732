// The control listener: a coroutine per connection; each command waits for its reply before the next is read.
#include "monitor/control_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <unistd.h>

#include <fmt/format.h>

#include "common/cloexec.hpp"
#include "common/time.hpp"
#include "monitor/asio_support.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

namespace {

// The reply slot of one command: respond() fills it and wakes the connection (a cancelled timer is the signal).
struct PendingReply {
    explicit PendingReply(asio::any_io_executor ex) : wakeup(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wakeup;
    std::optional<std::string> text;
};

// `slot` holds the connection's place under the session caps until it ends.
template <typename Stream>
asio::awaitable<void> serve(Stream stream, ControlPeer peer, ControlServer::Handler handler,
                            std::shared_ptr<bool> alive, [[maybe_unused]] std::shared_ptr<void> slot) {
    using namespace asio::experimental::awaitable_operators;
    std::string buffer;
    asio::steady_timer idle(tls::lowest(stream).get_executor());
    while (*alive) {
        idle.expires_after(ControlServer::idle_timeout);
        auto read = co_await (asio::async_read_until(stream, asio::dynamic_buffer(buffer, 64 * 1024), '\n', nothrow) ||
                              idle.async_wait(nothrow));
        if (read.index() != 0) break;
        auto [ec, n] = std::get<0>(read);
        if (ec) break;
        std::string line = buffer.substr(0, n - 1);
        buffer.erase(0, n);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line == "quit") break;
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        auto pending = std::make_shared<PendingReply>(tls::lowest(stream).get_executor());
        handler(line, peer, [pending](std::string reply) {
            if (pending->text) return;
            pending->text = std::move(reply);
            pending->wakeup.cancel();
        });
        if (!pending->text) co_await pending->wakeup.async_wait(nothrow);
        if (!*alive || !pending->text) break;
        auto [wec, written] = co_await asio::async_write(stream, asio::buffer(*pending->text), nothrow);
        if (wec) break;
    }
    if constexpr (std::is_same_v<Stream, tls::Stream>) {
        // close_notify, so the client's read ends cleanly (it reads until the monitor closes), bounded in time.
        idle.expires_after(std::chrono::seconds(2));
        co_await (stream.async_shutdown(nothrow) || idle.async_wait(nothrow));
    }
    asio::error_code ignored;
    tls::lowest(stream).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

// A connection waiting for its TLS handshake: the handshake's deadline (the idle timeout), which drop() brings
// forward to now when its place under the handshake caps goes to a newer one; the place, given back when the
// handshake ends.
struct PendingHandshake {
    explicit PendingHandshake(asio::any_io_executor ex) : deadline(std::move(ex), ControlServer::idle_timeout) {}
    void drop() {
        dropped = true;
        deadline.expires_after(asio::steady_timer::duration::zero());  // also when the wait has not started yet
    }
    asio::steady_timer deadline;
    bool dropped = false;
    std::shared_ptr<void> place;
};

// TLS first: the handshake (under the idle timeout), then the lines as without TLS.
asio::awaitable<void> serve_tls(tls::Stream stream, std::string peer, ControlServer::Handler handler,
                                std::shared_ptr<bool> alive, std::shared_ptr<void> slot,
                                std::shared_ptr<PendingHandshake> pending, std::function<void(std::string)> refused) {
    using namespace asio::experimental::awaitable_operators;
    auto shaken = co_await (stream.async_handshake(asio::ssl::stream_base::server, nothrow) ||
                            pending->deadline.async_wait(nothrow));
    pending->place.reset();
    if (shaken.index() != 0) {
        // Out of time; or closed for a newer handshake, which was logged then.
        if (!pending->dropped)
            refused(fmt::format("Refused control connection from {}: no TLS handshake within {} s", peer,
                                ControlServer::idle_timeout.count()));
        co_return;
    }
    if (auto [ec] = std::get<0>(shaken); ec) {
        refused(fmt::format("Refused control connection from {}: TLS handshake failed: {}", peer,
                            tls::handshake_error(stream, ec)));
        co_return;
    }
    ControlPeer who(ControlPeer::Identity{fmt::format("{} ({})", tls::peer_subject(stream), peer), true});
    co_await serve(std::move(stream), std::move(who), std::move(handler), std::move(alive), std::move(slot));
}
}  // namespace

ControlServer::ControlServer(asio::io_context& io, Handler handler)
    : io_(io),
      handler_(std::move(handler)),
      identify_plain_([](const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint& local) {
          return identify_plain_peer(peer, local, ::geteuid());
      }),
      acceptor_(io),
      retry_(io) {}

ControlServer::~ControlServer() { stop(); }

Result<void> ControlServer::listen(const std::string& ip, std::uint16_t port) {
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) return fail("invalid monitor.ip '" + ip + "'");
    const asio::ip::tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) set_cloexec(acceptor_.native_handle());
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        asio::error_code ignored;
        acceptor_.close(ignored);
        return fail("cannot listen on " + ip + ":" + std::to_string(port) + ": " + ec.message());
    }
    accept();
    return {};
}

std::uint16_t ControlServer::port() const {
    asio::error_code ec;
    const auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

void ControlServer::use_tls(tls::ContextPtr context, std::function<bool(X509*)> accept) {
    tls_ = std::move(context);
    accept_cert_ = std::move(accept);
}

void ControlServer::accept() {
    acceptor_.async_accept([this, alive = alive_](asio::error_code ec, asio::ip::tcp::socket socket) {
        if (!*alive || ec == asio::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors: waiting for the next connection would spin on the same error. Retry shortly.
            if (const auto held = refused_log_.admit(std::chrono::steady_clock::now()); held && log_refused_)
                log_refused_(fmt::format("Could not accept a control connection: {} ({} open); retrying in 100 ms",
                                         ec.message(), limits_.open()));
            retry_.expires_after(std::chrono::milliseconds(100));
            retry_.async_wait([this, alive](asio::error_code tec) {
                if (!tec && *alive) accept();
            });
            return;
        }
        set_cloexec(socket.native_handle());
        asio::error_code pec;
        const auto remote = socket.remote_endpoint(pec);
        const std::string address = pec ? std::string("?") : remote.address().to_string();
        const std::string peer = pec ? address : fmt::format("{}:{}", address, remote.port());
        auto refused = [this, alive](std::string text) {
            if (!*alive || !log_refused_) return;
            if (const auto suffix = refused_log_.suffix(std::chrono::steady_clock::now()))
                log_refused_(text + *suffix);
        };
        std::string why;
        auto slot = limits_.take(address, why);
        if (slot == nullptr) {
            refused(fmt::format("Refused control connection from {}: {}", peer, why));
        } else if (tls_) {
            start_tls_session(std::move(socket), address, peer, std::move(slot), std::move(refused));
        } else {
            asio::error_code lec;
            const auto local = socket.local_endpoint(lec);
            // Looked up (/proc/net/tcp) only when a changing command asks, not for every connection.
            ControlPeer who = pec || lec ? ControlPeer(ControlPeer::Identity{peer, false})
                                         : ControlPeer([identify = identify_plain_, remote, local] {
                                               return identify(remote, local);
                                           });
            asio::co_spawn(io_, serve(std::move(socket), std::move(who), handler_, alive, std::move(slot)),
                           supervised("control connection"));
        }
        accept();
    });
}

// The connection waits for its handshake under the handshake caps: with a place of its own, or that of the oldest
// pending handshake of the address with the most (that connection is closed); refused when its address has the most
// it may have.
void ControlServer::start_tls_session(asio::ip::tcp::socket socket, const std::string& address, const std::string& peer,
                                      std::shared_ptr<void> slot, std::function<void(std::string)> refused) {
    auto pending = std::make_shared<PendingHandshake>(io_.get_executor());
    auto admitted = handshakes_.admit(address, [weak = std::weak_ptr<PendingHandshake>(pending)] {
        if (const auto handshake = weak.lock()) handshake->drop();
    });
    if (!admitted.place) return refused(fmt::format("Refused control connection from {}: {}", peer, admitted.refused));
    if (!admitted.dropped.empty())
        refused(fmt::format("Closed control connection from {}: TLS handshake not finished while {} were pending, the "
                            "most at once (its place goes to {})",
                            admitted.dropped, max_handshakes, peer));
    pending->place = std::move(admitted.place);
    tls::Stream stream(std::move(socket), *tls_);
    tls::require_peer(stream, accept_cert_);
    asio::co_spawn(io_,
                   serve_tls(std::move(stream), peer, handler_, alive_, std::move(slot), std::move(pending),
                             std::move(refused)),
                   supervised("control connection"));
}

void ControlServer::stop() {
    *alive_ = false;
    asio::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
}

}  // namespace mmm::monitor
