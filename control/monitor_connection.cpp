// The monitor conversation, with deadlines on connect and reply.
#include "control/monitor_connection.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <optional>

#include <fmt/format.h>

#include "common/tls.hpp"
#include "control/cli.hpp"

namespace mmm::control {

namespace {

// Sends the request and reads the whole reply (until the monitor closes) on a connected stream, by the deadline.
template <typename Stream>
Result<std::string> converse(asio::io_context& io, Stream& stream, const std::string& command_line,
                             std::chrono::milliseconds reply_timeout) {
    const std::string request = control_request(command_line);
    std::string reply;
    std::optional<asio::error_code> finished;
    asio::async_write(stream, asio::buffer(request), [&](asio::error_code e, std::size_t) {
        if (e) {
            finished = e;
            return;
        }
        asio::async_read(stream, asio::dynamic_buffer(reply, max_reply_bytes + 1),
                         [&](asio::error_code re, std::size_t) { finished = re; });
    });
    io.restart();
    io.run_for(reply_timeout);
    if (!finished) return fail("no reply from the monitor within the deadline");
    if (auto size = check_reply_size(reply.size()); !size) return size.error();
    if (*finished && *finished != asio::error::eof) return fail(finished->message());
    // The monitor answers every command with text; a connection closed without any is a refusal (a TLS monitor
    // closes a plaintext client's connection at its failed handshake).
    if (reply.empty()) return fail("the monitor closed the connection without a reply (do both use the same socket.type?)");
    return reply;
}

}  // namespace

Result<std::string> ask_monitor(const std::string& ip, std::uint16_t port, const std::string& command_line,
                                std::chrono::milliseconds connect_timeout, std::chrono::milliseconds reply_timeout,
                                const SocketConfig& socket_config) {
    asio::io_context io;
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) return fail("invalid monitor address '" + ip + "'");
    tls::ContextPtr context;
    if (socket_config.type == SocketType::Tls) {
        auto made = tls::make_context(socket_config, tls::Side::Client);
        if (!made) return made.error();
        context = *made;
    }
    asio::ip::tcp::socket socket(io);
    std::optional<asio::error_code> connected;
    socket.async_connect({address, port}, [&](asio::error_code e) { connected = e; });
    io.run_for(connect_timeout);
    if (!connected || *connected) return fail(connected ? connected->message() : "connect timeout");
    if (!context) return converse(io, socket, command_line, reply_timeout);

    tls::Stream stream(std::move(socket), *context);
    tls::require_peer_names(stream, {ip});
    std::optional<asio::error_code> shaken;
    stream.async_handshake(asio::ssl::stream_base::client, [&](asio::error_code e) { shaken = e; });
    io.restart();
    io.run_for(connect_timeout);
    if (!shaken) return fail("no TLS handshake with the monitor within the deadline");
    if (*shaken) return fail("TLS handshake with the monitor failed: " + tls::handshake_error(stream, *shaken));
    return converse(io, stream, command_line, reply_timeout);
}

}  // namespace mmm::control
