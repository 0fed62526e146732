// The agent's own metrics (see agent_stats.hpp).
#include "agent/core/agent_stats.hpp"

#include <chrono>

#include <fmt/format.h>

#include "common/prometheus.hpp"

namespace mmm::agent {

HostAfterPass after_steps(const Observed& before, const std::vector<StepOutcome>& steps) {
    HostAfterPass h{before.ips, before.read_only};
    for (const auto& s : steps) {
        if (s.status != StepStatus::Done) continue;
        switch (s.action.kind) {
        case ActionKind::AddIp: h.ips.insert(s.action.ip); break;
        case ActionKind::RemoveIp: h.ips.erase(s.action.ip); break;
        case ActionKind::AllowWrites: h.read_only = false; break;
        case ActionKind::DenyWrites: h.read_only = true; break;
        default: break;
        }
    }
    return h;
}

void AgentStats::pass(Trigger trigger, const HostAfterPass& host, std::size_t failed_steps, std::size_t bursts,
                      const std::vector<StepTiming>& timings) {
    ips_held = host.ips;
    read_only = host.read_only;
    (trigger == Trigger::Monitor ? passes_monitor : passes_recheck) += 1;
    if (failed_steps > 0) ++passes_failed;
    steps_failed += failed_steps;
    garp_bursts += bursts;
    for (const auto& t : timings) {
        auto& s = steps[t.kind];
        ++s.count;
        s.sum += t.seconds;
        s.last = t.seconds;
    }
}

void AgentStats::set_status(bool applied, SteadyTime at) {
    if (!applied) {
        ++set_status_refused;
        return;
    }
    ++set_status_applied;
    last_set_status = at;
}

std::string render_agent_metrics(const AgentStats& s, const std::string& host, std::uint64_t epoch, SteadyTime now) {
    PrometheusText o;
    o.family("mmm_agent_info", "gauge", "The agent's version and host.");
    o.sample("mmm_agent_info", fmt::format("version=\"{}\",host=\"{}\"", prometheus_label(MMM_VERSION),
                                           prometheus_label(host)),
             1);
    o.family("mmm_agent_role_ip", "gauge",
             "1 for each configured role IP on the cluster interface after the last pass, 0 for the others.");
    for (const auto& [ip, role] : s.role_ips) {
        const auto labels = fmt::format("ip=\"{}\",role=\"{}\"", prometheus_label(ip), prometheus_label(role));
        o.sample("mmm_agent_role_ip", labels, s.passed() && s.ips_held.count(ip) != 0 ? 1 : 0);
    }
    o.family("mmm_agent_vips_held", "gauge", "Role IPs on the cluster interface after the last pass.");
    o.sample("mmm_agent_vips_held", "", s.ips_held.size());
    if (s.read_only) {
        o.family("mmm_agent_read_only", "gauge", "The local server's read_only after the last pass (absent: unknown).");
        o.sample("mmm_agent_read_only", "", *s.read_only ? 1 : 0);
    }
    o.family("mmm_agent_garp_bursts_total", "counter", "Gratuitous ARP bursts sent (first and second ones).");
    o.sample("mmm_agent_garp_bursts_total", "", s.garp_bursts);
    o.family("mmm_agent_reconcile_passes_total", "counter",
             "Reconcile passes, for a monitor request or the agent's own re-check.");
    o.sample("mmm_agent_reconcile_passes_total", "trigger=\"monitor\"", s.passes_monitor);
    o.sample("mmm_agent_reconcile_passes_total", "trigger=\"recheck\"", s.passes_recheck);
    o.family("mmm_agent_reconcile_failures_total", "counter", "Reconcile passes with at least one failed step.");
    o.sample("mmm_agent_reconcile_failures_total", "", s.passes_failed);
    o.family("mmm_agent_reconcile_failed_steps_total", "counter", "Failed steps of reconcile passes.");
    o.sample("mmm_agent_reconcile_failed_steps_total", "", s.steps_failed);
    o.family("mmm_agent_set_status_total", "counter", "SET_STATUS requests: applied, or refused (and why logged).");
    o.sample("mmm_agent_set_status_total", "result=\"applied\"", s.set_status_applied);
    o.sample("mmm_agent_set_status_total", "result=\"refused\"", s.set_status_refused);
    if (s.last_set_status) {
        o.family("mmm_agent_last_set_status_seconds", "gauge",
                 "Seconds since the last applied SET_STATUS (absent: none since the agent started).");
        o.sample("mmm_agent_last_set_status_seconds", "",
                 fmt::format("{:.3f}", std::chrono::duration<double>(now - *s.last_set_status).count()));
    }
    // Phase timings on this host: catch-up (CatchUp), allowing writes, adding and announcing IPs, repointing (Repoint,
    // VerifyReplication), fencing (DenyWrites, RemoveIp), salvage.
    o.family("mmm_agent_step_seconds", "summary", "Durations of the reconcile steps done, by kind.");
    for (const auto& [kind, t] : s.steps) {
        const auto labels = fmt::format("step=\"{}\"", to_string(kind));
        o.sample("mmm_agent_step_seconds_sum", labels, fmt::format("{:.6f}", t.sum));
        o.sample("mmm_agent_step_seconds_count", labels, t.count);
    }
    o.family("mmm_agent_step_last_seconds", "gauge", "The latest duration of each kind of reconcile step done.");
    for (const auto& [kind, t] : s.steps)
        o.sample("mmm_agent_step_last_seconds", fmt::format("step=\"{}\"", to_string(kind)),
                 fmt::format("{:.6f}", t.last));
    if (s.takeover_writable_seconds || s.takeover_first_garp_seconds) {
        o.family("mmm_agent_writer_takeover_seconds", "gauge",
                 "The last writer takeover on this host: from the SET_STATUS that gave the role to writable, and to "
                 "the first gratuitous ARP.");
        if (s.takeover_writable_seconds)
            o.sample("mmm_agent_writer_takeover_seconds", "phase=\"writable\"",
                     fmt::format("{:.6f}", *s.takeover_writable_seconds));
        if (s.takeover_first_garp_seconds)
            o.sample("mmm_agent_writer_takeover_seconds", "phase=\"first_garp\"",
                     fmt::format("{:.6f}", *s.takeover_first_garp_seconds));
    }
    o.family("mmm_agent_epoch", "gauge", "The highest role-assignment epoch the agent accepted.");
    o.sample("mmm_agent_epoch", "", epoch);
    return o.text;
}

}  // namespace mmm::agent
