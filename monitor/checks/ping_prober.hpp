// The ping check (spec §3.2): one ICMP echo with a 0.5 s timeout, or a TCP connect to the agent port.
#pragma once

#include "monitor/checks/prober.hpp"

namespace mmm::monitor {

class PingProber final : public Prober {
public:
    // `icmp` null = no raw socket: a TCP connect to the host's agent port stands in (accepted or refused = up).
    explicit PingProber(IpPinger* icmp) : icmp_(icmp) {}
    asio::awaitable<std::string> probe(const HostConfig& host, SteadyTime deadline) override;

private:
    IpPinger* icmp_;
};

}  // namespace mmm::monitor
