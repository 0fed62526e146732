// The monitor's part when several monitors coordinate on etcd (issue 14): taking the lead, passing a follower's
// commands to the leader, giving up.
#include <thread>

#include <fmt/format.h>

#include "control/monitor_connection.hpp"
#include "monitor/service.hpp"

namespace mmm::monitor {

void MonitorService::lead(Election election) {
    if (election_ || stopping_) return;
    log_.info("This monitor ({}:{}) leads now (etcd revision {}, campaign {:.1f} ms): taking over the cluster.",
              config_.monitor.ip, config_.monitor.port, election.revision, election.campaign_ms);
    election_ = std::move(election);
    elected_signal_.cancel();
}

void MonitorService::abdicate(const std::string& why) {
    if (!coordinator_ || !election_ || stopping_) return;
    coordinator_->abdicate(why);
}

void MonitorService::note_coordination() {
    if (!coordinator_) return;
    ServiceStats::Coordination c;
    c.leader = election_.has_value() && coordinator_->leading();
    if (const auto who = coordinator_->leader()) c.leader_address = fmt::format("{}:{}", who->ip, who->port);
    c.etcd_requests = coordinator_->requests();
    c.etcd_error = coordinator_->last_error();
    stats_.coordination = c;
}

std::string MonitorService::leader_line() const {
    if (const auto paused = coordinator_->paused_seconds())
        return fmt::format("# Leader: monitor {}:{} (etcd, since {}) - its lease was not renewed for {:.1f} s: it "
                           "decides and sends nothing until etcd answers ({})\n",
                           config_.monitor.ip, config_.monitor.port, coordinator_->me().since, *paused,
                           coordinator_->last_error());
    return fmt::format("# Leader: monitor {}:{} (etcd, since {})\n", config_.monitor.ip, config_.monitor.port,
                       coordinator_->me().since);
}

void MonitorService::forward(std::string line, ControlServer::Respond respond) {
    const auto leader = coordinator_->leader();
    if (!leader || (leader->ip == config_.monitor.ip && leader->port == config_.monitor.port)) {
        const auto error = coordinator_->last_error();
        respond(fmt::format("ERROR: No monitor leads at the moment{}; this monitor ({}:{}) follows and decides "
                            "nothing. Try again in a few seconds.",
                            error.empty() ? "" : " (etcd: " + error + ")", config_.monitor.ip, config_.monitor.port));
        return;
    }
    // A blocking call on a thread of its own (bounded by its timeouts); the reply comes back on the io_context.
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.monitor.agent_timeout);
    std::thread([io = &io_, alive = alive_, leader = *leader, line = std::move(line), socket = config_.socket,
                 respond = std::move(respond), timeout]() mutable {
        auto reply = control::ask_monitor(leader.ip, leader.port, line, timeout, std::chrono::seconds(60), socket);
        std::string text = reply ? std::move(*reply)
                                 : fmt::format("ERROR: The leading monitor {}:{} could not be reached: {}", leader.ip,
                                               leader.port, reply.error().message);
        asio::post(*io, [alive, respond = std::move(respond), text = std::move(text)] {
            if (*alive) respond(text);
        });
    }).detach();
}

}  // namespace mmm::monitor
