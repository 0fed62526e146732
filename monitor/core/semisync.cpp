// Semi-sync: the core's record of each host's semi-sync state, what `checks` and `show` say, the fallback warning.
#include "monitor/core/semisync.hpp"

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

std::string describe(const SemiSyncStatus& s) {
    const std::string master = !s.master_enabled ? "master off"
                               : s.master_on     ? fmt::format("master ON ({} replicas)", s.master_clients)
                                                 : fmt::format("master enabled but OFF (fell back to asynchronous, "
                                                               "{} replicas)",
                                                               s.master_clients);
    const std::string replica = !s.slave_enabled ? "replica off" : s.slave_on ? "replica ON" : "replica enabled but OFF";
    return master + ", " + replica;
}

Plan MonitorCore::on_semisync(std::string_view host, std::optional<SemiSyncStatus> status, Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    Plan plan;
    const auto h = find(host);
    if (!h || semisync_[*h].status == status) return plan;
    semisync_[*h].status = status;
    semisync_[*h].since = now;
    if (started_) log_semisync_fallback(plan);
    return plan;
}

// The active master's semi-sync fell back to asynchronous replication: from now on an acknowledged write may exist
// on it only, so a failover may lose it. Said once per episode (and when it is back).
void MonitorCore::log_semisync_fallback(Plan& plan) {
    const auto am = roles_.active_master_index();
    const auto& s = am ? semisync_[*am].status : std::nullopt;
    const bool fell_back = s && s->fell_back();
    const std::string who = am ? name(*am) : std::string();
    if (fell_back && semisync_fallback_said_ != who) {
        plan.log(LogLevel::Warn,
                 fmt::format("Semi-sync replication on the active master '{}' fell back to asynchronous "
                             "(Rpl_semi_sync_master_status OFF, {} semi-sync replicas): a write acknowledged now may "
                             "exist on '{}' only until a replica acknowledges again",
                             who, s->master_clients, who));
        semisync_fallback_said_ = who;
    } else if (!fell_back && !semisync_fallback_said_.empty()) {
        if (am && s && semisync_fallback_said_ == who)
            plan.log(LogLevel::Info, fmt::format("Semi-sync replication on the active master '{}' is ON again ({} "
                                                 "semi-sync replicas)",
                                                 who, s->master_clients));
        semisync_fallback_said_.clear();
    }
}

std::optional<std::string> MonitorCore::semisync_line(std::size_t h) const {
    const auto& s = semisync_[h].status;
    if (!s || !s->any_enabled()) return std::nullopt;
    return describe(*s);
}

}  // namespace mmm::monitor
