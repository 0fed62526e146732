// Connections that never start a TLS handshake, from several loopback addresses, held open: what peers without a
// certificate can do to a TLS port when no allow list keeps them out.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <fmt/format.h>

#include "component/run_until.hpp"

namespace mmm::test {

// The number of connections waiting in the accept queue of the socket listening on 127.0.0.1:`port` (its
// rx_queue in /proc/net/tcp); nullopt when there is no such socket.
inline std::optional<unsigned long> accept_queue(unsigned short port) {
    std::ifstream in("/proc/net/tcp");
    const std::string local = fmt::format("0100007F:{:04X}", port);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, address, remote, state, queues;
        if (fields >> slot >> address >> remote >> state >> queues && address == local && state == "0A")
            return std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return std::nullopt;
}

class HalfOpen {
public:
    // `per_source` connections to 127.0.0.1:`port` from each of `sources` (addresses in 127.0.0.0/8), made on `io`
    // (which must run the server too, unless another thread does). Eight at a time, each batch taken from the
    // accept queue before the next: beyond the listen backlog (the agent's is 10) a connection is established on
    // our side only, and reaches the server later, after connections made after it.
    HalfOpen(asio::io_context& io, unsigned short port, const std::vector<std::string>& sources,
             std::size_t per_source) {
        const asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
        for (const auto& source : sources)
            for (std::size_t i = 0; i < per_source; ++i) {
                auto& socket = sockets_.emplace_back(io);  // a deque: the sockets stay where they are
                socket.open(asio::ip::tcp::v4());
                socket.bind({asio::ip::make_address(source), 0});
                socket.async_connect(server, [this](std::error_code ec) { ++(ec ? failed_ : connected_); });
                if (sockets_.size() % 8 == 0 || sockets_.size() == sources.size() * per_source)
                    run_until(io, [&] { return done() && accept_queue(port) == 0ul; }, std::chrono::seconds(10));
            }
    }
    bool done() const { return connected_ + failed_ == sockets_.size(); }
    std::size_t connected() const { return connected_; }
    // How many of them the server still holds: connected, and neither closed nor reset by it.
    std::size_t held_by_server() {
        std::size_t held = 0;
        for (auto& socket : sockets_) {
            pollfd p{socket.native_handle(), POLLRDHUP, 0};
            if (socket.is_open() && ::poll(&p, 1, 0) == 0) ++held;
        }
        return held;
    }

private:
    std::deque<asio::ip::tcp::socket> sockets_;
    std::size_t connected_ = 0;
    std::size_t failed_ = 0;
};

}  // namespace mmm::test
