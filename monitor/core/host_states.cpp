// The host state machine (§4): the state setter with flap accounting, the rules of §4.3 (host_rules.hpp) applied with
// the monitor's holds, WAIT mode.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

// The audit line of every state change the monitor decides (the admin's commands say "Admin changed state ..."):
// "State of host 'db1' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)"; `because` is the text after the
// new state (" (ping: ...)", " because ..."); `subject` is "flapping host" for a flapping host's return (mysql-mmm).
void MonitorCore::change_state(std::size_t h, HostState to, std::string_view because, Instant now, Plan& plan,
                               std::string_view subject) {
    plan.log(LogLevel::Fatal, fmt::format("State of {} '{}' changed from {} to {}{}", subject, name(h),
                                          to_string(hosts_[h].state), to_string(to), because));
    set_state(h, to, now, plan);
}

void MonitorCore::set_state(std::size_t h, HostState s, Instant now, Plan& plan) {
    HostRuntime& hr = hosts_[h];
    HostState old = hr.state;
    if (s == old) return;
    hr.state = s;
    hr.last_state_change = now;
    hr.stale_peer_logged = false;
    hr.hold_logged = false;
    ++state_changes_;
    if (s == HostState::HardOffline) gtid_[h].state.reset();  // read again when it is back (errant.cpp)
    if (s == HostState::Online) {
        hr.online_since = now;
        hr.failed_as_active_master = false;
    } else if (old == HostState::Online && s != HostState::AdminOffline && roles_.active_master_index() == h &&
               config_.hosts[h].mode != HostMode::Galera) {
        // (A Galera node's data cannot diverge: every write it took was certified by the cluster, and it rejoins
        // through IST/SST. Neither the loss report nor the hold applies.)
        note_failed_writer(h);  // the loss report (errant.cpp)
        // Set before its roles are dropped; unset, it returns as in mysql-mmm.
        if (config_.monitor.hold_failed_active_master != HoldFailedMaster::No) hr.failed_as_active_master = true;
    }
    const auto& mc = config_.monitor;
    // A Galera node that serves a state transfer (Donor) or was desynced on purpose (wsrep_local_state 2, the wsrep
    // check's text) is busy, not unstable: the donor of every rejoin would otherwise end up flapping.
    const bool galera_donor = config_.hosts[h].mode == HostMode::Galera && s == HostState::ReplicationFail &&
                              checks_.status(h, CheckKind::Wsrep).message.find(wsrep_desynced_marker) !=
                                  std::string::npos;
    if (mc.flap_count == 0 || old != HostState::Online || s == HostState::AdminOffline || galera_donor) return;
    if (!hr.flapstart || *hr.flapstart < now.mono - mc.flap_duration) {
        hr.flapstart = now.mono;
        hr.flapcount = 1;
        return;
    }
    if (++hr.flapcount > mc.flap_count) {
        hr.flapping = true;
        hr.flapstart.reset();
        plan.log(LogLevel::Fatal, fmt::format("Host {} is flapping!", name(h)));
    }
}

void MonitorCore::clear_roles(std::size_t h, Plan& plan) {
    if (!roles_.holds_any(h)) return;
    plan.log(LogLevel::Info, fmt::format("Removing all roles from host '{}':", name(h)));
    for (const auto& r : roles_.clear_host(h))
        plan.log(LogLevel::Info, fmt::format("    Removed role '{}({})' from host '{}'", r.role, r.ip, name(h)));
}

bool MonitorCore::hold_failed_active_master(std::size_t h, std::optional<std::size_t> active_master,
                                            const std::string& rule, Plan& plan) {
    HostRuntime& hr = hosts_[h];
    if (!hr.failed_as_active_master || !roles_.active_master_role() || active_master == h) return false;
    if (proven_clean(h)) {
        plan.log(LogLevel::Info,
                 fmt::format("Host '{}' failed as the active master, but its binlog holds nothing the active master "
                             "'{}' lacks: it returns by mysql-mmm's rules (monitor.hold_failed_active_master: always "
                             "would keep it until set_online).",
                             name(h), name(*roles_.active_master_index())));
        return false;
    }
    const std::string& host = name(h);
    const std::string& role = roles_.role(*roles_.active_master_role()).name;
    // Another usable master candidate that came back in this round gets the role at the end of it (the step
    // evaluates such held hosts last).
    std::optional<std::size_t> taker = active_master;
    for (std::size_t o = 0; !taker && o < hosts_.size(); ++o)
        if (o != h && roles_.can_be_active_master(o) && hosts_[o].state == HostState::Online && !hosts_[o].agent_down)
            taker = o;
    if (taker) {
        if (!hr.hold_logged)
            plan.log(LogLevel::Warn,
                     fmt::format("Host '{0}' stays AWAITING_RECOVERY although {1}: it failed as the active master "
                                 "and the active master role '{2}' {3} '{4}', so it may hold transactions the other "
                                 "hosts lack. Compare its data with '{4}', then run 'mmm_control set_online {0}' "
                                 "(with monitor.hold_failed_active_master false it would return by itself).",
                                 host, rule, role, active_master ? "has moved to" : "goes to", name(*taker)));
        hr.hold_logged = true;
        return true;
    }
    // Nobody else took the role (e.g. no other master candidate is usable): returning is the only way back to an
    // active master, as in mysql-mmm.
    plan.log(LogLevel::Warn, fmt::format("Host '{}' was the active master when it failed, but no other host holds the "
                                         "active master role '{}': it may return because {}.",
                                         host, role, rule));
    return false;
}

HostFacts MonitorCore::host_facts(std::size_t h, std::optional<std::size_t> active_master, Instant now) const {
    const HostRuntime& hr = hosts_[h];
    HostFacts f;
    f.state = hr.state;
    f.ping = check_ok(h, CheckKind::Ping);
    f.mysql = check_ok(h, CheckKind::Mysql);
    f.galera = config_.hosts[h].mode == HostMode::Galera;
    f.threads = check_ok(h, CheckKind::RepThreads) && check_ok(h, CheckKind::Wsrep);  // one of them runs
    f.backlog = check_ok(h, CheckKind::RepBacklog);
    f.active_master = active_master == h;
    f.someone_active_master = active_master.has_value();
    f.can_be_active_master = roles_.can_be_active_master(h);
    std::optional<std::size_t> peer = hr.peer;
    if (!peer && config_.hosts[h].mode == HostMode::Slave) peer = source_of(h, active_master);
    f.peer_online = peer && hosts_[*peer].state == HostState::Online;
    f.peer_in_grace = f.peer_online && hosts_[*peer].online_since &&
                      now.mono - hosts_[*peer].online_since->mono < config_.monitor.peer_grace;
    f.peer_reachable = f.peer_online && check_ok(*peer, CheckKind::Ping) && check_ok(*peer, CheckKind::Mysql);
    f.flapping = hr.flapping;
    f.errant = !errant_of(h).empty();
    f.auto_set_online = config_.monitor.auto_set_online;
    f.flap_duration = config_.monitor.flap_duration;
    f.waiting = now.mono - hr.last_state_change.mono;
    f.quiet = now.mono - checks_.last_change(h);
    if (hr.last_uptime > 0 && hr.uptime - hr.last_uptime > 0 && hr.uptime - hr.last_uptime < 60)
        f.down_for_s = static_cast<long>(std::floor(hr.uptime - hr.last_uptime));
    return f;
}

// The rules (host_rules.cpp) decide the next state; here the monitor's own holds and what a change means for roles.
bool MonitorCore::evaluate_host(std::size_t h, std::optional<std::size_t> active_master, Instant now, Plan& plan) {
    HostRuntime& hr = hosts_[h];
    if (hr.state == HostState::AdminOffline || hr.state == HostState::Unknown) return false;
    const HostFacts f = host_facts(h, active_master, now);
    const bool alive = f.ping && f.mysql;
    if (f.state == HostState::Online && f.active_master) {
        if (alive && !cut_off_warning_.empty()) {
            plan.log(LogLevel::Info, fmt::format("Second opinion: the monitor reaches '{}' again", name(h)));
            cut_off_warning_.clear();
        }
        if (!alive && hold_for_second_opinion(h, f.ping, f.mysql, plan)) return false;
    }
    auto t = host_transition(f);
    if (!t) {
        warn_stale_replica(h, f, active_master, plan);
        return false;
    }
    if (t->returns_online() && f.state == HostState::AwaitingRecovery &&
        hold_failed_active_master(h, active_master, t->rule, plan))
        return false;
    if (t->returns_online() && f.state != HostState::AwaitingRecovery) {  // REPLICATION_* with replication OK again
        Plan held;
        if (hold_failed_active_master(h, active_master, t->rule, held)) {
            change_state(h, HostState::AwaitingRecovery, " (because it was the active master when it failed)", now,
                         plan);
            plan.append(std::move(held));
            hr.hold_logged = true;
            notify(h, plan, t->reason, Fence::No);
            return true;
        }
        plan.append(std::move(held));  // the exception, if any, said before the change
    }
    change_state(h, t->to, t->because, now, plan, t->subject);
    switch (t->roles) {
    case HostTransition::Roles::Keep:
        break;
    case HostTransition::Roles::Drop:
        // Leaving ONLINE for a failure: in ACTIVE mode the host loses its roles and must be told (or killed); in
        // MANUAL/WAIT it keeps them; in PASSIVE nothing is touched (mysql-mmm cleared roles and killed: §4.6).
        if (is_manual() || mode_ == MonitorMode::Passive) break;
        clear_roles(h, plan);
        notify(h, plan, t->reason, Fence::Yes);
        break;
    case HostTransition::Roles::Tell:
        notify(h, plan, t->reason, Fence::No);
        break;
    case HostTransition::Roles::TellOrKill:
        if (mode_ != MonitorMode::Passive) notify(h, plan, t->reason, Fence::Yes);
        break;
    }
    return true;
}

// mysql-mmm sets a REPLICATION_* host ONLINE as soon as its peer is not ONLINE, so a master with broken or lagging
// replication can become the writer with stale data (§4.3 special case). We keep it out and say so once.
void MonitorCore::warn_stale_replica(std::size_t h, const HostFacts& f, std::optional<std::size_t> active_master,
                                     Plan& plan) {
    HostRuntime& hr = hosts_[h];
    if (f.galera || (f.state != HostState::ReplicationFail && f.state != HostState::ReplicationDelay)) return;
    if (!(f.ping && f.mysql) || (f.threads && f.backlog) || f.peer_online || hr.stale_peer_logged) return;
    hr.stale_peer_logged = true;
    std::optional<std::size_t> peer = hr.peer;
    if (!peer && config_.hosts[h].mode == HostMode::Slave) peer = active_master;
    const std::string peer_text = peer ? fmt::format("its peer '{}' is {}", name(*peer), to_string(hosts_[*peer].state))
                                       : std::string("it has no active master to replicate from");
    const std::string hint = roles_.can_be_active_master(h) && roles_.active_master_role()
                                 ? fmt::format(" Use 'move_role --force {} {}' to make it the active master anyway.",
                                               roles_.role(*roles_.active_master_role()).name, name(h))
                                 : std::string();
    plan.log(LogLevel::Warn, fmt::format("Host '{}' stays in state {} although {}: its replication is not OK, so its "
                                         "data may be stale.{}",
                                         name(h), to_string(f.state), peer_text, hint));
}

std::vector<char> MonitorCore::clear_roles_of_failed_hosts(Plan& plan) {
    std::vector<char> told(hosts_.size(), 0);
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].state == HostState::Online || !roles_.holds_any(h)) continue;
        clear_roles(h, plan);
        notify(h, plan, fmt::format("host is {}: it may not keep roles in ACTIVE mode", to_string(hosts_[h].state)),
               Fence::Yes);
        told[h] = 1;
    }
    return told;
}

bool MonitorCore::wait_mode_rules(Instant now, Plan& plan) {
    if (!roles_.active_master_role()) return false;
    std::vector<std::size_t> masters;
    for (const auto& m : roles_.role(*roles_.active_master_role()).hosts)
        if (auto h = find(m)) masters.push_back(*h);
    if (masters.empty()) return false;
    auto online = [&](std::size_t h) { return hosts_[h].state == HostState::Online; };
    if (masters.size() == 1) {  // mysql-mmm crashes here; one candidate ONLINE is all we can wait for
        if (!online(masters[0])) return false;
        plan.log(LogLevel::Info,
                 fmt::format("Node {} is ONLINE, switching from mode 'WAIT' to 'ACTIVE'.", name(masters[0])));
    } else if (online(masters[0]) && online(masters[1])) {
        plan.log(LogLevel::Info, fmt::format("Nodes {} and {} are ONLINE, switching from mode 'WAIT' to 'ACTIVE'.",
                                             name(masters[0]), name(masters[1])));
    } else {
        const Duration wait = config_.monitor.wait_for_other_master;
        if (wait <= Duration::zero() || online(masters[0]) == online(masters[1])) return false;
        std::size_t living = online(masters[0]) ? masters[0] : masters[1];
        std::size_t dead = living == masters[0] ? masters[1] : masters[0];
        if (now.mono - hosts_[living].online_since->mono < wait) return false;
        plan.log(LogLevel::Warn, fmt::format("Master {} did not come online for {}(wait_for_other_master) seconds. "
                                             "Switching from mode 'WAIT' to 'ACTIVE'",
                                             name(dead), format_duration(wait)));
    }
    mode_ = MonitorMode::Active;
    clear_roles_of_failed_hosts(plan);
    return true;
}

std::optional<SteadyTime> MonitorCore::host_deadline(std::size_t h) const {
    const HostRuntime& hr = hosts_[h];
    const auto& mc = config_.monitor;
    if (hr.state == HostState::AwaitingRecovery && mc.auto_set_online > Duration::zero()) {
        if (hr.flapping) return checks_.last_change(h) + mc.flap_duration;
        return hr.last_state_change.mono + mc.auto_set_online;
    }
    if (hr.state == HostState::Online && !(check_ok(h, CheckKind::RepThreads) && check_ok(h, CheckKind::RepBacklog))) {
        std::optional<std::size_t> peer = hr.peer;
        if (!peer && config_.hosts[h].mode == HostMode::Slave) peer = roles_.active_master_index();
        if (peer && hosts_[*peer].state == HostState::Online && hosts_[*peer].online_since)
            return hosts_[*peer].online_since->mono + config_.monitor.peer_grace;
    }
    return std::nullopt;
}

}  // namespace mmm::monitor
