// The monitor conversation, with deadlines on connect and reply.
#include "control/monitor_connection.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <optional>

#include "control/cli.hpp"

namespace mmm::control {

Result<std::string> ask_monitor(const std::string& ip, std::uint16_t port, const std::string& command_line,
                                std::chrono::milliseconds connect_timeout, std::chrono::milliseconds reply_timeout) {
    asio::io_context io;
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) return fail("invalid monitor address '" + ip + "'");
    asio::ip::tcp::socket socket(io);
    std::optional<asio::error_code> connected;
    socket.async_connect({address, port}, [&](asio::error_code e) { connected = e; });
    io.run_for(connect_timeout);
    if (!connected || *connected) return fail(connected ? connected->message() : "connect timeout");

    const std::string request = control_request(command_line);
    std::string reply;
    std::optional<asio::error_code> finished;
    asio::async_write(socket, asio::buffer(request), [&](asio::error_code e, std::size_t) {
        if (e) {
            finished = e;
            return;
        }
        asio::async_read(socket, asio::dynamic_buffer(reply), [&](asio::error_code re, std::size_t) { finished = re; });
    });
    io.restart();
    io.run_for(reply_timeout);
    if (!finished) return fail("no reply from the monitor within the deadline");
    if (*finished && *finished != asio::error::eof) return fail(finished->message());
    return reply;
}

}  // namespace mmm::control
