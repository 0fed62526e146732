// The host's real cluster interface as a NetAdapter: addresses through rtnetlink (IpManager), gratuitous ARP
// through libnet (ArpAnnouncer).
#pragma once

#include <string>

#include "agent/net/arp_announcer.hpp"
#include "agent/net/ip_manager.hpp"
#include "agent/net/net_adapter.hpp"

namespace mmm::agent {

class SystemNet final : public NetAdapter {
public:
    explicit SystemNet(const std::string& interface) : ips_(interface), arp_(interface) {}

    Result<std::set<std::string>> list() const override { return ips_.list(); }
    Result<std::set<std::string>> labelled() const override { return ips_.labelled(); }
    Result<bool> link_up() const override { return ips_.link_up(); }
    Result<bool> add(const std::string& ip) override { return ips_.add(ip); }
    Result<bool> remove(const std::string& ip) override { return ips_.remove(ip); }
    Result<int> announce(const std::string& ip, int rounds) override { return arp_.announce(ip, rounds); }

private:
    IpManager ips_;
    ArpAnnouncer arp_;
};

}  // namespace mmm::agent
