// Control commands (§8.2; parsed by command.cpp): preconditions in mysql-mmm's order, and their exact reply texts.
#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

bool MonitorCore::need_ping(std::size_t h, PingResult ping, Plan& plan) {
    if (ping) return false;
    RequestId id = ++last_request_;
    plan.add(PingAgent{name(h), id}, "the command needs the agent to answer first");
    in_flight_.insert(id);
    return true;
}

Plan MonitorCore::run_command(const std::string& line, PingResult ping, Instant now) {
    Plan plan;
    const auto parsed = parse_command(line);
    if (!parsed) {
        plan.add(Reply{fmt::format("Invalid command '{}'\n\n{}", line, help_text())});
        return plan;
    }
    const Command& c = *parsed;
    const auto& args = c.args;
    std::string reply;
    std::optional<std::size_t> host_for_ping;
    switch (c.kind) {
    case CommandKind::Help: reply = help_text(); break;
    case CommandKind::Ping: reply = "OK: Pinged successfully!"; break;
    case CommandKind::Show: reply = c.json ? show_json().dump() : show(); break;
    case CommandKind::Checks: reply = c.json ? checks_json(args).dump() : checks_text(args); break;
    case CommandKind::Mode:
        reply = c.json ? nlohmann::json{{"mode", to_string(mode_)}}.dump() : std::string(to_string(mode_));
        break;
    case CommandKind::Why: reply = c.json ? why_json(status_view()).dump() : why_text(status_view()); break;
    case CommandKind::SetActive: reply = cmd_set_active(plan); break;
    case CommandKind::SetManual: reply = cmd_set_manual(plan); break;
    case CommandKind::SetPassive: reply = cmd_set_passive(plan); break;
    case CommandKind::SetOnline:
    case CommandKind::SetOffline:
        if (auto h = find(args[0]); !h) {
            reply = fmt::format("ERROR: Unknown host name '{}'!", args[0]);
        } else {
            reply = c.kind == CommandKind::SetOnline ? cmd_set_online(*h, ping, now, plan)
                                                     : cmd_set_offline(*h, ping, now, plan);
            host_for_ping = h;
        }
        break;
    case CommandKind::MoveRole:
        reply = cmd_move_role(args[0], args[1], c.force, ping, now, plan);
        host_for_ping = find(args[1]);
        break;
    case CommandKind::SetIp: reply = cmd_set_ip(args[0], args[1], plan); break;
    }
    if (reply.empty() && host_for_ping) {  // waiting for the agent's PING
        pending_ = PendingCommand{line, name(*host_for_ping), last_request_};
        return plan;
    }
    plan.add(Reply{reply});
    if (started_ && !c.read_only()) finish(now, plan);
    return plan;
}

std::string MonitorCore::cmd_set_online(std::size_t h, PingResult ping, Instant now, Plan& plan) {
    const std::string& host = name(h);
    HostState state = hosts_[h].state;
    if (state == HostState::Online) return "OK: This host is already ONLINE. Skipping command.";
    if (state != HostState::AdminOffline && state != HostState::AwaitingRecovery)
        return fmt::format("ERROR: Host '{}' is '{}' at the moment. It can't be switched to ONLINE.", host,
                           to_string(state));
    if (!ok(h, CheckKind::Ping) || !ok(h, CheckKind::Mysql))
        return fmt::format("ERROR: Checks ping and/or mysql are not ok for host '{}'. It can't be switched to ONLINE.",
                           host);
    // A Galera node taken out for maintenance (desynced for a backup, stopped for a snapshot) returns once Synced.
    if (!ok(h, CheckKind::Wsrep))
        return fmt::format("ERROR: Host '{}' is not a Synced node of the Primary component ({}). It can't be "
                           "switched to ONLINE before it is.",
                           host, checks_.status(h, CheckKind::Wsrep).message);
    // The peer's replication threads count unless the peer is the active master: a master that took the role from
    // a peer that did not answer stops replicating from it (its tail must not flow into the writer) and starts again
    // only when it is passive once more, so its threads are stopped until this host is back (issue 11).
    auto peer = hosts_[h].peer;
    const bool peer_threads_count = peer && roles_.active_master_index() != peer;
    if (peer && hosts_[*peer].state == HostState::Online &&
        ((peer_threads_count && !ok(*peer, CheckKind::RepThreads)) || !ok(*peer, CheckKind::RepBacklog)))
        return fmt::format("ERROR: Some replication checks failed on peer '{}'. We can't set '{}' online now. Please, "
                           "wait some time.",
                           name(*peer), host);
    if (const auto errant = errant_of(h); !errant.empty())
        return fmt::format("ERROR: Host '{}' can't be switched to ONLINE: {}. Resolve them (re-clone '{}' from the "
                           "active master, or apply them there) first.",
                           host, errant, host);
    if (gtid_unknown(h))
        return fmt::format("ERROR: The GTID state of host '{}' has not been read since it came back (errant "
                           "transactions are checked first). Please, wait some time.",
                           host);
    if (need_ping(h, ping, plan)) return {};
    if (*ping != AgentResult::Ok)
        return fmt::format("ERROR: Can't reach agent daemon on '{}'! Can't switch its state!", host);
    plan.log(LogLevel::Fatal, fmt::format("Admin changed state of '{}' from {} to ONLINE", host, to_string(state)));
    set_state(h, HostState::Online, now, plan);
    hosts_[h].flapping = false;
    // Told by the decision step that follows, in the order that keeps one writer: when the host takes the active
    // master role back (prefer), the old holder drops it first, then the replicas, then this host.
    return fmt::format("OK: State of '{}' changed to ONLINE. Now you can wait some time and check its new roles!", host);
}

std::string MonitorCore::cmd_set_offline(std::size_t h, PingResult ping, Instant now, Plan& plan) {
    const std::string& host = name(h);
    HostState state = hosts_[h].state;
    if (state == HostState::AdminOffline) return "OK: This host is already ADMIN_OFFLINE. Skipping command.";
    if (state != HostState::Online && state != HostState::ReplicationFail && state != HostState::ReplicationDelay)
        return fmt::format("ERROR: Host '{}' is '{}' at the moment. It can't be switched to ADMIN_OFFLINE.", host,
                           to_string(state));
    if (need_ping(h, ping, plan)) return {};
    if (*ping != AgentResult::Ok)
        return fmt::format("ERROR: Can't reach agent daemon on '{}'! Can't switch its state!", host);
    plan.log(LogLevel::Fatal, fmt::format("Admin changed state of '{}' from {} to ADMIN_OFFLINE", host, to_string(state)));
    set_state(h, HostState::AdminOffline, now, plan);
    clear_roles(h, plan);
    notify(h, plan, "admin set the host ADMIN_OFFLINE: drop its roles", Fence::No);
    return fmt::format("OK: State of '{}' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!",
                       host);
}

std::string MonitorCore::cmd_move_role(const std::string& role_name, const std::string& host_name, bool force,
                                       PingResult ping, Instant now, Plan& plan) {
    if (mode_ == MonitorMode::Passive) return "ERROR: This command is not allowed in passive mode";
    auto r = roles_.find_role(role_name);
    if (!r) return fmt::format("ERROR: Unknown role name '{}'!", role_name);
    auto h = find(host_name);
    if (!h) return fmt::format("ERROR: Unknown host name '{}'!", host_name);
    const RoleConfig& role = roles_.role(*r);
    HostState state = hosts_[*h].state;
    if (force && r != roles_.active_master_role())
        return "ERROR: move_role --forced may be used for the active master role only!";
    if (!force && role.mode == RoleMode::Balanced) {
        plan.log(LogLevel::Info, fmt::format("Removing balanced role {} from host '{}':", role_name, host_name));
        for (const auto& e : roles_.entries()) {
            if (e.role != *r || e.holder != h) continue;
            plan.log(LogLevel::Info, fmt::format("    Removed role '{}({})' from host '{}'", role_name, e.ip, host_name));
        }
        for (std::size_t e = 0; e < roles_.entries().size(); ++e)
            if (roles_.entries()[e].role == *r && roles_.entries()[e].holder == h) roles_.assign(e, std::nullopt);
        return fmt::format("OK: Balanced role {} has been removed from host '{}'. Now you can wait some time and check "
                           "new roles info!",
                           role_name, host_name);
    }
    if (!force && state != HostState::Online)
        return fmt::format("ERROR: Can't move role to host with state {}.", to_string(state));
    if (force && state != HostState::ReplicationFail && state != HostState::ReplicationDelay)
        return fmt::format("ERROR: Can't force move of role to host with state {}.", to_string(state));
    if (!roles_.allowed(*r, *h))
        return fmt::format("ERROR: Host '{}' can't handle role '{}'. Only following hosts could: {}", host_name,
                           role_name, roles_.allowed_list(*r));
    auto old = roles_.holder_of_role(*r);
    if (old == h) return fmt::format("OK: Role is on '{}' already. Skipping command.", host_name);
    if (need_ping(*h, ping, plan)) return {};
    if (*ping != AgentResult::Ok)
        return fmt::format("ERROR: Can't reach agent daemon on '{}'! Can't move roles there!", host_name);
    std::string old_name = old ? name(*old) : std::string();
    if (!force && mode_ == MonitorMode::Active && !role.prefer.empty() && old_name == role.prefer)
        return fmt::format("ERROR: Role '{}' is assigned to preferred host '{}'. Can't move it!", role_name, old_name);
    if (role.ips.empty()) return fmt::format("Error: Role {} has no IP.", role_name);

    plan.log(LogLevel::Fatal, fmt::format("Admin {} role '{}' from '{}' to '{}'", force ? "forced move of" : "moved",
                                          role_name, old_name, host_name));
    for (std::size_t e = 0; e < roles_.entries().size(); ++e)
        if (roles_.entries()[e].role == *r) roles_.assign(e, *h);
    if (force) {
        change_state(*h, HostState::Online, " (because of move_role --force)", now, plan);
        if (old && hosts_[*old].state == HostState::Online) {
            std::optional<HostState> demoted;
            if (!ok(*old, CheckKind::RepThreads)) demoted = HostState::ReplicationFail;
            else if (!ok(*old, CheckKind::RepBacklog)) demoted = HostState::ReplicationDelay;
            if (demoted) {
                change_state(*old, *demoted, " (because of move_role --force)", now, plan);
                if (mode_ == MonitorMode::Active) clear_roles(*old, plan);
            }
        }
        return fmt::format("OK: Role '{}' has been moved from '{}' to '{}' enforcedly. Now you can wait some time and "
                           "check new roles info!",
                           role_name, old_name, host_name);
    }
    return fmt::format("OK: Role '{}' has been moved from '{}' to '{}'. Now you can wait some time and check new "
                       "roles info!",
                       role_name, old_name, host_name);
}

std::string MonitorCore::cmd_set_ip(const std::string& ip, const std::string& host_name, Plan& plan) {
    if (mode_ != MonitorMode::Passive) return "ERROR: This command is only allowed in passive mode";
    auto e = roles_.find_ip(ip);
    if (!e) return fmt::format("ERROR: Unknown ip '{}'!", ip);
    auto h = find(host_name);
    if (!h) return fmt::format("ERROR: Unknown host name '{}'!", host_name);
    std::size_t r = roles_.entries()[*e].role;
    const std::string& role_name = roles_.role(r).name;
    if (!roles_.allowed(r, *h))
        return fmt::format("ERROR: Host '{}' can't handle role '{}'. Following hosts could: {}", host_name, role_name,
                           roles_.allowed_list(r));
    if (hosts_[*h].state != HostState::Online)
        return fmt::format("ERROR: Host '{}' is '{}' at the moment. Can't move role with ip '{}' there.", host_name,
                           to_string(hosts_[*h].state), ip);
    plan.log(LogLevel::Fatal, fmt::format("Admin set role '{}({})' to host '{}'", role_name, ip, host_name));
    roles_.assign(*e, *h);
    return fmt::format("OK: Set role '{}({})' to host '{}'.", role_name, ip, host_name);
}

std::string MonitorCore::cmd_set_active(Plan& plan) {
    MonitorMode old = mode_;
    if (old == MonitorMode::Active) return "OK: Already in active mode.";
    plan.log(LogLevel::Info, fmt::format("Admin changed mode from '{}' to 'ACTIVE'", to_string(old)));
    mode_ = MonitorMode::Active;
    // Hosts that are not ONLINE may not keep roles in ACTIVE mode (mysql-mmm did this only from MANUAL/WAIT; roles
    // are also kept while PASSIVE here, so leaving PASSIVE needs it too).
    auto told = clear_roles_of_failed_hosts(plan);
    if (old == MonitorMode::Passive) {
        passive_cause_.clear();
        cleanup_and_send_status(plan, told);
    }
    return "OK: Switched into active mode.";
}

std::string MonitorCore::cmd_set_manual(Plan& plan) {
    MonitorMode old = mode_;
    if (old == MonitorMode::Manual) return "OK: Already in manual mode.";
    // mysql-mmm answers "Already in manual mode." in WAIT mode and stays in WAIT (§14.2); we switch.
    plan.log(LogLevel::Info, fmt::format("Admin changed mode from '{}' to 'MANUAL'", to_string(old)));
    mode_ = MonitorMode::Manual;
    if (old == MonitorMode::Passive) {
        passive_cause_.clear();
        cleanup_and_send_status(plan, std::vector<char>(hosts_.size(), 0));
    }
    return "OK: Switched into manual mode.";
}

std::string MonitorCore::cmd_set_passive(Plan& plan) {
    MonitorMode old = mode_;
    if (old == MonitorMode::Passive) return "OK: Already in passive mode.";
    plan.log(LogLevel::Info, fmt::format("Admin changed mode from '{}' to 'PASSIVE'", to_string(old)));
    mode_ = MonitorMode::Passive;
    passive_cause_ = "Admin switched to passive mode.";
    // Persist the mode now (nothing is saved while PASSIVE), so a restart stays PASSIVE.
    if (started_ && have_net_) plan.add(SaveStatus{}, "the admin switched to passive mode");
    return "OK: Switched into passive mode.";
}

}  // namespace mmm::monitor
