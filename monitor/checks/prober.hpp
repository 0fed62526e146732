// The interfaces of one probe: a host check (ping, mysql, rep_threads, rep_backlog) and an IP reachability test.
#pragma once

#include <chrono>
#include <string>

#include <asio/awaitable.hpp>

#include "common/config.hpp"
#include "common/time.hpp"

namespace mmm::monitor {

// Runs one check of one host and returns the result line of spec §3 ("OK", "ERROR: ...", "UNKNOWN: ...").
// Must finish by `deadline`; the scheduler also cuts it there (and reports "ERROR: Timeout").
class Prober {
public:
    virtual ~Prober() = default;
    virtual asio::awaitable<std::string> probe(const HostConfig& host, SteadyTime deadline) = 0;
};

// Answers "does this IPv4 address answer" by `deadline` (ICMP echo, or the TCP fallback).
class IpPinger {
public:
    virtual ~IpPinger() = default;
    virtual asio::awaitable<bool> ping(std::string ip, SteadyTime deadline) = 0;
    virtual std::string_view method() const = 0;  // "ICMP echo", "TCP connect to port N"
    // Releases what it holds open (a stopped service's pinger; pings after it fail).
    virtual void close() {}
};

}  // namespace mmm::monitor
