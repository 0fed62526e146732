// MonitorCore inputs and the decision step: state machine, role distribution, agent notifications, status file.
#include "monitor/core/monitor_core.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
std::array<Duration, check_kind_count> trap_periods(const Config& config) {
    std::array<Duration, check_kind_count> out{};
    for (auto k : all_check_kinds) out[static_cast<std::size_t>(k)] = config.check(k).trap_period;
    return out;
}

// "state ONLINE -> HARD_OFFLINE; roles -writer(1.2.3.4); active master db1 -> ''"
std::string describe_change(const std::optional<StatusUpdate>& before, const StatusUpdate& after) {
    if (!before) return fmt::format("first status: {}, roles [{}], active master '{}'", to_string(after.state),
                                    protocol::encode_roles(after.roles), after.active_master);
    std::vector<std::string> parts;
    if (before->state != after.state)
        parts.push_back(fmt::format("state {} -> {}", to_string(before->state), to_string(after.state)));
    std::string roles;
    for (const auto& r : before->roles)
        if (!std::binary_search(after.roles.begin(), after.roles.end(), r)) roles += " -" + r.to_string();
    for (const auto& r : after.roles)
        if (!std::binary_search(before->roles.begin(), before->roles.end(), r)) roles += " +" + r.to_string();
    if (!roles.empty()) parts.push_back("roles" + roles);
    if (before->active_master != after.active_master)
        parts.push_back(fmt::format("active master '{}' -> '{}'", before->active_master, after.active_master));
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}
}  // namespace

MonitorCore::MonitorCore(const Config& config, Instant now)
    : config_(config),
      hosts_(config.hosts.size()),
      checks_(config.hosts.size(), trap_periods(config), now),
      roles_(config_),
      mode_(config.monitor.mode),
      last_eval_(now.mono),
      gtid_(config.hosts.size()),
      errant_said_(config.hosts.size()),
      clean_said_(config.hosts.size()),
      semisync_(config.hosts.size()) {
    for (std::size_t h = 0; h < config_.hosts.size(); ++h) {
        index_.emplace(config_.hosts[h].name, h);
        host_names_.push_back(config_.hosts[h].name);
        hosts_[h].last_state_change = now;
        for (auto k : all_check_kinds)
            if (!check_applies(config_.hosts[h].mode, k)) checks_.set_not_applicable(h, k);
    }
    for (std::size_t h = 0; h < config_.hosts.size(); ++h)
        if (!config_.hosts[h].peer.empty()) hosts_[h].peer = find(config_.hosts[h].peer);
    if (mode_ == MonitorMode::Passive) passive_cause_ = "Configured to start up in passive mode.";
}

std::optional<std::size_t> MonitorCore::source_of(std::size_t h, std::optional<std::size_t> active_master) const {
    for (const auto& s : config_.hosts[h].sources)
        if (auto i = find(s); i && hosts_[*i].state == HostState::Online) return i;
    return active_master;
}

std::string MonitorCore::master_name_for(std::size_t h) const {
    const auto src = source_of(h, roles_.active_master_index());
    return src ? name(*src) : std::string();
}

std::optional<std::size_t> MonitorCore::find(std::string_view host) const {
    auto it = index_.find(host);
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

std::size_t MonitorCore::index_of(std::string_view host) const {
    auto h = find(host);
    if (!h) throw std::out_of_range(fmt::format("unknown host '{}'", host));
    return *h;
}

// ---- inputs ------------------------------------------------------------------------------------------------

Plan MonitorCore::on_check_result(std::string_view host, CheckKind check, CheckOutcome outcome,
                                  std::string_view message, Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    Plan plan;
    auto h = find(host);
    if (!h || !check_applies(config_.hosts[*h].mode, check)) return plan;
    if (!started_) {
        // A follower (several monitors, issue 14) keeps its checks warm after its initial round: through the trap
        // period, so a leader it becomes does not take one late sample for a failure.
        if (following_ && have_net_) checks_.on_result(*h, name(*h), check, outcome, message, now, plan);
        else checks_.set_initial(*h, check, outcome, message, now);
        return plan;
    }
    if (!have_net_) return plan;  // checks do not count while the monitor itself is cut off (§3.8)
    // Recorded at once; while a plan runs, the decision waits for its last result (which decides, see finish()).
    if (checks_.on_result(*h, name(*h), check, outcome, message, now, plan) && !plan_running()) finish(now, plan);
    // The active master's first failing sample (its trap period runs): ask the others now, so their answers are in
    // when the trap period ends.
    if (outcome != CheckOutcome::Ok && (check == CheckKind::Ping || check == CheckKind::Mysql) &&
        (config_.monitor.second_opinion || config_.monitor.fail_fast_on_exit) && roles_.active_master_index() == *h &&
        hosts_[*h].state == HostState::Online &&
        check_ok(*h, check) &&
        !(opinion_ && opinion_->about == *h && (!opinion_->open.empty() || opinion_->own != 0)))
        start_opinion_round(*h, plan);
    return plan;
}

Plan MonitorCore::on_network(Network network, Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    Plan plan;
    bool reachable = network == Network::Reachable;
    if (reachable == have_net_) return plan;
    have_net_ = reachable;
    plan.log(LogLevel::Fatal, reachable ? "Network is reachable" : "Network is unreachable");
    if (reachable) {
        checks_.restart_pending(now);
        if (!plan_running()) finish(now, plan);
    }
    return plan;
}

Plan MonitorCore::on_agent_reply(std::string_view host, const AgentCallResult& reply, Instant now) {
    Plan plan;
    now_ = now.mono;
    now_wall_ = now.wall;
    auto h = find(host);
    if (!h) return plan;
    HostRuntime& hr = hosts_[*h];
    if (reply.uptime) {
        hr.uptime = *reply.uptime;
        if (hr.state == HostState::Online) hr.last_uptime = *reply.uptime;
    }
    bool reached = reply.result == AgentResult::Ok;
    if (reply.call == AgentCall::CheckMaster) on_opinion(*h, reply, now, plan);
    if (reply.call == AgentCall::SetStatus) {
        if (!reached && ok(*h, CheckKind::Ping) && !hr.agent_down) {
            plan.log(LogLevel::Fatal, fmt::format("Can't reach agent on host '{}'", name(*h)));
            hr.agent_down = true;
        } else if (reached && hr.agent_down) {
            plan.log(LogLevel::Fatal, fmt::format("Agent on host '{}' is reachable again", name(*h)));
            hr.agent_down = false;
        }
        if (reply.message.starts_with("ERROR: Stale epoch ")) on_stale_epoch(*h, reply.message, plan);
        if (reply.request == 0) {
            const bool open = !hr.heartbeats_open.empty();
            const auto sent = open ? hr.heartbeats_open.front() : HostRuntime::OpenHeartbeat{};
            if (open) hr.heartbeats_open.pop_front();
            if (open && status_applied(reply)) set_confirmed(*h, sent.status);
            if (open && holds_writer(sent.status)) on_writer_reply(*h, reply, plan);
            const bool leased = sent.leased, drops = sent.drops;
            if (leased) on_lease_reply(*h, reply, now, plan);
            if (drops) on_drop_reply(*h, reply);
        } else if (reply.request == hr.lease_request) {
            hr.lease_request = 0;
            on_lease_reply(*h, reply, now, plan);
        } else if (reply.request == hr.drop_request) {
            hr.drop_request = 0;
            on_drop_reply(*h, reply);
        }
        if (reply.request != 0 && reply.request == hr.last_sent_request && hr.last_sent) {
            if (status_applied(reply)) set_confirmed(*h, hr.last_sent);
            if (holds_writer(*hr.last_sent)) on_writer_reply(*h, reply, plan);
        }
        if (reply.request != 0 && reply.request == hr.fence_request) {
            hr.fence_request = 0;
            if (!reached) {
                plan.log(LogLevel::Error,
                         fmt::format("Can't send offline status notification to '{}' - killing it!", name(*h)));
                add_kill(plan, KillHost{name(*h), ok(*h, CheckKind::Ping)},
                         "the host lost its roles but its agent could not be told");
            }
        }
    }
    // Any reply but the plan's own may come while a plan is being carried out (a heartbeat's, a second opinion, the
    // old writer's drop beside the plan): it decides nothing then; the plan's last result does.
    if (reply.request != 0) in_flight_.erase(reply.request);
    if (reply.call == AgentCall::Ping && pending_ && pending_->request == reply.request && pending_->host == host) {
        std::string line = pending_->line;
        pending_.reset();
        plan.append(run_command(line, reply.result, now));
        return plan;  // run_command finished the step
    }
    // While the shell is still carrying out a plan, decide again only after its last call was answered: a new
    // decision now would be carried out before the rest of that plan and could overtake it (e.g. hand the writer
    // to a host before the old writer was told).
    if (started_ && !plan_running()) finish(now, plan);
    return plan;
}

Plan MonitorCore::on_command(std::string_view line, Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    // help, ping, show, checks and mode only read: they may be answered while a plan is being carried out. A command
    // that changes something is refused while a plan runs (the shell queues it until the plan is done).
    if (plan_running() && !is_read_only_command(text)) {
        Plan plan;
        plan.add(Reply{"ERROR: A plan is being carried out; try again when it is done."}, "command during a plan");
        return plan;
    }
    return run_command(text, std::nullopt, now);
}

Plan MonitorCore::on_timer(Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    Plan plan;
    if (!started_ || !have_net_ || plan_running()) return plan;  // a running plan's last result decides
    finish(now, plan);
    return plan;
}

std::optional<SteadyTime> MonitorCore::next_deadline() const {
    // While a plan runs its last result decides (and every deadline passed by then is handled there).
    if (!started_ || !have_net_ || plan_running()) return std::nullopt;
    // Pending check failures are reported by every step, so a due one is never stale; the host rules were
    // evaluated by the last step, so only their deadlines after it count.
    std::optional<SteadyTime> best = checks_.next_deadline();
    auto consider = [&](std::optional<SteadyTime> t) {
        if (t && *t > last_eval_ && (!best || *t < *best)) best = t;
    };
    for (std::size_t h = 0; h < hosts_.size(); ++h) consider(host_deadline(h));
    consider(writer_wait_until_);  // a new writer waits for an old writer's lease
    consider(opinion_deadline());  // the second opinion's answers are due, or a held failover is asked about again
    for (const auto& hr : hosts_) consider(hr.writer_refused_until);  // a refused candidate may be tried again
    consider(writer_budget_end());  // a new writer that never confirms is refused at the end of the move's budget
    if (mode_ == MonitorMode::Wait && config_.monitor.wait_for_other_master > Duration::zero() &&
        roles_.active_master_role()) {
        for (const auto& m : roles_.role(*roles_.active_master_role()).hosts) {
            auto h = find(m);
            if (h && hosts_[*h].state == HostState::Online && hosts_[*h].online_since)
                consider(hosts_[*h].online_since->mono + config_.monitor.wait_for_other_master);
        }
    }
    return best;
}

// ---- the decision step ---------------------------------------------------------------------------------------

void MonitorCore::finish(Instant now, Plan& plan) {
    now_ = now.mono;
    now_wall_ = now.wall;
    // Every decision starts by reporting the failures whose trap period has run out, whatever the input was.
    if (started_ && have_net_) checks_.on_timer(host_names_, now, plan);
    const std::size_t first = plan.actions.size();
    step(now, plan);
    if (started_ && have_net_) {
        log_errant_changes(plan);
        log_semisync_fallback(plan);
    }
    advance_epoch();
    // The decision is saved before any agent hears of it: a monitor killed in between restarts at an epoch above
    // every one an agent accepted (an agent would refuse a lower one as stale), from the decision, not an older state.
    Plan saving;
    save(saving);
    if (!saving.empty()) {
        auto at = std::find_if(plan.actions.begin() + static_cast<std::ptrdiff_t>(first), plan.actions.end(),
                               [](const Action& a) { return std::holds_alternative<SendStatus>(a.body); });
        plan.actions.insert(at, saving.actions.begin(), saving.actions.end());
    }
    check_invariants_or_abort();
    last_eval_ = now.mono;
}

void MonitorCore::step(Instant now, Plan& plan) {
    if (!started_) return;
    // Decide until nothing changes: a host back from HARD_OFFLINE may be due for ONLINE at once, and a new active
    // master is every replica's new peer. Bounded; two or three rounds in practice.
    enforce_writer_budget(plan);
    for (int round = 0; round < 8; ++round) {
        bool changed = false;
        if (have_net_) {
            auto active_master = roles_.active_master_index();
            // Hosts that failed as the active master last: one of them returns by itself only when no other
            // master candidate is (or has just come back) ONLINE.
            std::vector<bool> last(hosts_.size());
            for (std::size_t h = 0; h < hosts_.size(); ++h) last[h] = hosts_[h].failed_as_active_master;
            for (bool pass : {false, true})
                for (std::size_t h = 0; h < hosts_.size(); ++h)
                    if (last[h] == pass)
                        changed = evaluate_host(h, active_master, now, plan) || changed;
            if (mode_ == MonitorMode::Wait) changed = wait_mode_rules(now, plan) || changed;
        }
        if (mode_ != MonitorMode::Passive) {  // PASSIVE: no distribution (§6.2)
            std::vector<char> eligible(hosts_.size(), 0), am_eligible(hosts_.size(), 0);
            for (std::size_t h = 0; h < hosts_.size(); ++h) {
                const bool errant = !errant_of(h).empty();
                if (errant && mode_ == MonitorMode::Active) clear_roles(h, plan);  // errant.cpp; its roles go elsewhere
                eligible[h] = hosts_[h].state == HostState::Online && !hosts_[h].agent_down && !errant;
                am_eligible[h] = eligible[h] && !writer_refused(h);
            }
            auto before = roles_.total_generation();
            roles_.distribute(eligible, mode_ == MonitorMode::Active, plan, &am_eligible);
            changed = changed || roles_.total_generation() != before;
        }
        if (!changed) break;
    }
    send_changed_statuses(plan);
    log_writer_wait(plan);
}

StatusUpdate MonitorCore::desired_status(std::size_t h) const {
    StatusUpdate s{name(h), hosts_[h].state, roles_.roles_of(h), master_name_for(h), epoch_, std::nullopt};
    const Duration lease = config_.writer_lease();
    if (lease.count() <= 0 || roles_.active_master_index() != h) return s;
    if (writer_wait(h)) {  // not yet: another host may still hold a writer lease (writer_lease.cpp)
        const auto writer = writer_roles_of(h);
        std::erase_if(s.roles, [&](const RoleIp& r) { return std::binary_search(writer.begin(), writer.end(), r); });
        return s;
    }
    s.lease = std::chrono::duration_cast<std::chrono::milliseconds>(lease);
    return s;
}

void MonitorCore::advance_epoch() {
    if (roles_.total_generation() == epoch_generation_) return;
    epoch_generation_ = roles_.total_generation();
    ++epoch_;
}

// "ERROR: Stale epoch <n>: this agent has accepted epoch <m>": another monitor, or this one before a status file was
// lost, went further. Never ignored: said, and this monitor continues above m (saved by the next step); the next
// heartbeat carries it.
void MonitorCore::on_stale_epoch(std::size_t h, std::string_view message, Plan& plan) {
    constexpr std::string_view marker = "accepted epoch ";
    const auto at = message.find(marker);
    std::uint64_t theirs = 0;
    if (at != std::string_view::npos) {
        const std::string_view digits = message.substr(at + marker.size());
        std::from_chars(digits.data(), digits.data() + digits.size(), theirs);
    }
    const std::uint64_t ours = epoch_;
    if (config_.monitor.coordination.type == CoordinationType::Etcd) {
        // Several monitors: a newer epoch is a newer leader's. Never outbid it; the shell steps down.
        plan.log(LogLevel::Error, fmt::format("Agent on host '{}' refused our epoch {} as stale ({}): another monitor "
                                              "leads now.",
                                              name(h), ours, message));
        return;
    }
    if (theirs >= epoch_) epoch_ = theirs + 1;
    plan.log(LogLevel::Error, fmt::format("Agent on host '{}' refused our epoch {} as stale ({}): another monitor or an "
                                          "older status file? Continuing with epoch {}; the next heartbeat retries.",
                                          name(h), ours, message, epoch_));
}

void MonitorCore::notify(std::size_t h, Plan& plan, std::string reason, Fence fence) {
    // Nothing is sent in PASSIVE mode or without network; unlike mysql-mmm that is not a reason to kill (§4.6).
    if (mode_ == MonitorMode::Passive || !have_net_) return;
    if (!ok(h, CheckKind::Ping)) {  // an agent whose host does not answer pings is not even tried (§7.1)
        if (fence == Fence::Yes) {
            plan.log(LogLevel::Error,
                     fmt::format("Can't send offline status notification to '{}' - killing it!", name(h)));
            add_kill(plan, KillHost{name(h), false}, reason + "; its ping check fails, so it cannot be told");
        }
        return;
    }
    advance_epoch();
    StatusUpdate status = desired_status(h);
    RequestId id = ++last_request_;
    HostRuntime& hr = hosts_[h];
    std::string why = reason.empty() ? describe_change(hr.last_sent, status) : reason;
    hr.last_sent = status;
    hr.last_sent_request = id;
    hr.last_sent_on_its_way = false;
    hr.last_sent_generation = roles_.generation(h);
    if (fence == Fence::Yes) hr.fence_request = id;  // a later plain update must not cancel the fencing
    if (holds_writer(status) && !writer_confirmed(h) && !hr.writer_unconfirmed_since) {
        hr.writer_unconfirmed_since = now_;  // the point of no return of a writer move: its budget runs from here
        hr.last_writer_reply = "none yet";
    }
    bool beside = false;
    if (status.lease) {
        hr.lease_request = id;
        note_lease_sent(h);
    } else if (hr.may_hold_lease && !holds_writer(status)) {
        hr.drop_request = id;  // its OK reply confirms the host gave the writer role up
        beside = config_.writer_lease().count() > 0;  // the promotion wait orders the new writer after it
    }
    if (!beside) in_flight_.insert(id);
    plan.add(SendStatus{std::move(status), id, beside}, std::move(why));
}

// Sends SET_STATUS to every host whose (state, roles, active master) differs from what it was last told, in the
// order that keeps one writer: hosts losing roles first (the old writer drops it), then replicas (with the new
// master), then the rest, and the new active master last (§9.11).
void MonitorCore::send_changed_statuses(Plan& plan) {
    if (mode_ == MonitorMode::Passive || !have_net_) return;
    auto am = roles_.active_master_index();
    std::array<std::vector<std::size_t>, 4> groups;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        HostRuntime& hr = hosts_[h];
        const std::string am_name = master_name_for(h);
        if (!ok(h, CheckKind::Ping)) continue;
        if (am == h && writer_wait(h)) continue;  // told when the wait is over (log_writer_wait, next_deadline)
        const auto& last = hr.last_sent;
        if (last && last->state == hr.state && last->active_master == am_name &&
            hr.last_sent_generation == roles_.generation(h))
            continue;
        auto roles = roles_.roles_of(h);
        // Only an ONLINE replica acts on the master field (§7.4); others learn it with the next heartbeat.
        bool master_matters = hr.state == HostState::Online && config_.hosts[h].mode == HostMode::Slave;
        if (last && last->state == hr.state && (last->active_master == am_name || !master_matters) &&
            last->roles == roles) {
            hr.last_sent_generation = roles_.generation(h);
            continue;
        }
        bool loses = last && std::any_of(last->roles.begin(), last->roles.end(), [&](const RoleIp& r) {
                         return !std::binary_search(roles.begin(), roles.end(), r);
                     });
        std::size_t group = am == h ? 3 : loses ? 0 : config_.hosts[h].mode == HostMode::Slave ? 1 : 2;
        groups[group].push_back(h);
    }
    for (const auto& group : groups)
        for (auto h : group) notify(h, plan, {}, Fence::No);
}

// §7.5, generalised: every master candidate that is not the active master, then the hosts that cannot be the
// active master, then the active master; each SET_STATUS followed by CLEAR_BAD_ROLES. (mysql-mmm skips both
// masters when nobody holds the writer; here they are told and cleaned too.)
void MonitorCore::cleanup_and_send_status(Plan& plan, const std::vector<char>& already_told) {
    if (mode_ == MonitorMode::Passive || !have_net_) return;
    auto am = roles_.active_master_index();
    std::vector<std::size_t> order;
    for (std::size_t h = 0; h < hosts_.size(); ++h)
        if (roles_.can_be_active_master(h) && am != h) order.push_back(h);
    for (std::size_t h = 0; h < hosts_.size(); ++h)
        if (!roles_.can_be_active_master(h)) order.push_back(h);
    if (am) order.push_back(*am);
    for (auto h : order) {
        if (!ok(h, CheckKind::Ping)) continue;
        if (!already_told[h]) notify(h, plan, "start-up / leaving passive mode: tell the agent its status", Fence::No);
        plan.add(ClearBadRoles{name(h), ++last_request_}, "remove role IPs the agent holds but was not given");
        in_flight_.insert(last_request_);
    }
}

// The agent applied the whole status: "OK: Status applied successfully!" (mysql-mmm's agent too). Not: "OK: Status
// accepted; still applying it" (it acts, no result yet), an ERROR, or no reply.
bool MonitorCore::status_applied(const AgentCallResult& reply) {
    return reply.result == AgentResult::Ok && reply.message.starts_with("OK") &&
           !reply.message.starts_with("OK: Status accepted; still applying");
}

namespace {
constexpr Duration kWriterRefusalHold = std::chrono::seconds(60);

// An ERROR from the agent's writer steps (mmm's agent names them: "CatchUp ...", "AllowWrites ...", "AddIp <ip>
// (writer) ...", a lease that ran out before a writer step); not a refusal of the whole request (stale epoch...),
// which did not get as far.
bool writer_steps_failed(const AgentCallResult& reply, const std::string& role) {
    if (reply.result != AgentResult::Ok || !reply.message.starts_with("ERROR: ")) return false;
    const std::string& m = reply.message;
    return m.find("CatchUp") != std::string::npos || m.find("AllowWrites") != std::string::npos ||
           m.find("(" + role + ")") != std::string::npos || m.find("writer lease") != std::string::npos;
}
}  // namespace

bool MonitorCore::writer_refused(std::size_t h) const {
    return hosts_[h].writer_refused_until && now_ < *hosts_[h].writer_refused_until;
}

// Issue 10 item 2: "ERROR: ..." is not success. The first is retried (the next heartbeat carries the role; its agent
// tries again); a second one in a row takes the role from the host (its agent gets a status without it, so it denies
// writes again if it got that far), which is no candidate for kWriterRefusalHold: the next candidate is tried, or the
// role stays orphaned with the reason in the log and `show`.
void MonitorCore::on_writer_reply(std::size_t h, const AgentCallResult& reply, Plan& plan) {
    const auto role = roles_.active_master_role();
    if (!role) return;
    HostRuntime& hr = hosts_[h];
    hr.last_writer_reply = reply.result == AgentResult::Ok ? reply.message
                           : reply.result == AgentResult::NoReply ? std::string("no reply before the deadline")
                                                                  : std::string("agent unreachable");
    if (status_applied(reply)) {
        hr.writer_failures = 0;
        hr.writer_unconfirmed_since.reset();
    }
    if (!writer_steps_failed(reply, roles_.role(*role).name)) return;
    if (++hr.writer_failures < 2) {  // retried: the next heartbeat carries the role again, its agent tries again
        plan.log(LogLevel::Error, fmt::format("Agent on host '{}' could not take role '{}' yet: {}; retrying", name(h),
                                              roles_.role(*role).name, reply.message));
        return;
    }
    refuse_writer(h, fmt::format("its agent answered '{}'", reply.message), reply.message, plan);
}

// The host is no candidate for the active master role for kWriterRefusalHold: the role is taken from it (its agent gets
// a status without it, so it denies writes again if it got that far); the next candidate is tried, or the role stays
// orphaned with the reason in the log and `show`.
void MonitorCore::refuse_writer(std::size_t h, std::string reason, std::string_view logged, Plan& plan) {
    const auto role = roles_.active_master_role();
    if (!role) return;
    note_writer_move(h, false);
    HostRuntime& hr = hosts_[h];
    hr.writer_failures = 0;
    hr.writer_unconfirmed_since.reset();
    hr.writer_refused_until = now_ + kWriterRefusalHold;
    hr.writer_refusal = std::move(reason);
    const auto lost = writer_roles_of(h);
    for (std::size_t e = 0; e < roles_.entries().size(); ++e)
        if (roles_.entries()[e].role == *role && roles_.entries()[e].holder == h) roles_.assign(e, std::nullopt);
    plan.log(LogLevel::Error,
             fmt::format("Agent on host '{}' could not take role '{}': {}. Not a candidate for it for {} s: another "
                         "candidate is tried, or the role stays orphaned",
                         name(h), lost.empty() ? roles_.role(*role).name : display_roles(lost), logged,
                         std::chrono::duration_cast<std::chrono::seconds>(kWriterRefusalHold).count()));
}

// The plan's time budget for a writer move (issue 10): from the moment the new active master is told it holds the role
// (the point of no return: from then on it may be writable) until its agent confirms it applied the status. A catch-up
// may take up to agent.writer_sync_timeout, each answer up to agent_timeout; an agent that only ever answers "still
// applying" (a catch-up that never ends, a peer that never turns read-only) or does not answer at all past that is
// refused like one that answered ERROR twice.
Duration MonitorCore::writer_confirm_budget() const {
    return config_.agent.writer_sync_timeout + 2 * config_.monitor.agent_timeout;
}

std::optional<SteadyTime> MonitorCore::writer_budget_end() const {
    const auto am = roles_.active_master_index();
    if (!am || !hosts_[*am].writer_unconfirmed_since) return std::nullopt;
    return *hosts_[*am].writer_unconfirmed_since + writer_confirm_budget();
}

void MonitorCore::enforce_writer_budget(Plan& plan) {
    const auto am = roles_.active_master_index();
    for (std::size_t h = 0; h < hosts_.size(); ++h)
        if (am != h) hosts_[h].writer_unconfirmed_since.reset();  // a move away from it ended its budget
    const auto end = writer_budget_end();
    if (!end || now_ < *end) return;
    const std::size_t h = *roles_.active_master_index();
    const auto budget_s = std::chrono::duration_cast<std::chrono::seconds>(writer_confirm_budget()).count();
    const std::string& last = hosts_[h].last_writer_reply;
    refuse_writer(h, fmt::format("it did not confirm it within {} s (last answer: '{}')", budget_s, last),
                  fmt::format("not confirmed within {} s, the writer move's budget (last answer: '{}')", budget_s, last),
                  plan);
}

void MonitorCore::on_send_started(RequestId request) {
    for (auto& hr : hosts_)
        if (hr.last_sent_request == request) hr.last_sent_on_its_way = true;
}

void MonitorCore::add_kill(Plan& plan, KillHost kill, std::string reason) {
    ++kills_open_;
    plan.add(std::move(kill), std::move(reason));
}

void MonitorCore::save(Plan& plan) {
    if (!started_ || mode_ == MonitorMode::Passive || !have_net_) return;
    std::uint64_t signature = state_changes_ * 1000003u + roles_.total_generation() * 31u + epoch_ * 7919u +
                              static_cast<unsigned>(mode_);
    if (signature == saved_signature_) return;
    saved_signature_ = signature;
    plan.add(SaveStatus{}, "host states, roles or mode changed");
}

// ---- heartbeats and accessors ----------------------------------------------------------------------------------

std::optional<StatusUpdate> MonitorCore::status_for(std::string_view host) const {
    auto h = find(host);
    if (!h || !started_ || mode_ == MonitorMode::Passive || !have_net_ || !ok(*h, CheckKind::Ping))
        return std::nullopt;
    return desired_status(*h);
}

std::vector<StatusUpdate> MonitorCore::all_statuses() const {
    std::vector<StatusUpdate> out;
    for (const auto& h : config_.hosts)
        if (auto s = status_for(h.name)) out.push_back(std::move(*s));
    return out;
}

HostView MonitorCore::host(std::string_view host_name) const {
    std::size_t h = index_of(host_name);
    const HostRuntime& hr = hosts_[h];
    const HostConfig& hc = config_.hosts[h];
    std::optional<WallTime> online_since;
    if (hr.online_since) online_since = hr.online_since->wall;
    return {hc.name, hc.ip, hc.mode, hr.state, roles_.roles_of(h), hr.agent_down, hr.flapping,
            hr.last_state_change.wall, online_since, hr.failed_as_active_master};
}

std::vector<HostView> MonitorCore::hosts() const {
    std::vector<HostView> out;
    for (const auto& h : config_.hosts) out.push_back(host(h.name));
    return out;
}

const CheckStatus& MonitorCore::check_status(std::string_view host_name, CheckKind check) const {
    return checks_.status(index_of(host_name), check);
}

std::string MonitorCore::status_file_text() const {
    StoredStatus status;
    status.mode = mode_;
    status.epoch = epoch_;
    for (std::size_t h = 0; h < hosts_.size(); ++h)
        status.hosts.push_back({name(h), hosts_[h].state, roles_.roles_of(h), hosts_[h].failed_as_active_master});
    return format_status_file(status);
}

std::vector<std::string> MonitorCore::invariant_violations() const {
    std::vector<std::string> out;
    const auto& entries = roles_.entries();
    for (std::size_t e = 0; e < entries.size(); ++e) {
        const auto& entry = entries[e];
        const auto& role = roles_.role(entry.role);
        for (std::size_t o = e + 1; o < entries.size(); ++o)
            if (entries[o].ip == entry.ip && entries[o].holder != entry.holder)
                out.push_back(fmt::format("IP {} is on two hosts", entry.ip));
        if (role.mode == RoleMode::Exclusive) {
            auto holder = roles_.holder_of_role(entry.role);
            if (entry.holder && holder != entry.holder)
                out.push_back(fmt::format("exclusive role '{}' has two holders", role.name));
        }
        if (entry.holder && !roles_.allowed(entry.role, *entry.holder))
            out.push_back(fmt::format("role {}({}) on '{}', which may not hold it", role.name, entry.ip,
                                      name(*entry.holder)));
        if (!started_) continue;
        if (entry.holder && mode_ == MonitorMode::Active && hosts_[*entry.holder].state != HostState::Online)
            out.push_back(fmt::format("role {}({}) on '{}' in state {} in ACTIVE mode", role.name, entry.ip,
                                      name(*entry.holder), to_string(hosts_[*entry.holder].state)));
        if (!entry.holder && mode_ != MonitorMode::Passive) {
            for (std::size_t h = 0; h < hosts_.size(); ++h)
                if (roles_.allowed(entry.role, h) && hosts_[h].state == HostState::Online && !hosts_[h].agent_down &&
                    !(roles_.active_master_role() == entry.role && writer_refused(h))) {
                    out.push_back(fmt::format("role {}({}) is orphaned although '{}' could hold it", role.name,
                                              entry.ip, name(h)));
                    break;
                }
        }
    }
    return out;
}

void MonitorCore::check_invariants_or_abort() const {
    // The two safety invariants: one holder per exclusive role (one writer) and one host per IP.
    for (const auto& entry : roles_.entries()) {
        if (roles_.role(entry.role).mode != RoleMode::Exclusive || !entry.holder) continue;
        if (roles_.holder_of_role(entry.role) != entry.holder) {
            std::fprintf(stderr, "mmm monitor core: safety invariant broken: role '%s' has two holders\n",
                         roles_.role(entry.role).name.c_str());
            std::abort();
        }
    }
}

}  // namespace mmm::monitor
