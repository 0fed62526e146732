// Errant transactions (issue 11): a host whose binlog holds transactions the active master lacks stays out.
#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

Plan MonitorCore::on_gtid_state(std::string_view host, std::optional<GtidState> state, SteadyTime read_at,
                                Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    Plan plan;
    const auto h = find(host);
    if (!h) return plan;
    auto& record = gtid_[*h];
    const bool same = record.state == state;
    if (state) {
        record.last_known = state;
        record.last_known_at = read_at;
    }
    record.state = std::move(state);
    record.read_at = read_at;
    if (loss_check_ && roles_.active_master_index() == h) log_failover_loss(plan);
    // The active master's fresh read may make another host's errant verdict count (see errant_of).
    if (same && roles_.active_master_index() != h) return plan;
    if (!started_ || !have_net_) return plan;
    // A decision only when a verdict changed: the active master's state changes with every write it takes, and it
    // is read every check period.
    if (log_errant_changes(plan) && !plan_running()) finish(now, plan);  // a host loses or regains its roles
    return plan;
}

void MonitorCore::set_confirmed(std::size_t h, std::optional<StatusUpdate> status) {
    const bool was = writer_confirmed(h) && !writer_roles_of(h).empty();
    hosts_[h].confirmed = std::move(status);
    if (!was && writer_confirmed(h) && !writer_roles_of(h).empty()) {
        hosts_[h].writer_confirmed_at = now_;
        note_writer_move(h, true);
    }
}

// Judged against an active master that confirmed its role (its catch-up is over: it has everything any surviving
// host received from the old one) and whose state was read after that; otherwise a host that is merely ahead of a
// new writer still catching up would look errant.
std::optional<std::vector<ErrantRange>> MonitorCore::errant_ranges(std::size_t h) const {
    const auto am = roles_.active_master_index();
    if (!am || *am == h || !gtid_[h].state || !gtid_[*am].state) return std::nullopt;
    const auto& confirmed_at = hosts_[*am].writer_confirmed_at;
    if (!writer_confirmed(*am) || !confirmed_at || gtid_[*am].read_at <= *confirmed_at) return std::nullopt;
    return errant_against(*gtid_[h].state, *gtid_[*am].state);
}

std::string MonitorCore::errant_of(std::size_t h) const {
    const auto errant = errant_ranges(h);
    if (!errant || errant->empty()) return {};
    return fmt::format("it has transactions the active master '{}' lacks (errant GTIDs: {})",
                       name(*roles_.active_master_index()), describe(*errant));
}

// Issue 9 item 12: a host that failed as the active master may return by mysql-mmm's rules once its state, read
// since it came back (a host's state is forgotten when it goes HARD_OFFLINE), holds nothing the active master lacks.
bool MonitorCore::proven_clean(std::size_t h) const {
    if (config_.monitor.hold_failed_active_master != HoldFailedMaster::UnlessClean) return false;
    const auto errant = errant_ranges(h);
    return errant && errant->empty();
}

void MonitorCore::note_failed_writer(std::size_t h) {
    if (!gtid_[h].last_known) return;
    loss_check_ = LossCheck{h, *gtid_[h].last_known, gtid_[h].last_known_at, now_};
}

// Issue 11: a failover never loses writes silently. The failed active master's own transactions (its server id) that
// it was last seen with are compared with what its successor holds once that one confirmed the role (its catch-up
// from the most advanced survivor is over) and was read again: the difference reached no surviving host. What the
// failed one wrote after its last read is unknown: "at least".
void MonitorCore::log_failover_loss(Plan& plan) {
    const auto am = roles_.active_master_index();
    if (!loss_check_ || !am || *am == loss_check_->failed) return;
    const auto& confirmed_at = hosts_[*am].writer_confirmed_at;
    if (!writer_confirmed(*am) || !confirmed_at || gtid_[*am].read_at <= *confirmed_at || !gtid_[*am].state) return;
    const LossCheck check = *loss_check_;
    loss_check_.reset();
    const auto& old = check.last_known;
    std::uint64_t missing = 0;
    std::string ranges;
    for (const auto& g : old.binlog_state.gtids()) {
        if (g.server != old.server_id) continue;
        const auto has = gtid_[*am].state->binlog_state.of(g.domain, g.server);
        const std::uint64_t from = has ? has->seq : 0;
        if (g.seq <= from) continue;
        missing += g.seq - from;
        ranges += fmt::format("{}{} after {}", ranges.empty() ? "" : ", ", to_string(g),
                              has ? to_string(*has) : std::string("nothing"));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(check.failed_at - check.read_at).count();
    const std::string& failed = name(check.failed);
    if (missing == 0) {
        plan.log(LogLevel::Info,
                 fmt::format("Failover from '{}': the new active master '{}' has every transaction '{}' was last seen "
                             "with (binlog state read {} ms before it was declared failed); anything written after "
                             "that read is unknown",
                             failed, name(*am), failed, ms));
    } else {
        plan.log(LogLevel::Warn,
                 fmt::format("Failover from '{}': at least {} transactions written on '{}' reached no surviving host "
                             "and are not on the new active master '{}' ({}; binlog state read {} ms before it was "
                             "declared failed); they stay in the binlog of '{}' (errant when it returns)",
                             failed, missing, failed, name(*am), ranges, ms, failed));
    }
}

bool MonitorCore::gtid_unknown(std::size_t h) const {
    // A Galera node's transactions are the cluster's (certified everywhere): it has none of its own to check.
    if (gtid_[h].state || config_.hosts[h].mode == HostMode::Galera) return false;
    for (std::size_t o = 0; o < gtid_.size(); ++o)
        if (o != h && gtid_[o].state) return true;
    return false;
}

// One WARN when a host is found to have errant transactions, one INFO when they are gone (the range itself is in
// `show` and in set_online's answer, current).
bool MonitorCore::log_errant_changes(Plan& plan) {
    bool changed = false;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        const auto errant = errant_of(h);
        if (!errant.empty() == static_cast<bool>(errant_said_[h])) continue;
        if (!errant.empty()) {
            plan.log(LogLevel::Warn,
                     fmt::format("Host '{}' stays out of every role: {}. Resolve them (re-clone '{}' from the active "
                                 "master, or apply them there), then run 'mmm_control set_online {}'.",
                                 name(h), errant, name(h), name(h)));
        } else if (hosts_[h].state != HostState::HardOffline) {
            plan.log(LogLevel::Info, fmt::format("Host '{}' has no errant transactions any more.", name(h)));
        }
        errant_said_[h] = !errant.empty();
        changed = true;
    }
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        const bool release = hosts_[h].failed_as_active_master && hosts_[h].state != HostState::Online &&
                             hosts_[h].state != HostState::HardOffline && proven_clean(h);
        if (release == static_cast<bool>(clean_said_[h])) continue;
        clean_said_[h] = release;
        changed = changed || release;  // a decision: it may return now (host_states.cpp says so)
    }
    return changed;
}

}  // namespace mmm::monitor
