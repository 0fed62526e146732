// Role addresses on the cluster interface through rtnetlink (libnl-route-3): list, add and remove /32s.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mmm::agent {

using MacAddress = std::array<std::uint8_t, 6>;

// Thread-safe: every call opens its own netlink socket. Addresses the agent adds carry the label
// "<iface>:mmm" (when it fits the 15-character limit), so `ip addr` shows who owns them.
class IpManager {
public:
    explicit IpManager(std::string interface);

    const std::string& interface() const { return interface_; }
    std::string label() const;

    // Every IPv4 address on the interface (dotted quads), whatever its prefix or label.
    Result<std::set<std::string>> list() const;
    // The /32 addresses carrying this agent's label: the ones an mmm agent added.
    Result<std::set<std::string>> labelled() const;
    // The networks of the interface's own addresses ("192.0.2.11/24"; /32 role addresses left out).
    Result<std::vector<std::string>> networks() const;
    // The interface is administratively up and has carrier (IFF_UP and IFF_RUNNING).
    Result<bool> link_up() const;
    // Adds ip/32. Already present counts as success (`added` false).
    Result<bool> add(const std::string& ip) const;
    // Removes ip/32 (any prefix length it was added with). Not present counts as success (`removed` false).
    Result<bool> remove(const std::string& ip) const;

private:
    std::string interface_;
};

}  // namespace mmm::agent
