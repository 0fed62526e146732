// Gratuitous ARP frames built and sent with libnet.
#include "agent/net/arp_announcer.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>
#include <libnet.h>

namespace mmm::agent {

namespace {
constexpr std::uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
}  // namespace

ArpAnnouncer::ArpAnnouncer(std::string interface) : interface_(std::move(interface)) {}

ArpAnnouncer::~ArpAnnouncer() {
    if (net_ != nullptr) libnet_destroy(net_);
}

Result<void> ArpAnnouncer::open_locked() {
    if (net_ != nullptr) return {};
    char errbuf[LIBNET_ERRBUF_SIZE] = {};
    net_ = libnet_init(LIBNET_LINK, interface_.c_str(), errbuf);
    if (net_ == nullptr) return fail(fmt::format("libnet on '{}': {} (needs CAP_NET_RAW)", interface_, errbuf));
    const auto* hw = libnet_get_hwaddr(net_);
    if (hw == nullptr) {
        const std::string why = libnet_geterror(net_);
        libnet_destroy(net_);
        net_ = nullptr;
        return fail(fmt::format("interface '{}' has no MAC address: {}", interface_, why));
    }
    std::copy(hw->ether_addr_octet, hw->ether_addr_octet + 6, mac_.begin());
    return {};
}

Result<int> ArpAnnouncer::announce(const std::string& ip, int rounds) {
    in_addr addr{};
    if (inet_pton(AF_INET, ip.c_str(), &addr) != 1) return fail(fmt::format("'{}' is not an IPv4 address", ip));
    const std::lock_guard lock(mutex_);
    if (auto opened = open_locked(); !opened) return opened.error();
    const auto* ip_bytes = reinterpret_cast<const std::uint8_t*>(&addr.s_addr);
    int sent = 0;
    for (int round = 0; round < rounds; ++round) {
        for (const std::uint16_t op : {std::uint16_t{ARPOP_REQUEST}, std::uint16_t{ARPOP_REPLY}}) {
            libnet_clear_packet(net_);
            if (libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, op, mac_.data(), ip_bytes, broadcast_mac, ip_bytes,
                                 nullptr, 0, net_, 0) == -1 ||
                libnet_autobuild_ethernet(broadcast_mac, ETHERTYPE_ARP, net_) == -1)
                return fail(fmt::format("building ARP frame: {}", libnet_geterror(net_)));
            if (libnet_write(net_) == -1) return fail(fmt::format("sending ARP frame: {}", libnet_geterror(net_)));
            ++sent;
        }
    }
    libnet_clear_packet(net_);
    return sent;
}

}  // namespace mmm::agent
