// Errant transactions (issue 11): a host whose binlog holds transactions the active master lacks stays out.
#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

Plan MonitorCore::on_gtid_state(std::string_view host, std::optional<GtidState> state, Instant now) {
    now_ = now.mono;
    Plan plan;
    const auto h = find(host);
    if (!h || gtid_[*h] == state) return plan;
    gtid_[*h] = std::move(state);
    if (!started_ || !have_net_) return plan;
    log_errant_changes(plan);
    if (!plan_running()) finish(now, plan);  // a host may lose or regain its roles
    return plan;
}

std::string MonitorCore::errant_of(std::size_t h) const {
    const auto am = roles_.active_master_index();
    if (!am || *am == h || !gtid_[h] || !gtid_[*am]) return {};
    const auto errant = errant_against(*gtid_[h], *gtid_[*am]);
    if (errant.empty()) return {};
    return fmt::format("it has transactions the active master '{}' lacks (errant GTIDs: {})", name(*am),
                       describe(errant));
}

bool MonitorCore::gtid_unknown(std::size_t h) const {
    if (gtid_[h]) return false;
    for (std::size_t o = 0; o < gtid_.size(); ++o)
        if (o != h && gtid_[o]) return true;
    return false;
}

// One WARN when a host's errant transactions are found (or change), one INFO when they are gone.
void MonitorCore::log_errant_changes(Plan& plan) {
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        auto now_errant = errant_of(h);
        if (now_errant == errant_said_[h]) continue;
        if (!now_errant.empty()) {
            plan.log(LogLevel::Warn,
                     fmt::format("Host '{}' stays out of every role: {}. Resolve them (re-clone '{}' from the active "
                                 "master, or apply them there), then run 'mmm_control set_online {}'.",
                                 name(h), now_errant, name(h), name(h)));
        } else if (hosts_[h].state != HostState::HardOffline) {
            plan.log(LogLevel::Info, fmt::format("Host '{}' has no errant transactions any more.", name(h)));
        }
        errant_said_[h] = std::move(now_errant);
    }
}

}  // namespace mmm::monitor
