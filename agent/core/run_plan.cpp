// Carrying out a plan with chains.
#include "agent/core/run_plan.hpp"

#include <set>

namespace mmm::agent {

std::vector<StepOutcome> run_plan(const std::vector<Action>& actions,
                                  const std::function<Result<std::string>(const Action&)>& step) {
    std::vector<StepOutcome> out;
    std::set<int> failed_chains;
    for (const auto& a : actions) {
        if (failed_chains.count(a.chain) != 0) {
            out.push_back({a, StepStatus::Skipped, "skipped: an earlier step of its chain failed"});
            continue;
        }
        auto r = step(a);
        if (r) {
            out.push_back({a, StepStatus::Done, *r});
            continue;
        }
        out.push_back({a, StepStatus::Failed, r.error().message});
        if (a.on_failure == OnFailure::SkipChain) failed_chains.insert(a.chain);
    }
    return out;
}

}  // namespace mmm::agent
