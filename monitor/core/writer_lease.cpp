// MonitorCore's writer lease (issue 10): the lease field and its renewals through heartbeats, and the promotion wait —
// the writer role goes to a new host only when every other host that may hold a writer lease has given it up (its
// agent confirmed it dropped the role, or kill_host_bin fenced it) or its lease has certainly run out.
#include "monitor/core/monitor_core.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
// Added to a lease before the monitor takes it as run out: the agent measures the lease on its own steady clock from
// the moment it read the request, which is before the monitor saw the reply (or gave up and closed the connection),
// but its clock may run slower than ours (10 %, far beyond a real crystal's drift or NTP slewing), and 100 ms cover one
// more network delay and the agent's fencing pass starting late.
Duration lease_margin(Duration lease) { return lease / 10 + std::chrono::milliseconds(100); }

template <typename D>
long long ms(D d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }
}  // namespace

Duration MonitorCore::heartbeat_interval(std::size_t h) const {
    if (config_.writer_lease().count() > 0 && roles_.active_master_index() == h) return config_.writer_lease_renewal();
    return config_.monitor.status_interval;
}

std::size_t MonitorCore::max_open_heartbeats(std::size_t h) const {
    return config_.writer_lease().count() > 0 && roles_.active_master_index() == h ? 3 : 1;
}

std::vector<StatusUpdate> MonitorCore::heartbeats(Instant now) {
    now_ = now.mono;
    now_wall_ = now.wall;
    std::vector<StatusUpdate> out;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        HostRuntime& hr = hosts_[h];
        auto status = heartbeat_for(h);
        if (!status || hr.heartbeats_open.size() >= max_open_heartbeats(h)) continue;
        if (hr.last_heartbeat && now.mono < *hr.last_heartbeat + heartbeat_interval(h)) continue;
        hr.last_heartbeat = now.mono;
        hr.heartbeats_open.push_back({status->lease.has_value(), !holds_writer(*status), *status});
        if (status->lease) note_lease_sent(h);
        out.push_back(std::move(*status));
    }
    return out;
}

std::optional<SteadyTime> MonitorCore::next_heartbeat() const {
    std::optional<SteadyTime> best;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        const HostRuntime& hr = hosts_[h];
        if (hr.heartbeats_open.size() >= max_open_heartbeats(h) || !heartbeat_for(h)) continue;
        const SteadyTime due = hr.last_heartbeat ? *hr.last_heartbeat + heartbeat_interval(h) : SteadyTime{};
        if (!best || due < *best) best = due;
    }
    return best;
}

namespace {
// The same assignment: state, roles and active master (the epoch and the lease are the heartbeat's own).
bool same_assignment(const StatusUpdate& a, const StatusUpdate& b) {
    return a.host == b.host && a.state == b.state && a.roles == b.roles && a.active_master == b.active_master;
}
}  // namespace

// Between plans: status_for. While a plan is being carried out (issue 10 item 1): only to a host whose status is the
// one its agent last confirmed, or the one the plan already sent it, so a heartbeat renews (the active master's lease
// included, also during the new writer's catch-up) but never carries the plan's target ahead of the plan — the new
// writer is told by the plan, after the old one was fenced.
std::optional<StatusUpdate> MonitorCore::heartbeat_for(std::size_t h) const {
    auto status = status_for(name(h));
    if (!status || !plan_running()) return status;
    const HostRuntime& hr = hosts_[h];
    if (hr.confirmed && same_assignment(*hr.confirmed, *status)) return status;
    if (hr.last_sent && hr.last_sent_on_its_way && same_assignment(*hr.last_sent, *status)) return status;
    return std::nullopt;
}

bool MonitorCore::holds_writer(const StatusUpdate& status) const {
    if (!roles_.active_master_role()) return false;
    const std::string& role = roles_.role(*roles_.active_master_role()).name;
    return std::any_of(status.roles.begin(), status.roles.end(), [&](const RoleIp& r) { return r.role == role; });
}

void MonitorCore::note_lease_sent(std::size_t h) {
    hosts_[h].may_hold_lease = true;
    ++hosts_[h].lease_calls_open;
}

void MonitorCore::on_lease_reply(std::size_t h, const AgentCallResult& reply, Instant now, Plan& plan) {
    HostRuntime& hr = hosts_[h];
    hr.lease_calls_open = std::max(0, hr.lease_calls_open - 1);
    // A request that reached the agent renewed the lease at the latest now (reply received, or connection closed:
    // the agent refuses a request it reads after that). A connection never made renewed nothing.
    if (reply.result != AgentResult::Unreachable) hr.last_possible_renewal = now.mono;
    const bool renewed = reply.result == AgentResult::Ok && reply.message.starts_with("OK");
    if (renewed && hr.renewal_failing) {
        hr.renewal_failing = false;
        plan.log(LogLevel::Info, fmt::format("Writer lease of '{}' renewed again", name(h)));
    } else if (!renewed && !hr.renewal_failing) {
        hr.renewal_failing = true;
        const std::string why = reply.result == AgentResult::Unreachable ? "agent unreachable"
                                : reply.result == AgentResult::NoReply   ? "no reply before the deadline"
                                                                         : fmt::format("'{}'", reply.message);
        plan.log(LogLevel::Error,
                 fmt::format("Could not renew the writer lease of '{}' ({}): its agent fences the host {} ms after the "
                             "last renewal it received unless one gets through; said once until a renewal succeeds",
                             name(h), why, ms(config_.writer_lease())));
    }
}

// An agent that accepted a status without the writer role has given its lease up (it clears it on acceptance, whatever
// its pass then achieves): waiting for the lease to run out would protect nothing more. Accepted = any reply but a
// refusal of the whole request — "OK: Status applied successfully!" (also mysql-mmm's agent), "OK: Status accepted;
// still applying it", or "ERROR: <action>: <why>" from the pass (it still tries: deny writes, IPs removed first from
// a server that does not answer). Refused (nothing applied): a stale epoch, a request read after the monitor closed
// the connection, a malformed one.
bool MonitorCore::drop_accepted(const AgentCallResult& reply) {
    if (reply.result != AgentResult::Ok) return false;
    for (std::string_view refusal : {"ERROR: Stale epoch", "ERROR: The monitor closed the connection", "ERROR: Invalid",
                                     "ERROR: Field", "ERROR: Command too long"})
        if (reply.message.starts_with(refusal)) return false;
    return reply.message.starts_with("OK") || reply.message.starts_with("ERROR: ");
}

void MonitorCore::on_drop_reply(std::size_t h, const AgentCallResult& reply) {
    if (drop_accepted(reply)) hosts_[h].may_hold_lease = false;  // an older open lease request carries a lower epoch
}

Plan MonitorCore::on_kill_result(std::string_view host, FenceResult outcome, Instant now) {
    Plan plan;
    now_ = now.mono;
    now_wall_ = now.wall;
    auto h = find(host);
    if (!h) return plan;
    if (kills_open_ > 0) --kills_open_;
    if (outcome == FenceResult::Fenced) hosts_[*h].may_hold_lease = false;
    if (started_ && !plan_running()) finish(now, plan);
    return plan;
}

std::optional<MonitorCore::LeaseWait> MonitorCore::writer_wait(std::size_t to) const {
    const Duration lease = config_.writer_lease();
    if (lease.count() <= 0) return std::nullopt;
    std::optional<LeaseWait> wait;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        const HostRuntime& hr = hosts_[h];
        if (h == to || !hr.may_hold_lease) continue;
        SteadyTime until = SteadyTime::max();  // a request carrying the lease is unanswered: not known yet
        if (hr.lease_calls_open == 0) {
            if (!hr.last_possible_renewal) continue;  // no request carrying it ever reached the agent
            until = *hr.last_possible_renewal + lease + lease_margin(lease);
        }
        if (until > now_ && (!wait || until > wait->until)) wait = LeaseWait{h, until};
    }
    return wait;
}

void MonitorCore::log_writer_wait(Plan& plan) {
    auto am = roles_.active_master_index();
    auto wait = am ? writer_wait(*am) : std::nullopt;
    writer_wait_until_ = wait && wait->until != SteadyTime::max() ? std::optional(wait->until) : std::nullopt;
    if (!writer_wait_until_ || (wait_logged_ && *wait_logged_ == *writer_wait_until_)) return;
    // The plan just made may end the wait (the old writer's agent confirms the drop, kill_host_bin fences it): said
    // once its calls were answered, when the wait is certain — the log must name the fence that really held.
    if (plan_running() || hosts_[wait->holder].drop_request != 0) return;  // (the drop may go beside the plan)
    wait_logged_ = writer_wait_until_;
    plan.log(LogLevel::Info, fmt::format("Waiting {} ms for the writer lease of '{}' to run out before giving role '{}' "
                                         "to '{}'",
                                         ms(*writer_wait_until_ - now_), name(wait->holder),
                                         display_roles(writer_roles_of(*am)), name(*am)));
}

std::vector<RoleIp> MonitorCore::writer_roles_of(std::size_t h) const {
    std::vector<RoleIp> out;
    for (const auto& r : roles_.roles_of(h))
        if (roles_.active_master_role() && r.role == roles_.role(*roles_.active_master_role()).name) out.push_back(r);
    return out;
}

void MonitorCore::start_leases(const std::vector<StartupReport>& reports, Instant now) {
    // A monitor that starts cannot know what its earlier self renewed last: an agent that reports the writer role,
    // or does not answer, may hold a lease for up to a lease from now.
    if (config_.writer_lease().count() <= 0 || !roles_.active_master_role()) return;
    const std::string& role = roles_.role(*roles_.active_master_role()).name;
    for (const auto& r : reports) {
        auto h = find(r.host);
        if (!h || !roles_.allowed(*roles_.active_master_role(), *h)) continue;
        const bool holds = r.agent && std::any_of(r.agent->roles.begin(), r.agent->roles.end(),
                                                  [&](const RoleIp& ip) { return ip.role == role; });
        if (holds || !r.agent) {
            hosts_[*h].may_hold_lease = true;
            hosts_[*h].last_possible_renewal = now.mono;
        }
    }
}

}  // namespace mmm::monitor
