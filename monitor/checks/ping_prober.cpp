// The ping check.
#include "monitor/checks/ping_prober.hpp"

#include <algorithm>

#include "monitor/checks/icmp_pinger.hpp"

namespace mmm::monitor {

asio::awaitable<std::string> PingProber::probe(const HostConfig& host, SteadyTime deadline) {
    const auto until = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500));
    const bool ok = icmp_ != nullptr ? co_await icmp_->ping(host.ip, until)
                                     : co_await tcp_answers(host.ip, host.agent_port, until);
    co_return ok ? std::string("OK") : "ERROR: Could not ping " + host.ip;
}

}  // namespace mmm::monitor
