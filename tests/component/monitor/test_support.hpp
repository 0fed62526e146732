// Helpers of the monitor component tests: bounded io_context runs, a fake agent, a control-protocol client.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "component/run_until.hpp"

namespace mmm::monitor::test {

using mmm::test::run_until;

// A fake agent: answers each line with `reply` (or `respond(line)` when set) after `delay` (hours = never).
class FakeAgent {
public:
    FakeAgent(asio::io_context& io, std::string reply, std::chrono::milliseconds delay)
        : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), reply_(std::move(reply)), delay_(delay) {
        accept();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::vector<std::string> received;
    std::function<std::string(const std::string& line)> respond;

private:
    void accept() {
        acceptor_.async_accept([this](asio::error_code ec, asio::ip::tcp::socket s) {
            if (ec) return;
            auto conn = std::make_shared<Conn>(std::move(s), io_);
            asio::async_read_until(conn->socket, asio::dynamic_buffer(conn->buffer), '\n',
                                   [this, conn](asio::error_code rec, std::size_t n) {
                                       if (rec) return;
                                       received.push_back(conn->buffer.substr(0, n));
                                       conn->reply = respond ? respond(received.back()) : reply_;
                                       conn->timer.expires_after(delay_);
                                       conn->timer.async_wait([conn](asio::error_code) {
                                           asio::error_code ignored;
                                           asio::write(conn->socket, asio::buffer(conn->reply), ignored);
                                       });
                                   });
            accept();
        });
    }
    struct Conn {
        Conn(asio::ip::tcp::socket s, asio::io_context& io) : socket(std::move(s)), timer(io) {}
        asio::ip::tcp::socket socket;
        asio::steady_timer timer;
        std::string buffer;
        std::string reply;
    };
    asio::io_context& io_;
    asio::ip::tcp::acceptor acceptor_;
    std::string reply_;
    std::chrono::milliseconds delay_;
};

// Sends `text` to 127.0.0.1:port and reads until the server closes (as mmm_control does), on a helper thread.
// A port on 127.0.0.1 where nothing listens (bound, then released).
inline std::uint16_t closed_port(asio::io_context& io) {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

inline std::string converse(std::uint16_t port, const std::string& text) {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(s, asio::buffer(text));
    std::string out;
    asio::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
}

}  // namespace mmm::monitor::test
