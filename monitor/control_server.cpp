// The control listener: a coroutine per connection; each command waits for its reply before the next is read.
#include "monitor/control_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

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

asio::awaitable<void> serve(asio::ip::tcp::socket socket, ControlServer::Handler handler, std::shared_ptr<bool> alive) {
    using namespace asio::experimental::awaitable_operators;
    std::string buffer;
    asio::steady_timer idle(socket.get_executor());
    while (*alive) {
        idle.expires_after(ControlServer::idle_timeout);
        auto read = co_await (asio::async_read_until(socket, asio::dynamic_buffer(buffer, 64 * 1024), '\n', nothrow) ||
                              idle.async_wait(nothrow));
        if (read.index() != 0) break;
        auto [ec, n] = std::get<0>(read);
        if (ec) break;
        std::string line = buffer.substr(0, n - 1);
        buffer.erase(0, n);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line == "quit") break;
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        auto pending = std::make_shared<PendingReply>(socket.get_executor());
        handler(line, [pending](std::string reply) {
            if (pending->text) return;
            pending->text = std::move(reply);
            pending->wakeup.cancel();
        });
        if (!pending->text) co_await pending->wakeup.async_wait(nothrow);
        if (!*alive || !pending->text) break;
        auto [wec, written] = co_await asio::async_write(socket, asio::buffer(*pending->text), nothrow);
        if (wec) break;
    }
    asio::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}
}  // namespace

ControlServer::ControlServer(asio::io_context& io, Handler handler)
    : io_(io), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() { stop(); }

Result<void> ControlServer::listen(const std::string& ip, std::uint16_t port) {
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) return fail("invalid monitor.ip '" + ip + "'");
    const asio::ip::tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), ec);
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

void ControlServer::accept() {
    acceptor_.async_accept([this, alive = alive_](asio::error_code ec, asio::ip::tcp::socket socket) {
        if (!*alive || ec == asio::error::operation_aborted) return;
        if (!ec) asio::co_spawn(io_, serve(std::move(socket), handler_, alive), supervised("control connection"));
        accept();
    });
}

void ControlServer::stop() {
    *alive_ = false;
    asio::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace mmm::monitor
