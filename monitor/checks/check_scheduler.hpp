// Runs every (host, check) loop concurrently on one io_context: probe with a deadline, report, sleep, repeat.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "common/config.hpp"
#include "monitor/checks/check_sample.hpp"
#include "monitor/checks/prober.hpp"

namespace mmm::monitor {

struct CheckTarget {
    HostConfig host;
    CheckKind kind = CheckKind::Ping;
    Duration period{5000};
    Duration timeout{2000};
    Duration first_delay{0};  // before the first probe (spreads many loops over the period)
};

// A loop never overlaps itself (the next run is scheduled `period` after the previous one ends) and never waits
// for another loop; a probe that outlives `timeout` becomes "ERROR: Timeout". Samples go to the sink on the
// io_context's thread the moment they exist.
class CheckScheduler {
public:
    using Sink = std::function<void(const CheckSample&)>;
    CheckScheduler(asio::io_context& io, Sink sink);
    ~CheckScheduler();

    // Starts the loop of one target; its first probe runs at once.
    void add(CheckTarget target, std::shared_ptr<Prober> prober);
    // Paused loops skip their probes and drop results that arrive meanwhile (the network is down).
    void set_paused(bool paused) { *paused_ = paused; }
    bool paused() const { return *paused_; }
    // Ends every loop (probes in flight finish by their deadline, their results are dropped).
    void stop();

private:
    struct Loop;
    asio::io_context& io_;
    Sink sink_;
    std::shared_ptr<bool> paused_ = std::make_shared<bool>(false);
    std::vector<std::shared_ptr<Loop>> loops_;
};

// The slack after a probe's own deadline before the scheduler cuts it.
inline constexpr std::chrono::milliseconds probe_cut_slack{200};

}  // namespace mmm::monitor
