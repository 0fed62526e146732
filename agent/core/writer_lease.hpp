// The writer lease: how long this agent may keep the active master role without hearing from the monitor.
#pragma once

#include <chrono>
#include <optional>

namespace mmm::agent {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

enum class WriterGrant { Given, NotGiven };  // does an accepted SET_STATUS give this host the active master role

// Steady-clock arithmetic only; the time is always passed in (the shell's steady clock, a manual one in tests).
// An accepted SET_STATUS that gives the writer role with `lease=<ms>` holds the role until its receipt + ms; each
// later one renews it. One without a lease holds it with no end (mysql-mmm's behaviour); one that does not give
// the role ends the lease.
class WriterLease {
public:
    void on_set_status(WriterGrant grant, std::optional<std::chrono::milliseconds> lease, SteadyTime received);
    // The role is no longer held (the lease ran out and the agent fenced itself, or it was taken away).
    void clear();

    // A lease is running: the role ends at end() unless renewed.
    bool running() const { return end_.has_value(); }
    std::optional<SteadyTime> end() const { return end_; }
    // The writer role may be exercised at `now`: no lease running (held without end, or not held at all, which
    // reconcile decides from the roles), or `now` before its end.
    bool allows_writer(SteadyTime now) const { return !end_ || now < *end_; }
    bool expired(SteadyTime now) const { return !allows_writer(now); }

    std::chrono::milliseconds length() const { return length_; }
    SteadyTime renewed_at() const { return renewed_at_; }

private:
    std::optional<SteadyTime> end_;
    std::chrono::milliseconds length_{0};
    SteadyTime renewed_at_{};
};

}  // namespace mmm::agent
