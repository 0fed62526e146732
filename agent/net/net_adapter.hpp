// The agent's view of its cluster interface (NetAdapter, implemented by SystemNet and by the component tests'
// fake): the addresses on it, /32 role addresses added and removed, its link state, gratuitous ARP.
#pragma once

#include <set>
#include <string>

#include "common/result.hpp"

namespace mmm::agent {

// Blocking and thread-safe: the worker strand and other pool threads call it side by side.
class NetAdapter {
public:
    virtual ~NetAdapter() = default;

    // Every IPv4 address on the interface (dotted quads), whatever its prefix or label.
    virtual Result<std::set<std::string>> list() const = 0;
    // The /32 addresses an mmm agent added (they carry its label), configured or not.
    virtual Result<std::set<std::string>> labelled() const = 0;
    // The interface is administratively up and has carrier.
    virtual Result<bool> link_up() const = 0;
    // Adds ip/32. Already present counts as success (`added` false).
    virtual Result<bool> add(const std::string& ip) = 0;
    // Removes ip/32. Not present counts as success (`removed` false).
    virtual Result<bool> remove(const std::string& ip) = 0;
    // Sends `rounds` rounds of gratuitous ARP for `ip`; the number of frames sent.
    virtual Result<int> announce(const std::string& ip, int rounds) = 0;
};

}  // namespace mmm::agent
