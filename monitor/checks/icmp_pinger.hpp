// IP reachability: one ICMP echo over a shared raw socket (needs root or CAP_NET_RAW), or a TCP connect.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/icmp.hpp>
#include <asio/steady_timer.hpp>

#include "monitor/checks/prober.hpp"

namespace mmm::monitor {

// All pings share one raw socket; replies are matched to waiters by identifier and sequence number, so a
// thousand hosts cost one socket and one receive loop.
class IcmpPinger final : public IpPinger {
public:
    // Throws std::system_error when the raw socket cannot be opened (no CAP_NET_RAW).
    explicit IcmpPinger(asio::io_context& io);
    ~IcmpPinger() override;

    asio::awaitable<bool> ping(std::string ip, SteadyTime deadline) override;
    std::string_view method() const override { return "ICMP echo"; }
    void close() override;  // closes the raw socket

private:
    struct Waiter {
        asio::ip::address_v4 target;
        asio::steady_timer* wakeup = nullptr;
        bool answered = false;
    };
    void receive();
    void on_packet(std::size_t size);

    asio::ip::icmp::socket socket_;
    asio::steady_timer retry_;  // receive again after an error
    std::uint16_t ident_;
    std::uint16_t next_seq_ = 1;
    std::map<std::uint16_t, Waiter*> waiters_;
    std::array<unsigned char, 2048> buffer_{};
    asio::ip::icmp::endpoint sender_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "Reachable" = a TCP connection to ip:port is accepted or refused (a RST is an answer too).
class TcpPinger final : public IpPinger {
public:
    explicit TcpPinger(std::uint16_t port) : port_(port), method_("TCP connect to port " + std::to_string(port)) {}
    asio::awaitable<bool> ping(std::string ip, SteadyTime deadline) override;
    std::string_view method() const override { return method_; }

private:
    std::uint16_t port_;
    std::string method_;
};

// A TCP connect to `ip:port` by `deadline`: true when connected or refused.
asio::awaitable<bool> tcp_answers(std::string ip, std::uint16_t port, SteadyTime deadline);

}  // namespace mmm::monitor
