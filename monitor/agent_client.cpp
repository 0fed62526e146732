// The agent call.
#include "monitor/agent_client.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "monitor/asio_support.hpp"

namespace mmm::monitor {

namespace {

// Writes the request and reads one reply line on a connected (and, with TLS, handshaken) stream.
template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const std::string& request, asio::steady_timer& timer,
                               AgentAnswer& answer) {
    using namespace asio::experimental::awaitable_operators;
    answer.status = AgentAnswer::Status::NoAnswer;
    auto written = co_await (asio::async_write(stream, asio::buffer(request), nothrow) || timer.async_wait(nothrow));
    if (written.index() != 0) {
        answer.error = "write timeout";
        co_return;
    }
    if (auto [write_ec, n] = std::get<0>(written); write_ec) {
        answer.error = write_ec.message();
        co_return;
    }
    std::string buffer;
    auto read = co_await (asio::async_read_until(stream, asio::dynamic_buffer(buffer, protocol::max_line_length), '\n',
                                                 nothrow) ||
                          timer.async_wait(nothrow));
    if (read.index() != 0) {
        answer.error = "no reply before the deadline";
        co_return;
    }
    auto [read_ec, n] = std::get<0>(read);
    if (read_ec) {
        answer.error = read_ec.message();
        co_return;
    }
    answer.status = AgentAnswer::Status::Answered;
    answer.reply = protocol::parse_reply(std::string_view(buffer).substr(0, n));
}

}  // namespace

asio::awaitable<AgentAnswer> call_agent(std::string ip, std::uint16_t port, std::string request, SteadyTime deadline,
                                        std::optional<SteadyTime> connect_by, std::optional<AgentTls> tls) {
    using namespace asio::experimental::awaitable_operators;
    AgentAnswer answer;
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) {
        answer.error = "invalid address '" + ip + "'";
        co_return answer;
    }
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::socket socket(executor);
    asio::steady_timer timer(executor, connect_by ? std::min(*connect_by, deadline) : deadline);

    auto connected = co_await (socket.async_connect({address, port}, nothrow) || timer.async_wait(nothrow));
    if (connected.index() != 0) {
        answer.error = "connect timeout";
        co_return answer;
    }
    if (auto [connect_ec] = std::get<0>(connected); connect_ec) {
        answer.error = connect_ec.message();
        co_return answer;
    }
    asio::error_code ignored;
    if (!tls) {
        timer.expires_at(deadline);
        co_await exchange(socket, request, timer, answer);
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        co_return answer;
    }
    tls::Stream stream(std::move(socket), *tls->context);
    tls::require_peer_names(stream, tls->names);
    auto handshake = co_await (stream.async_handshake(asio::ssl::stream_base::client, nothrow) ||
                               timer.async_wait(nothrow));
    if (handshake.index() != 0) {
        answer.error = "TLS handshake timeout";
        co_return answer;
    }
    if (auto [handshake_ec] = std::get<0>(handshake); handshake_ec) {
        answer.error = "TLS handshake failed: " + tls::handshake_error(stream, handshake_ec);
        co_return answer;
    }
    timer.expires_at(deadline);
    co_await exchange(stream, request, timer, answer);
    stream.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return answer;
}

}  // namespace mmm::monitor
