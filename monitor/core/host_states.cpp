// The host state machine (§4): the state setter with flap accounting, the per-host rules of §4.3, WAIT mode.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

namespace {
using namespace std::chrono_literals;

constexpr auto peer_grace = 60s;  // MySQL's default master-connect-retry (§4.3)

const char* ok_text(bool ok) { return ok ? "OK" : "not OK"; }

long whole_seconds(SteadyTime::duration d) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}
}  // namespace

// The audit line of every state change the monitor decides (the admin's commands say "Admin changed state ..."):
// "State of host 'db1' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)"; `because` is the text after the
// new state (" (ping: ...)", " because ..."); `subject` is "flapping host" for a flapping host's return (mysql-mmm).
void MonitorCore::change_state(std::size_t h, HostState to, std::string_view because, Instant now, Plan& plan,
                               std::string_view subject) {
    plan.log(LogLevel::Fatal, fmt::format("State of {} '{}' changed from {} to {}{}", subject, name(h),
                                          to_string(hosts_[h].state), to_string(to), because));
    set_state(h, to, now, plan);
}

std::string MonitorCore::checks_text(bool ping, bool mysql) {
    return fmt::format(" (ping: {}, mysql: {})", ok_text(ping), ok_text(mysql));
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
    if (s == HostState::Online) {
        hr.online_since = now;
        hr.failed_as_active_master = false;
    } else if (old == HostState::Online && s != HostState::AdminOffline && roles_.active_master_index() == h &&
               config_.monitor.hold_failed_active_master) {
        hr.failed_as_active_master = true;  // set before its roles are dropped; unset, it returns as in mysql-mmm
    }
    const auto& mc = config_.monitor;
    if (mc.flap_count == 0 || old != HostState::Online || s == HostState::AdminOffline) return;
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

bool MonitorCore::evaluate_host(std::size_t h, std::optional<std::size_t> active_master, Instant now, Plan& plan) {
    HostRuntime& hr = hosts_[h];
    const HostState state = hr.state;
    if (state == HostState::AdminOffline || state == HostState::Unknown) return false;
    const bool ping = ok(h, CheckKind::Ping), mysql = ok(h, CheckKind::Mysql);
    const bool threads = ok(h, CheckKind::RepThreads), backlog = ok(h, CheckKind::RepBacklog);
    const bool alive = ping && mysql;
    std::optional<std::size_t> peer = hr.peer;
    if (!peer && config_.hosts[h].mode == HostMode::Slave) peer = active_master;
    const bool peer_online = peer && hosts_[*peer].state == HostState::Online;
    const std::string& host = name(h);
    const std::string_view from = to_string(state);
    // Leaving ONLINE for a failure: in ACTIVE mode the host loses its roles and must be told (or killed); in
    // MANUAL/WAIT it keeps them; in PASSIVE nothing is touched (mysql-mmm cleared roles and killed: §4.6).
    auto drop_roles = [&](const std::string& why) {
        if (is_manual() || mode_ == MonitorMode::Passive) return;
        clear_roles(h, plan);
        notify(h, plan, why, Fence::Yes);
    };

    switch (state) {
    case HostState::Online: {
        if (alive && active_master == h && !cut_off_warning_.empty()) {
            plan.log(LogLevel::Info, fmt::format("Second opinion: the monitor reaches '{}' again", host));
            cut_off_warning_.clear();
        }
        if (!alive && active_master == h && hold_for_second_opinion(h, ping, mysql, plan)) return false;
        if (!alive) {
            change_state(h, HostState::HardOffline, checks_text(ping, mysql), now, plan);
            drop_roles("host went HARD_OFFLINE: drop its roles");
            return true;
        }
        if (active_master == h) return false;  // the active master's replication problems are ignored
        if (peer_online && now.mono - hosts_[*peer].online_since->mono < peer_grace) return false;
        const bool peer_ok = peer_online && ok(*peer, CheckKind::Ping) && ok(*peer, CheckKind::Mysql);
        if (!peer_ok) return false;
        HostState next = !threads ? HostState::ReplicationFail : !backlog ? HostState::ReplicationDelay : state;
        if (next == state) return false;
        change_state(h, next, {}, now, plan);
        drop_roles(fmt::format("host went {}: drop its roles", to_string(next)));
        return true;
    }
    case HostState::AwaitingRecovery: {
        if (!alive) {
            change_state(h, HostState::HardOffline, {}, now, plan);
            return true;
        }
        if (!(threads && backlog)) return false;
        const auto& mc = config_.monitor;
        const bool auto_online = mc.auto_set_online > Duration::zero();
        const long waited = whole_seconds(now.mono - hr.last_state_change.mono);
        std::string because, rule;
        std::string_view subject = "host";
        if (hr.flapping) {
            subject = "flapping host";
            if (!auto_online || now.mono - checks_.last_change(h) < mc.flap_duration) return false;
            because = fmt::format(" because of auto_set_online and flap_duration({}) seconds passed without another "
                                  "failure. It was in state AWAITING_RECOVERY for {} seconds",
                                  format_duration(mc.flap_duration), waited);
            rule = fmt::format("flap_duration({}) seconds passed without another failure",
                               format_duration(mc.flap_duration));
        } else if (hr.last_uptime > 0 && hr.uptime - hr.last_uptime > 0 && hr.uptime - hr.last_uptime < 60) {
            const auto down = static_cast<long>(std::floor(hr.uptime - hr.last_uptime));
            because = fmt::format(" because it was down for only {} seconds", down);
            rule = fmt::format("it was down for only {} seconds", down);
        } else if (auto_online && now.mono - hr.last_state_change.mono >= mc.auto_set_online) {
            because = fmt::format(" because of auto_set_online({} seconds). It was in state AWAITING_RECOVERY for {} "
                                  "seconds",
                                  format_duration(mc.auto_set_online), waited);
            rule = fmt::format("auto_set_online({} seconds) has passed", format_duration(mc.auto_set_online));
        } else {
            return false;
        }
        if (hold_failed_active_master(h, active_master, rule, plan)) return false;
        change_state(h, HostState::Online, because, now, plan, subject);
        notify(h, plan, "host is ONLINE again", Fence::No);
        return true;
    }
    case HostState::HardOffline: {
        if (!alive) return false;
        const bool gate = active_master.has_value() || !roles_.can_be_active_master(h);
        HostState next = gate && !threads   ? HostState::ReplicationFail
                         : gate && !backlog ? HostState::ReplicationDelay
                                            : HostState::AwaitingRecovery;
        change_state(h, next, {}, now, plan);
        notify(h, plan, "host is reachable again", Fence::No);
        return true;
    }
    case HostState::ReplicationFail:
    case HostState::ReplicationDelay: {
        if (!alive) {
            change_state(h, HostState::HardOffline, checks_text(ping, mysql), now, plan);
            if (mode_ != MonitorMode::Passive) notify(h, plan, "host went HARD_OFFLINE", Fence::Yes);
            return true;
        }
        if (state == HostState::ReplicationFail && threads && !backlog) {
            change_state(h, HostState::ReplicationDelay, {}, now, plan);
            return true;
        }
        if (state == HostState::ReplicationDelay && !threads) {
            change_state(h, HostState::ReplicationFail, {}, now, plan);
            return true;
        }
        if (!(threads && backlog)) {
            // mysql-mmm sets the host ONLINE here as soon as its peer is not ONLINE, so a master with broken or
            // lagging replication can become the writer with stale data (§4.3 special case). We keep it out.
            if (!peer_online && !hr.stale_peer_logged) {
                hr.stale_peer_logged = true;
                std::string peer_text = peer ? fmt::format("its peer '{}' is {}", name(*peer), to_string(hosts_[*peer].state))
                                             : std::string("it has no active master to replicate from");
                std::string hint = roles_.can_be_active_master(h) && roles_.active_master_role()
                                       ? fmt::format(" Use 'move_role --force {} {}' to make it the active master anyway.",
                                                     roles_.role(*roles_.active_master_role()).name, host)
                                       : std::string();
                plan.log(LogLevel::Warn, fmt::format("Host '{}' stays in state {} although {}: its replication is not "
                                                     "OK, so its data may be stale.{}",
                                                     host, from, peer_text, hint));
            }
            return false;
        }
        if (hr.flapping) {
            change_state(h, HostState::AwaitingRecovery, " (because it's flapping)", now, plan);
        } else if (Plan held; hold_failed_active_master(h, active_master, "its replication is OK again", held)) {
            change_state(h, HostState::AwaitingRecovery, " (because it was the active master when it failed)", now,
                         plan);
            plan.append(std::move(held));
            hosts_[h].hold_logged = true;
        } else {
            plan.append(std::move(held));  // the exception, if any, said before the change
            change_state(h, HostState::Online, {}, now, plan);
        }
        notify(h, plan, "replication is OK again", Fence::No);
        return true;
    }
    case HostState::AdminOffline:
    case HostState::Unknown:
        break;
    }
    return false;
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
    if (hr.state == HostState::Online && !(ok(h, CheckKind::RepThreads) && ok(h, CheckKind::RepBacklog))) {
        std::optional<std::size_t> peer = hr.peer;
        if (!peer && config_.hosts[h].mode == HostMode::Slave) peer = roles_.active_master_index();
        if (peer && hosts_[*peer].state == HostState::Online && hosts_[*peer].online_since)
            return hosts_[*peer].online_since->mono + peer_grace;
    }
    return std::nullopt;
}

}  // namespace mmm::monitor
