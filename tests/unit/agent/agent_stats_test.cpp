// Unit tests of the agent's own metrics (issue 13): the host after a pass's steps, the counters, and the Prometheus
// text on an injected steady clock.
#include <catch2/catch.hpp>

#include "agent/core/agent_stats.hpp"

using namespace mmm;
using namespace mmm::agent;

namespace {

const SteadyTime t0 = SteadyTime{} + std::chrono::hours(1000);

StepOutcome step(ActionKind kind, const std::string& ip, StepStatus status = StepStatus::Done) {
    StepOutcome s;
    s.action.kind = kind;
    s.action.ip = ip;
    s.status = status;
    return s;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("agent stats: the host after a pass is what was observed, changed by the steps that were done",
          "[agent][metrics]") {
    Observed before;
    before.ips = {"192.0.2.51", "192.0.2.52"};
    before.read_only = true;
    const auto after = after_steps(before, {step(ActionKind::AllowWrites, ""), step(ActionKind::AddIp, "192.0.2.50"),
                                            step(ActionKind::RemoveIp, "192.0.2.52"),
                                            step(ActionKind::AddIp, "192.0.2.53", StepStatus::Failed),
                                            step(ActionKind::RemoveIp, "192.0.2.51", StepStatus::Skipped)});
    CHECK(after.ips == std::set<std::string>{"192.0.2.50", "192.0.2.51"});
    CHECK(after.read_only == std::optional<bool>(false));
    // A failed deny-writes leaves read_only as observed; an unknown one stays unknown.
    before.read_only.reset();
    CHECK_FALSE(after_steps(before, {step(ActionKind::DenyWrites, "", StepStatus::Failed)}).read_only);
    CHECK(after_steps(before, {step(ActionKind::DenyWrites, "")}).read_only == std::optional<bool>(true));
}

TEST_CASE("agent stats: passes, failures, bursts and SET_STATUS in the Prometheus text", "[agent][metrics]") {
    AgentStats s;
    s.role_ips = {{"192.0.2.50", "writer"}, {"192.0.2.51", "reader"}};
    // Before any pass: nothing held, read_only and the SET_STATUS age unknown (absent, not 0).
    auto text = render_agent_metrics(s, "db1", 0, t0);
    CHECK(has_line(text, "mmm_agent_role_ip{ip=\"192.0.2.50\",role=\"writer\"} 0"));
    CHECK(has_line(text, "mmm_agent_vips_held 0"));
    CHECK(text.find("mmm_agent_read_only") == std::string::npos);
    CHECK(text.find("mmm_agent_last_set_status_seconds") == std::string::npos);
    CHECK(has_line(text, "mmm_agent_info{version=\"" MMM_VERSION "\",host=\"db1\"} 1"));

    s.set_status(true, t0);
    s.set_status(false, t0 + std::chrono::seconds(1));
    s.pass(AgentStats::Trigger::Monitor, HostAfterPass{{"192.0.2.50"}, false}, 0, 1);
    s.pass(AgentStats::Trigger::Recheck, HostAfterPass{{"192.0.2.50"}, false}, 2, 0);
    s.garp_bursts += 1;  // a second burst
    text = render_agent_metrics(s, "db1", 7, t0 + std::chrono::milliseconds(2500));
    CHECK(has_line(text, "mmm_agent_role_ip{ip=\"192.0.2.50\",role=\"writer\"} 1"));
    CHECK(has_line(text, "mmm_agent_role_ip{ip=\"192.0.2.51\",role=\"reader\"} 0"));
    CHECK(has_line(text, "mmm_agent_vips_held 1"));
    CHECK(has_line(text, "mmm_agent_read_only 0"));
    CHECK(has_line(text, "mmm_agent_garp_bursts_total 2"));
    CHECK(has_line(text, "mmm_agent_reconcile_passes_total{trigger=\"monitor\"} 1"));
    CHECK(has_line(text, "mmm_agent_reconcile_passes_total{trigger=\"recheck\"} 1"));
    CHECK(has_line(text, "mmm_agent_reconcile_failures_total 1"));
    CHECK(has_line(text, "mmm_agent_reconcile_failed_steps_total 2"));
    CHECK(has_line(text, "mmm_agent_set_status_total{result=\"applied\"} 1"));
    CHECK(has_line(text, "mmm_agent_set_status_total{result=\"refused\"} 1"));
    // The age counts from the last applied SET_STATUS; the refused one does not reset it.
    CHECK(has_line(text, "mmm_agent_last_set_status_seconds 2.500"));
    CHECK(has_line(text, "mmm_agent_epoch 7"));
    // Every sample belongs to a family declared before it.
    std::set<std::string> declared;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find('\n', at);
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.starts_with("# TYPE ")) declared.insert(line.substr(7, line.find(' ', 7) - 7));
        if (line.starts_with("#") || line.empty()) continue;
        const auto name = line.substr(0, line.find_first_of("{ "));
        INFO(line);
        CHECK(declared.count(name) == 1);
    }
}

TEST_CASE("agent stats: step durations by kind and the last writer takeover", "[agent][metrics]") {
    AgentStats s;
    CHECK(render_agent_metrics(s, "db2", 0, t0).find("mmm_agent_writer_takeover_seconds") == std::string::npos);
    s.pass(AgentStats::Trigger::Monitor, {}, 0, 1,
           {{ActionKind::CatchUp, 0.25}, {ActionKind::AllowWrites, 0.002}, {ActionKind::AddIp, 0.001}});
    s.pass(AgentStats::Trigger::Monitor, {}, 0, 0, {{ActionKind::CatchUp, 0.5}});
    s.takeover_writable_seconds = 0.253;
    s.takeover_first_garp_seconds = 0.2545;
    const auto text = render_agent_metrics(s, "db2", 0, t0);
    CHECK(has_line(text, "mmm_agent_step_seconds_sum{step=\"CatchUp\"} 0.750000"));
    CHECK(has_line(text, "mmm_agent_step_seconds_count{step=\"CatchUp\"} 2"));
    CHECK(has_line(text, "mmm_agent_step_last_seconds{step=\"CatchUp\"} 0.500000"));
    CHECK(has_line(text, "mmm_agent_step_seconds_count{step=\"AddIp\"} 1"));
    CHECK(text.find("step=\"Repoint\"") == std::string::npos);  // never done: absent
    CHECK(has_line(text, "mmm_agent_writer_takeover_seconds{phase=\"writable\"} 0.253000"));
    CHECK(has_line(text, "mmm_agent_writer_takeover_seconds{phase=\"first_garp\"} 0.254500"));
}
