// ICMP echo over a shared raw socket, and the TCP-connect fallback.
#include "monitor/checks/icmp_pinger.hpp"

#include <unistd.h>

#include <atomic>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "common/cloexec.hpp"
#include "monitor/asio_support.hpp"

namespace mmm::monitor {

namespace {


std::uint16_t internet_checksum(const unsigned char* data, std::size_t size) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    if (size % 2 != 0) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
    while ((sum >> 16) != 0) sum = (sum & 0xffffU) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffffU);
}

std::uint16_t make_ident() {
    static std::atomic<unsigned> counter{0};
    return static_cast<std::uint16_t>((static_cast<unsigned>(::getpid()) * 31U + counter++) & 0xffffU);
}

}  // namespace

IcmpPinger::IcmpPinger(asio::io_context& io)
    : socket_(io, asio::ip::icmp::v4()), retry_(io), ident_(make_ident()) {
    // Asio opens sockets without SOCK_CLOEXEC: a raw socket must not outlive an exec (issue 12 item 9).
    set_cloexec(socket_.native_handle());
    receive();
}

IcmpPinger::~IcmpPinger() {
    *alive_ = false;
    close();
}

void IcmpPinger::close() {
    asio::error_code ignored;
    socket_.close(ignored);
    retry_.cancel();
}

void IcmpPinger::receive() {
    socket_.async_receive_from(asio::buffer(buffer_), sender_,
                               [this, alive = alive_](asio::error_code ec, std::size_t size) {
                                   if (!*alive || ec == asio::error::operation_aborted || !socket_.is_open()) return;
                                   if (!ec) {
                                       on_packet(size);
                                       receive();
                                       return;
                                   }
                                   // An error would come back at once if asked again at once: pause, no spinning.
                                   retry_.expires_after(std::chrono::milliseconds(100));
                                   retry_.async_wait([this, alive](asio::error_code tec) {
                                       if (!tec && *alive) receive();
                                   });
                               });
}

void IcmpPinger::on_packet(std::size_t size) {
    // A raw IPv4 socket delivers the IP header first.
    if (size < 20) return;
    const std::size_t ihl = static_cast<std::size_t>(buffer_[0] & 0x0fU) * 4U;
    if (size < ihl + 8) return;
    const unsigned char* icmp = buffer_.data() + ihl;
    if (icmp[0] != 0 /* echo reply */) return;
    const auto ident = static_cast<std::uint16_t>((icmp[4] << 8) | icmp[5]);
    const auto seq = static_cast<std::uint16_t>((icmp[6] << 8) | icmp[7]);
    if (ident != ident_) return;
    auto it = waiters_.find(seq);
    if (it == waiters_.end()) return;
    if (sender_.address() != asio::ip::address(it->second->target)) return;
    it->second->answered = true;
    it->second->wakeup->cancel();
}

asio::awaitable<bool> IcmpPinger::ping(std::string ip, SteadyTime deadline) {
    asio::error_code ec;
    const auto target = asio::ip::make_address_v4(ip, ec);
    if (ec) co_return false;
    std::uint16_t seq = next_seq_++;
    while (waiters_.count(seq) != 0) seq = next_seq_++;

    std::array<unsigned char, 16> packet{};
    packet[0] = 8;  // echo request
    packet[4] = static_cast<unsigned char>(ident_ >> 8);
    packet[5] = static_cast<unsigned char>(ident_ & 0xffU);
    packet[6] = static_cast<unsigned char>(seq >> 8);
    packet[7] = static_cast<unsigned char>(seq & 0xffU);
    for (std::size_t i = 8; i < packet.size(); ++i) packet[i] = static_cast<unsigned char>('m' + i % 3);
    const std::uint16_t sum = internet_checksum(packet.data(), packet.size());
    packet[2] = static_cast<unsigned char>(sum >> 8);
    packet[3] = static_cast<unsigned char>(sum & 0xffU);

    asio::steady_timer wakeup(co_await asio::this_coro::executor, deadline);
    Waiter waiter{target, &wakeup, false};
    waiters_[seq] = &waiter;
    socket_.send_to(asio::buffer(packet), asio::ip::icmp::endpoint(target, 0), 0, ec);
    if (!ec) co_await wakeup.async_wait(nothrow);  // cancelled by on_packet when the reply arrives
    waiters_.erase(seq);
    co_return waiter.answered;
}

asio::awaitable<bool> tcp_answers(std::string ip, std::uint16_t port, SteadyTime deadline) {
    using namespace asio::experimental::awaitable_operators;
    asio::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) co_return false;
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::socket socket(executor);
    asio::steady_timer timer(executor, deadline);
    auto result = co_await (socket.async_connect({address, port}, nothrow) || timer.async_wait(nothrow));
    if (result.index() != 0) co_return false;
    const auto [connect_ec] = std::get<0>(result);
    co_return !connect_ec || connect_ec == asio::error::connection_refused;
}

asio::awaitable<bool> TcpPinger::ping(std::string ip, SteadyTime deadline) {
    co_return co_await tcp_answers(std::move(ip), port_, deadline);
}

}  // namespace mmm::monitor
