// Carrying out an ordered plan with chains: a failed SkipChain action cancels the later actions of its chain.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/core/model.hpp"
#include "common/result.hpp"

namespace mmm::agent {

enum class StepStatus { Done, Failed, Skipped };

struct StepOutcome {
    Action action;
    StepStatus status = StepStatus::Done;
    std::string text;  // the step's own report, or its error
};

// Calls `step` for every action in order, except those whose chain already failed (reported as Skipped).
std::vector<StepOutcome> run_plan(const std::vector<Action>& actions,
                                  const std::function<Result<std::string>(const Action&)>& step);

}  // namespace mmm::agent
