// The monitor's own network test (spec §3.8): every ping_interval, ping ping_ips in order until one answers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "common/duration.hpp"
#include "monitor/checks/prober.hpp"

namespace mmm::monitor {

class NetworkCheck {
public:
    // `report(reachable)` is called after every round, on the io_context's thread.
    using Report = std::function<void(bool reachable)>;
    NetworkCheck(asio::io_context& io, IpPinger& pinger, std::vector<std::string> ping_ips, Duration interval,
                 Report report);
    ~NetworkCheck();
    void start();
    void stop();

    // One round now: true when any address answers (no address configured = reachable).
    asio::awaitable<bool> round();

    struct State;

private:
    std::shared_ptr<State> state_;
};

inline constexpr std::chrono::milliseconds network_ping_timeout{500};

}  // namespace mmm::monitor
