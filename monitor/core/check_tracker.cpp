// Check status with a trap period: mysql-mmm's per-check, per-host state machine of §3.6.
#include "monitor/core/check_tracker.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace mmm::monitor {

CheckTracker::CheckTracker(std::size_t host_count, const std::array<Duration, check_kind_count>& trap_periods,
                           Instant start)
    : trap_(trap_periods), entries_(host_count * check_kind_count) {
    for (auto& e : entries_) e.status.last_change = start;
}

bool CheckTracker::report(Entry& e, bool ok, std::string_view message, Instant now) {
    e.status.message = message;
    if (ok) e.unconfirmed = false;
    if (e.status.ok == ok) return false;
    e.status.ok = ok;
    e.status.last_change = now;
    return true;
}

void CheckTracker::set_not_applicable(std::size_t host, CheckKind check) {
    Entry& e = at(host, check);
    e.phase = Phase::Ok;
    e.status.ok = true;
    e.status.message = "OK: not run on this host";
}

void CheckTracker::set_initial(std::size_t host, CheckKind check, CheckOutcome outcome, std::string_view message,
                               Instant now) {
    Entry& e = at(host, check);
    if (e.phase == Phase::Failing) --failing_;
    e.phase = Phase::Initial;
    e.status.ok = outcome == CheckOutcome::Ok;
    e.status.message = message;
    e.status.last_change = now;
    e.unconfirmed = !e.status.ok;
    if (outcome == CheckOutcome::Unknown) {
        e.phase = Phase::Unknown;  // decided by the next OK or failing sample, as after start-up
    } else if (outcome == CheckOutcome::Error) {
        e.phase = Phase::Failing;
        e.fail_since = now.mono;
        e.fail_message = message;
        ++failing_;
    }
}

// A pending failure becomes the reported status (its trap period ran out, or it was confirmed): the line, then
// the status. True when the status changed.
bool CheckTracker::fail_reported(Entry& e, std::string_view host_name, CheckKind check, Instant now, Plan& plan) {
    auto age = std::chrono::duration_cast<Duration>(now.mono - e.fail_since);
    plan.log(LogLevel::Error, fmt::format("Check '{}' on '{}' has failed for {} seconds! Message: {}", to_string(check),
                                          host_name, format_duration(age), e.fail_message));
    e.phase = Phase::Failed;
    --failing_;
    const std::string message = e.fail_message;
    const bool was_unconfirmed = std::exchange(e.unconfirmed, false);  // the status said so already; now it counts
    return report(e, false, message, now) || was_unconfirmed;
}

bool CheckTracker::on_result(std::size_t host, std::string_view host_name, CheckKind check, CheckOutcome outcome,
                             std::string_view message, Instant now, Plan& plan) {
    Entry& e = at(host, check);
    switch (outcome) {
    case CheckOutcome::Ok:
        if (e.phase == Phase::Ok) return false;
        if (e.phase == Phase::Failing) {
            e.phase = Phase::Ok;
            --failing_;
            // A failure that was never reported ends silently — unless the status already says failed (the initial
            // checks at start-up): then this OK is news, or the check would stay failed for good.
            if (e.status.ok) return false;
        }
        plan.log(LogLevel::Info, fmt::format("Check '{}' on '{}' is ok!", to_string(check), host_name));
        e.phase = Phase::Ok;
        return report(e, true, message, now);
    case CheckOutcome::Unknown:
        if (e.phase == Phase::Unknown) return false;
        if (e.phase == Phase::Failing) --failing_;
        e.phase = Phase::Unknown;
        e.fail_since = now.mono;
        plan.log(LogLevel::Warn, fmt::format("Check '{}' on '{}' is in unknown state! Message: {}", to_string(check),
                                             host_name, message));
        return false;
    case CheckOutcome::Error:
        if (e.phase == Phase::Failed) return false;
        if (e.phase != Phase::Failing) {
            e.phase = Phase::Failing;
            e.fail_since = now.mono;
            ++failing_;
        }
        e.fail_message = message;
        if (now.mono - e.fail_since < trap_[static_cast<std::size_t>(check)]) return false;
        return fail_reported(e, host_name, check, now, plan);
    }
    return false;
}

bool CheckTracker::fail_now(std::size_t host, std::string_view host_name, CheckKind check, Instant now, Plan& plan) {
    Entry& e = at(host, check);
    if (e.phase != Phase::Failing) return false;
    return fail_reported(e, host_name, check, now, plan);
}

std::vector<std::size_t> CheckTracker::on_timer(const std::vector<std::string>& host_names, Instant now,
                                                Plan& plan) {
    std::vector<std::size_t> changed;
    if (failing_ == 0) return changed;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        Entry& e = entries_[i];
        const std::size_t host = i / check_kind_count;
        const auto check = all_check_kinds[i % check_kind_count];
        if (e.phase != Phase::Failing || now.mono - e.fail_since < trap_[static_cast<std::size_t>(check)]) continue;
        if (fail_reported(e, host_names[host], check, now, plan) && (changed.empty() || changed.back() != host))
            changed.push_back(host);
    }
    return changed;
}

void CheckTracker::restart_pending(Instant now) {
    if (failing_ == 0) return;
    for (auto& e : entries_)
        if (e.phase == Phase::Failing) e.fail_since = now.mono;
}

std::optional<SteadyTime> CheckTracker::next_deadline() const {
    std::optional<SteadyTime> best;
    if (failing_ == 0) return best;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        if (e.phase != Phase::Failing) continue;
        SteadyTime due = e.fail_since + trap_[i % check_kind_count];
        if (!best || due < *best) best = due;
    }
    return best;
}

SteadyTime CheckTracker::last_change(std::size_t host) const {
    SteadyTime latest = at(host, CheckKind::Ping).status.last_change.mono;
    for (auto k : all_check_kinds) latest = std::max(latest, at(host, k).status.last_change.mono);
    return latest;
}

}  // namespace mmm::monitor
