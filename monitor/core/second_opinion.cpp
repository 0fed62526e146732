// The second opinion (issue 10): before the active master is declared failed, the other hosts' agents are asked
// whether they reach its server (CHECK_MASTER). If one does, the monitor is the one cut off: no failover.
#include <algorithm>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

namespace {
// How long one round's answers stand: a held failover is asked about again after this (so a master that dies while
// held fails over within one more round).
Duration round_validity(const Config& config) {
    return std::max<Duration>(config.check(CheckKind::Mysql).check_period, std::chrono::seconds(1));
}

std::string join_and(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return out;
}
}  // namespace

// Asks every other host whose agent can be reached (its ping check OK, agent not down). None: no round (the failover
// goes on as without the option).
void MonitorCore::start_opinion_round(std::size_t about, Plan& plan) {
    OpinionRound round;
    round.about = about;
    round.started = now_;
    round.deadline = now_ + config_.monitor.agent_timeout;
    if (config_.monitor.fail_fast_on_exit && ok(about, CheckKind::Ping) && !hosts_[about].agent_down) {
        round.own = ++last_request_;
        plan.add(AskOpinion{name(about), name(about), round.own},
                 fmt::format("has the server process of '{}' exited?", name(about)));
    }
    for (std::size_t h = 0; config_.monitor.second_opinion && h < hosts_.size(); ++h) {
        if (h == about || !ok(h, CheckKind::Ping) || hosts_[h].agent_down) continue;
        const RequestId id = ++last_request_;
        round.open.emplace(id, h);
        plan.add(AskOpinion{name(h), name(about), id}, fmt::format("second opinion: does '{}' reach '{}'?", name(h),
                                                                    name(about)));
    }
    if (round.open.empty() && round.own == 0) {
        opinion_.reset();
        return;
    }
    if (round.open.empty()) round.answered = now_;  // nobody else to wait for
    opinion_ = std::move(round);
}

void MonitorCore::on_opinion(std::size_t asked, const AgentCallResult& reply, Instant now, Plan& plan) {
    if (!opinion_) return;
    if (reply.request != 0 && reply.request == opinion_->own) {
        opinion_->own = 0;
        const auto opinion = reply.result == AgentResult::Ok ? protocol::parse_master_opinion(reply.message)
                                                              : std::nullopt;
        if (asked != opinion_->about || !opinion || opinion->reach != protocol::MasterReach::Exited) return;
        plan.log(LogLevel::Warn, fmt::format("Agent on '{}' says {}: its mysql check fails now, without the trap "
                                             "period", name(asked), opinion->probe));
        checks_.fail_now(asked, name(asked), CheckKind::Mysql, now, plan);
        return;
    }
    const auto it = opinion_->open.find(reply.request);
    if (it == opinion_->open.end() || it->second != asked) return;  // an older round's answer
    opinion_->open.erase(it);
    if (opinion_->open.empty()) opinion_->answered = now_;
    if (reply.result != AgentResult::Ok) return;
    const auto opinion = protocol::parse_master_opinion(reply.message);  // nullopt: an old agent, an ERROR
    if (opinion && opinion->reach == protocol::MasterReach::Reachable)
        opinion_->reach.push_back(fmt::format("{} ({}; {})", name(asked), opinion->probe, opinion->replication));
}

bool MonitorCore::hold_for_second_opinion(std::size_t h, bool ping, bool mysql, Plan& plan) {
    if (!config_.monitor.second_opinion) return false;
    auto complete = [&] { return now_ >= opinion_->completed_at(); };
    // This failure began with its first failing sample; a round asked before that is about an earlier one.
    std::optional<SteadyTime> episode;
    for (auto k : {CheckKind::Ping, CheckKind::Mysql})
        if (auto since = checks_.failing_since(h, k); since && (!episode || *since < *episode)) episode = since;
    // A new round: for a new failure, or when the last one held the failover and is older than its validity (asked
    // again, so a master that dies while held fails over). A round that found nobody reaching it is final for this
    // failure, and one whose answers are on their way is waited for (they may take longer than a check period).
    if (!opinion_ || opinion_->about != h || (episode && opinion_->started < *episode) ||
        (complete() && !opinion_->reach.empty() && now_ >= opinion_->completed_at() + round_validity(config_))) {
        start_opinion_round(h, plan);
        if (!opinion_) return false;  // nobody to ask
    }
    const bool done = complete();
    if (!opinion_->reach.empty() && writer_lease_ran_out(h)) {
        // Its agent fenced the host when the lease ran out (the monitor cannot renew it): holding would leave no
        // writer at all. Failing over is safe now, and the only way back to a writer.
        plan.log(LogLevel::Warn,
                 fmt::format("Second opinion: {} reach{} '{}', but the monitor could not renew its writer lease, which "
                             "has run out: its agent has fenced it; failing over",
                             join_and(opinion_->reach), opinion_->reach.size() == 1 ? "es" : "", name(h)));
        cut_off_warning_.clear();
        opinion_.reset();
        return false;
    }
    if (!opinion_->reach.empty()) {
        if (!done && cut_off_warning_.empty()) return true;  // said once every answer is in (one line naming all)
        const std::string warning =
            fmt::format("monitor cannot reach {} (ping: {}, mysql: {}) but {} reach{} it: no failover while they do",
                        name(h), ping ? "OK" : "not OK", mysql ? "OK" : "not OK", join_and(opinion_->reach),
                        opinion_->reach.size() == 1 ? "es" : "");
        if (cut_off_warning_.empty())
            plan.log(LogLevel::Warn, fmt::format("Second opinion: {}. This monitor may be cut off from '{}'.", warning,
                                                 name(h)));
        cut_off_warning_ = warning;
        return true;
    }
    if (!done) return true;  // answers are on their way
    if (!cut_off_warning_.empty())
        plan.log(LogLevel::Warn, fmt::format("Second opinion: no other host reaches '{}' any more", name(h)));
    cut_off_warning_.clear();
    return false;
}

// With writer leases and renewals failing: when the host's lease runs out unless one gets through (its last possible
// renewal + the lease); nullopt otherwise.
std::optional<SteadyTime> MonitorCore::unrenewed_lease_end(std::size_t h) const {
    const Duration lease = config_.writer_lease();
    const auto& last = hosts_[h].last_possible_renewal;
    if (lease.count() <= 0 || !hosts_[h].renewal_failing || !last) return std::nullopt;
    return *last + lease;
}

bool MonitorCore::writer_lease_ran_out(std::size_t h) const {
    const auto end = unrenewed_lease_end(h);
    return end && now_ >= *end;
}

// While a round is open: its deadline; while a failover is held: when the round is asked again.
std::optional<SteadyTime> MonitorCore::opinion_deadline() const {
    if (!opinion_) return std::nullopt;
    if (!opinion_->reach.empty()) {
        const SteadyTime next = opinion_->completed_at() + round_validity(config_);
        const auto end = unrenewed_lease_end(opinion_->about);  // the held master's lease runs out then
        return end ? std::min(next, *end) : next;
    }
    if (!opinion_->open.empty()) return opinion_->deadline;
    return std::nullopt;
}

}  // namespace mmm::monitor
