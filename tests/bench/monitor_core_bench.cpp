// Benchmark: one MonitorCore decision step for 1,000 hosts and 10 roles (median and p99 over many steps).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>
#include <vector>

#include "monitor/core/monitor_core.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;

namespace {

Config big_config(int hosts, int balanced_roles, int ips_per_role) {
    Config c;
    for (int i = 0; i < hosts; ++i) {
        HostConfig h;
        h.name = "db" + std::to_string(i + 1);
        h.ip = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1";
        h.mode = i < 2 ? HostMode::Master : HostMode::Slave;
        h.peer = i == 0 ? "db2" : i == 1 ? "db1" : "";
        c.hosts.push_back(h);
    }
    RoleConfig writer;
    writer.name = "writer";
    writer.mode = RoleMode::Exclusive;
    writer.hosts = {"db1", "db2"};
    writer.ips = {"192.168.100.1"};
    c.roles.push_back(writer);
    for (int r = 0; r < balanced_roles; ++r) {
        RoleConfig role;
        role.name = "reader" + std::to_string(r);
        for (const auto& h : c.hosts) role.hosts.push_back(h.name);
        for (int i = 0; i < ips_per_role; ++i)
            role.ips.push_back("192.168." + std::to_string(r) + "." + std::to_string(i + 1));
        c.roles.push_back(role);
    }
    for (auto k : all_check_kinds) c.check(k).trap_period = Duration::zero();
    c.monitor.careful_startup = true;
    return c;
}

// CPU time of this thread, so other processes on a busy machine do not count.
double thread_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct Stats {
    double median_us = 0, p99_us = 0, max_us = 0;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[v.size() * 99 / 100], v.back()};
}

// Time passing on both clocks (the benchmark's manual clock never steps).
void elapse(Instant& now, std::chrono::milliseconds d) {
    now.mono += d;
    now.wall += d;
}

// Carries out a plan the way the shell does: every agent call answered at once.
std::size_t carry_out(MonitorCore& core, const Plan& plan, Instant now) {
    std::size_t actions = plan.actions.size();
    for (const auto& a : plan.actions) {
        if (const auto* s = std::get_if<SendStatus>(&a.body))
            actions += carry_out(core, core.on_agent_reply(s->status.host, {AgentCall::SetStatus, s->request,
                                                                            AgentResult::Ok, 100.0, "OK"}, now), now);
        else if (const auto* c = std::get_if<ClearBadRoles>(&a.body))
            actions += carry_out(core, core.on_agent_reply(c->host, {AgentCall::ClearBadRoles, c->request,
                                                                     AgentResult::Ok, 100.0, "OK"}, now), now);
    }
    return actions;
}

}  // namespace

int main() {
    const int hosts = 1000, roles = 10, ips = 20;
    Config config = big_config(hosts, roles - 1, ips);
    Instant now{SteadyTime(std::chrono::hours(1000)), std::chrono::system_clock::from_time_t(1700000000)};
    MonitorCore core(config, now);
    for (const auto& h : config.hosts)
        for (auto k : all_check_kinds) core.on_check_result(h.name, k, CheckOutcome::Ok, "OK", now);
    (void)core.restore(std::nullopt, now);
    std::vector<StartupReport> reports;
    for (const auto& h : config.hosts) {
        StartupReport r;
        r.host = h.name;
        protocol::AgentStatus a;
        a.state = "ONLINE";
        if (h.name == "db1") a.roles = {{"writer", "192.168.100.1"}};
        r.agent = a;
        protocol::SystemStatus s;
        s.roles = a.roles;
        s.writable = h.name == "db1";
        r.system = s;
        reports.push_back(r);
    }
    auto t0 = std::chrono::steady_clock::now();
    carry_out(core, core.on_startup_reports(reports, now), now);
    double startup_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    elapse(now, 120s);  // past the peers' 60 s grace
    carry_out(core, core.on_timer(now), now);

    // A decision step that changes something: a replica's rep_backlog fails (REPLICATION_DELAY, its roles move
    // away) or recovers (ONLINE, balancing moves roles back). Core time only (plan built), then the shell part.
    std::vector<double> change_us, change_cpu_us, noop_us, timer_us;
    std::size_t total_actions = 0;
    const int steps = 4000;
    for (int i = 0; i < steps; ++i) {
        const std::string host = "db" + std::to_string(3 + (i / 2) % (hosts - 2));
        const bool fail = i % 2 == 0;
        elapse(now, 100ms);
        auto a = std::chrono::steady_clock::now();
        double cpu = thread_cpu_us();
        Plan p = core.on_check_result(host, CheckKind::RepBacklog, fail ? CheckOutcome::Error : CheckOutcome::Ok,
                                      fail ? "ERROR: Backlog is too big" : "OK", now);
        change_cpu_us.push_back(thread_cpu_us() - cpu);
        change_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
        total_actions += carry_out(core, p, now);

        a = std::chrono::steady_clock::now();
        Plan q = core.on_check_result(host, CheckKind::Ping, CheckOutcome::Ok, "OK", now);  // nothing changes
        noop_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
        a = std::chrono::steady_clock::now();
        Plan r = core.on_timer(now);  // a full pass over all hosts without a change
        timer_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
        total_actions += q.actions.size() + r.actions.size();
    }
    if (!core.invariant_violations().empty()) {
        std::printf("INVARIANT BROKEN: %s\n", core.invariant_violations().front().c_str());
        return 1;
    }
    auto c = stats(change_us), cc = stats(change_cpu_us), n = stats(noop_us), t = stats(timer_us);
    std::printf("monitor core: %d hosts, %d roles (%d IPs), %d steps each\n", hosts, roles, 1 + (roles - 1) * ips, steps);
    std::printf("start-up (votes, table, cleanup plan): %.2f ms\n", startup_ms);
    std::printf("decision step with a state change and role moves: median %.1f us, p99 %.1f us, max %.1f us\n",
                c.median_us, c.p99_us, c.max_us);
    std::printf("  same, thread CPU time only:                    median %.1f us, p99 %.1f us, max %.1f us\n",
                cc.median_us, cc.p99_us, cc.max_us);
    std::printf("check result without a status change:           median %.1f us, p99 %.1f us, max %.1f us\n",
                n.median_us, n.p99_us, n.max_us);
    std::printf("timer pass without a change:                     median %.1f us, p99 %.1f us, max %.1f us\n",
                t.median_us, t.p99_us, t.max_us);
    std::printf("actions planned in total: %zu\n", total_actions);
    return 0;
}
