// The network check loop.
#include "monitor/checks/network_check.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include "monitor/supervisor.hpp"

namespace mmm::monitor {

struct NetworkCheck::State {
    IpPinger& pinger;
    std::vector<std::string> ips;
    Duration interval;
    Report report;
    asio::steady_timer sleep;
    bool stopped = false;
};

NetworkCheck::NetworkCheck(asio::io_context& io, IpPinger& pinger, std::vector<std::string> ping_ips, Duration interval,
                           Report report)
    : state_(std::make_shared<State>(State{pinger, std::move(ping_ips), interval, std::move(report),
                                           asio::steady_timer(io), false})) {}

NetworkCheck::~NetworkCheck() { stop(); }

namespace {
asio::awaitable<bool> run_round(std::shared_ptr<NetworkCheck::State> state);
}

asio::awaitable<bool> NetworkCheck::round() { return run_round(state_); }

namespace {
asio::awaitable<bool> run_round(std::shared_ptr<NetworkCheck::State> state) {
    if (state->ips.empty()) co_return true;
    for (const auto& ip : state->ips) {
        if (co_await state->pinger.ping(ip, std::chrono::steady_clock::now() + network_ping_timeout)) co_return true;
        if (state->stopped) break;
    }
    co_return false;
}
}  // namespace

void NetworkCheck::start() {
    auto body = [](std::shared_ptr<State> state) -> asio::awaitable<void> {
        while (!state->stopped) {
            const bool reachable = co_await run_round(state);
            if (state->stopped) break;
            state->report(reachable);
            state->sleep.expires_after(state->interval);
            co_await state->sleep.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        }
    };
    asio::co_spawn(state_->sleep.get_executor(), body(state_), supervised("network check"));
}

void NetworkCheck::stop() {
    state_->stopped = true;
    state_->sleep.cancel();
}

}  // namespace mmm::monitor
