// PlanRunner: ordered steps one at a time, a step's follow-up before the rest, unrelated plans not held up.
#include "monitor/core/plan_runner.hpp"

#include <iterator>

namespace mmm::monitor {

bool PlanRunner::is_step(const Action& action) {
    if (const auto* send = std::get_if<SendStatus>(&action.body)) return !send->beside;
    return std::holds_alternative<ClearBadRoles>(action.body) || std::holds_alternative<PingAgent>(action.body) ||
           std::holds_alternative<KillHost>(action.body);
}

void PlanRunner::add(Plan plan) {
    auto it = plan.actions.begin();
    if (awaiting_) {
        // Not held up by a step of another plan: up to its own first step, this plan is carried out at once.
        for (; it != plan.actions.end() && !is_step(*it); ++it) at_once_.push_back(std::move(*it));
    }
    queue_.insert(queue_.end(), std::make_move_iterator(it), std::make_move_iterator(plan.actions.end()));
}

void PlanRunner::step_done(Plan follow_up) {
    awaiting_ = false;
    queue_.insert(queue_.begin(), std::make_move_iterator(follow_up.actions.begin()),
                  std::make_move_iterator(follow_up.actions.end()));
}

std::optional<Action> PlanRunner::next() {
    if (!at_once_.empty()) {
        Action a = std::move(at_once_.front());
        at_once_.pop_front();
        return a;
    }
    if (awaiting_ || queue_.empty()) return std::nullopt;
    Action a = std::move(queue_.front());
    queue_.pop_front();
    awaiting_ = is_step(a);
    return a;
}

}  // namespace mmm::monitor
