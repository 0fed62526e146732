// What the agent counts about itself for its /metrics (agent.http.listen, issue 13): the role IPs it holds, read_only,
// gratuitous ARP bursts, reconcile passes and failed steps, the last SET_STATUS. Pure: passes and requests go in, the
// Prometheus text comes out; the service keeps one on its io_context thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/core/model.hpp"
#include "agent/core/run_plan.hpp"
#include "common/time.hpp"

namespace mmm::agent {

// The host after a pass: what the pass observed, changed by the steps that were done.
struct HostAfterPass {
    std::set<std::string> ips;  // role IPs on the cluster interface
    std::optional<bool> read_only;
};
HostAfterPass after_steps(const Observed& before, const std::vector<StepOutcome>& steps);

// How long one kind of step took when it was done (failed steps are not timed).
struct StepTiming {
    ActionKind kind;
    double seconds = 0;
};

struct AgentStats {
    enum class Trigger { Monitor, Recheck };
    struct Timings {
        std::uint64_t count = 0;
        double sum = 0;   // seconds
        double last = 0;  // seconds, the latest one
    };

    std::map<std::string, std::string> role_ips;  // configured role IP -> role name (for labels)
    std::set<std::string> ips_held;               // after the last pass
    std::optional<bool> read_only;                // after the last pass; nullopt: the server could not be asked
    std::uint64_t passes_monitor = 0;             // passes for a SET_STATUS (or another monitor request)
    std::uint64_t passes_recheck = 0;             // the agent's own periodic re-checks
    std::uint64_t passes_failed = 0;              // passes with at least one failed step
    std::uint64_t steps_failed = 0;
    std::uint64_t garp_bursts = 0;                // first and second bursts sent
    std::uint64_t set_status_applied = 0;
    std::uint64_t set_status_refused = 0;
    std::optional<SteadyTime> last_set_status;    // last SET_STATUS accepted
    std::map<ActionKind, Timings> steps;          // done steps by kind
    // The last time this host took the writer role: from the SET_STATUS that gave it to writable, and to the first
    // gratuitous ARP.
    std::optional<double> takeover_writable_seconds;
    std::optional<double> takeover_first_garp_seconds;

    void pass(Trigger trigger, const HostAfterPass& host, std::size_t failed_steps, std::size_t bursts,
              const std::vector<StepTiming>& timings = {});
    void set_status(bool applied, SteadyTime at);
    bool passed() const { return passes_monitor + passes_recheck > 0; }
};

// Prometheus text (format 0.0.4). `host` labels nothing (one agent per host) but goes into mmm_agent_info; `epoch` is
// the highest role-assignment epoch the agent accepted (its state's).
std::string render_agent_metrics(const AgentStats& s, const std::string& host, std::uint64_t epoch, SteadyTime now);

}  // namespace mmm::agent
