// The check loops.
#include "monitor/checks/check_scheduler.hpp"

#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>

#include "monitor/asio_support.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

namespace {

// Exceptions become UNKNOWN results (mysql-mmm: "any other exception").
asio::awaitable<std::string> guarded_probe(Prober& prober, const HostConfig& host, SteadyTime deadline) {
    try {
        co_return co_await prober.probe(host, deadline);
    } catch (const std::exception& e) {
        co_return std::string("UNKNOWN: Error occurred: ") + e.what();
    }
}
}  // namespace

struct CheckScheduler::Loop {
    CheckTarget target;
    std::shared_ptr<Prober> prober;
    asio::steady_timer sleep;
    bool stopped = false;
    Loop(asio::io_context& io, CheckTarget t, std::shared_ptr<Prober> p)
        : target(std::move(t)), prober(std::move(p)), sleep(io) {}
};

CheckScheduler::CheckScheduler(asio::io_context& io, Sink sink) : io_(io), sink_(std::move(sink)) {}

CheckScheduler::~CheckScheduler() { stop(); }

void CheckScheduler::add(CheckTarget target, std::shared_ptr<Prober> prober) {
    auto loop = std::make_shared<Loop>(io_, std::move(target), std::move(prober));
    loops_.push_back(loop);
    auto body = [](std::shared_ptr<Loop> self, std::shared_ptr<bool> paused, Sink sink) -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        if (self->target.first_delay.count() > 0) {
            self->sleep.expires_after(self->target.first_delay);
            co_await self->sleep.async_wait(nothrow);
        }
        while (!self->stopped) {
            if (!*paused) {
                CheckSample sample;
                sample.host = self->target.host.name;
                sample.kind = self->target.kind;
                sample.started = std::chrono::steady_clock::now();
                const auto deadline = sample.started + self->target.timeout;
                asio::steady_timer cut(self->sleep.get_executor(), deadline + probe_cut_slack);
                auto result = co_await (guarded_probe(*self->prober, self->target.host, deadline) ||
                                        cut.async_wait(nothrow));
                sample.finished = std::chrono::steady_clock::now();
                sample.text = result.index() == 0 ? std::get<0>(std::move(result)) : std::string("ERROR: Timeout");
                if (self->stopped) break;
                if (!*paused) sink(sample);
            }
            self->sleep.expires_after(self->target.period);
            co_await self->sleep.async_wait(nothrow);
        }
    };
    asio::co_spawn(io_, body(loop, paused_, sink_), supervised("check loop"));
}

void CheckScheduler::stop() {
    for (auto& loop : loops_) {
        loop->stopped = true;
        loop->sleep.cancel();
    }
    loops_.clear();
}

}  // namespace mmm::monitor
