// PlanRunner: the one way the core's plans are carried out, by the daemon's shell and by the test harness alike.
#pragma once

#include <deque>
#include <optional>

#include "monitor/core/plan.hpp"

namespace mmm::monitor {

// A plan's ordered steps (SendStatus in the plan's order, ClearBadRoles, PingAgent, KillHost) run one at a time, front
// to back: a step is handed out by next() and awaited until its result is reported with step_done(), whose plan (the
// core's answer to that result) is carried out before the rest. Nothing is awaited inside the runner and nothing
// recurses: the shell starts the step's I/O, goes on taking other inputs, and reports the result when it comes.
//
// While a step is awaited, the plans of unrelated inputs (a check result, a heartbeat's reply, a second opinion) do
// not wait for it: their log lines, saves, replies and calls beside the plan are handed out at once; their own ordered
// steps, if any, queue behind the running plan. The core decides nothing while its plan runs (plan_running()), so such
// plans hold log lines and beside calls only; a step queued behind is the safe answer if one ever comes.
//
// Use: add(plan) for every input's plan; then `while (auto a = next()) carry out *a` — for a step, start its I/O and
// later call step_done(core's answer to its result) and loop again.
class PlanRunner {
public:
    // An ordered step: carried out alone, its result awaited (a SendStatus sent beside the plan is not one).
    static bool is_step(const Action& action);

    // The plan of an input: behind what is queued; while a step is awaited, everything up to its first step at once.
    void add(Plan plan);
    // The awaited step's result was reported to the core, which answered `follow_up`: carried out before the rest.
    void step_done(Plan follow_up);
    // The next action to carry out now; nullopt while a step is awaited (apart from at-once actions) or when done.
    // A step handed out here is awaited until step_done.
    std::optional<Action> next();

    bool awaiting() const { return awaiting_; }
    // Nothing queued and nothing awaited: every plan given so far is carried out.
    bool idle() const { return !awaiting_ && queue_.empty() && at_once_.empty(); }

private:
    std::deque<Action> at_once_;  // handed out even while a step is awaited
    std::deque<Action> queue_;    // in order, the awaited step's successors first
    bool awaiting_ = false;
};

}  // namespace mmm::monitor
