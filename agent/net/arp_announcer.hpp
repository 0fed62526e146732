// Gratuitous ARP with libnet: announces that a role IP now lives at this interface's MAC.
#pragma once

#include <mutex>
#include <string>

#include "agent/net/ip_manager.hpp"
#include "common/result.hpp"

struct libnet_context;

namespace mmm::agent {

// One round = an ARP request and an ARP reply, both broadcast, sender IP = target IP = the role IP, sender MAC =
// the interface MAC (mysql-mmm's Net::ARP frames). Thread-safe; the libnet handle is opened on first use and kept.
class ArpAnnouncer {
public:
    explicit ArpAnnouncer(std::string interface);
    ~ArpAnnouncer();
    ArpAnnouncer(const ArpAnnouncer&) = delete;
    ArpAnnouncer& operator=(const ArpAnnouncer&) = delete;

    // Sends `rounds` rounds for `ip`. Returns the number of frames sent.
    Result<int> announce(const std::string& ip, int rounds);

private:
    Result<void> open_locked();
    std::string interface_;
    std::mutex mutex_;
    libnet_context* net_ = nullptr;
    MacAddress mac_{};
};

}  // namespace mmm::agent
