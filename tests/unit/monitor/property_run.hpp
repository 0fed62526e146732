// The property tests' run (tests/unit/monitor/property_*tests.cpp): a seeded random input sequence through a
// monitor core, checking the safety invariants after every step. Two files, so ctest runs the two long property
// tests (about 11 s each in the sanitizer build) side by side.
#pragma once

#include <random>
#include <sstream>
#include <string>

#include "harness.hpp"

namespace mmm::monitor::test::property {

// Five hosts: two masters, three slaves; writer (prefer db1 in half the runs), readers, and an exclusive "backup".
inline Config property_config(std::uint32_t seed) {
    const bool prefer = seed % 2 == 0;
    Config c = cluster_config();
    if (seed % 3 == 0) c.monitor.mode = MonitorMode::Wait;
    for (const char* n : {"db4", "db5"}) {
        HostConfig h;
        h.name = n;
        h.ip = std::string("192.168.0.") + (n[2] == '4' ? "34" : "35");
        h.mode = HostMode::Slave;
        c.hosts.push_back(h);
    }
    c.roles[1].hosts = {"db1", "db2", "db3", "db4", "db5"};
    c.roles[1].ips.push_back("192.168.0.54");
    RoleConfig backup;
    backup.name = "backup";
    backup.mode = RoleMode::Exclusive;
    backup.hosts = {"db3", "db4", "db5"};
    backup.ips = {"192.168.0.60"};
    c.roles.push_back(backup);
    if (prefer) c.roles[0].prefer = "db1";
    c.monitor.auto_set_online = 30s;
    c.monitor.flap_duration = 300s;
    c.monitor.wait_for_other_master = 60s;
    for (auto k : all_check_kinds) c.check(k).trap_period = 5s;
    return c;
}

// Replays the executed actions as the agents see them: who believes it holds the writer.
struct WriterWatch {
    std::map<std::string, bool> believes;
    std::vector<std::string> problems;
    void see(const Harness& t, const Action& a) {
        if (const auto* s = std::get_if<SendStatus>(&a.body)) {
            const auto& host = s->status.host;
            if (t.unreachable.count(host) && t.unreachable.at(host)) return;
            bool writer = false;
            for (const auto& r : s->status.roles) writer = writer || r.role == "writer";
            if (writer)
                for (const auto& [other, yes] : believes)
                    if (yes && other != host && !(t.unreachable.count(other) && t.unreachable.at(other)) &&
                        t.core.check_status(other, CheckKind::Ping).ok)
                        problems.push_back(host + " was given the writer while " + other + " still holds it");
            believes[host] = writer;
        } else if (const auto* k = std::get_if<KillHost>(&a.body)) {
            believes[k->host] = false;
        }
    }
};

inline std::string one_run(std::uint32_t seed, int steps, bool flaky_agents) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
    Harness t(property_config(seed));
    const std::vector<std::string> hosts{"db1", "db2", "db3", "db4", "db5"};
    if (pick(2) == 0) t.start_fresh();
    else t.start_online();
    WriterWatch watch;
    std::ostringstream trace;
    for (int i = 0; i < steps; ++i) {
        const std::string h = hosts[static_cast<std::size_t>(pick(5))];
        const std::size_t logs_before = t.logs.size(), wire_before = t.wire.size(), done_before = t.executed.size();
        auto last_step = [&] {
            std::string out = "last step:\n";
            for (std::size_t j = logs_before; j < t.logs.size(); ++j) out += "  " + t.logs[j] + "\n";
            for (std::size_t j = wire_before; j < t.wire.size(); ++j) out += "  > " + t.wire[j] + "\n";
            return out;
        };
        const MonitorMode mode_before = t.core.mode();
        const std::string am_before = t.core.active_master();
        std::map<std::string, bool> held_before;
        for (const auto& v : t.core.hosts())
            held_before[v.name] = v.failed_as_active_master && v.state != HostState::Online;
        const bool net_before = t.core.network_reachable();
        Plan plan;
        std::string what;
        int r = pick(100);
        if (r < 45) {
            auto k = all_check_kinds[static_cast<std::size_t>(pick(4))];
            int o = pick(10);
            auto outcome = o < 6 ? CheckOutcome::Ok : o < 9 ? CheckOutcome::Error : CheckOutcome::Unknown;
            what = "check " + h + " " + std::string(to_string(k)) + " " + std::to_string(o);
            plan = t.check(h, k, outcome);
        } else if (r < 65) {
            auto d = std::chrono::milliseconds(pick(20000));
            what = "advance " + std::to_string(d.count());
            t.advance(d);
        } else if (r < 68) {
            what = "network";
            plan = t.run(t.core.on_network(pick(3) == 0 ? Network::Unreachable : Network::Reachable, t.now));
        } else if (r < 75 && flaky_agents) {
            t.unreachable[h] = pick(3) == 0;
            what = "agent " + h + (t.unreachable[h] ? " down" : " up");
            t.uptime += pick(2) == 0 ? 5 : -t.uptime + 3;
            plan = t.run(t.core.on_agent_reply(h, t.answer(AgentCall::SetStatus, 0, h), t.now));
        } else {
            static const std::vector<std::string> commands{
                "set_online ", "set_offline ", "move_role writer ", "move_role reader ", "move_role --force writer ",
                "move_role backup ", "set_active", "set_manual", "set_passive", "set_ip 192.168.0.50 ",
                "set_ip 192.168.0.52 ", "show", "checks"};
            std::string c = commands[static_cast<std::size_t>(pick(static_cast<int>(commands.size())))];
            if (c.back() == ' ') c += h;
            what = c;
            plan = t.command(c);
        }
        trace << i << ": " << what << "\n";
        for (std::size_t j = wire_before; j < t.wire.size(); ++j) trace << "    > " << t.wire[j] << "\n";
        for (std::size_t j = logs_before; j < t.logs.size(); ++j)
            if (t.logs[j].find("Admin") != std::string::npos || t.logs[j].find("State of") != std::string::npos ||
                t.logs[j].find("Network") != std::string::npos)
                trace << "    " << t.logs[j] << "\n";
        const std::vector<Action> step_actions(t.executed.begin() + static_cast<std::ptrdiff_t>(done_before),
                                               t.executed.end());
        for (const auto& a : step_actions) {
            watch.see(t, a);
            bool needs_reason = !std::holds_alternative<LogLine>(a.body) && !std::holds_alternative<Reply>(a.body);
            if (needs_reason && a.reason.empty())
                return "seed " + std::to_string(seed) + ": an action without a reason\n" + trace.str() + last_step();
        }
        // A host that failed as the active master comes back ONLINE only by an admin (set_online, move_role
        // --force), by keeping the role itself (MANUAL/PASSIVE), or when nobody else holds the role (logged).
        for (const auto& hv : t.core.hosts()) {
            if (!held_before[hv.name] || hv.state != HostState::Online || what == "set_online " + hv.name ||
                what == "move_role --force writer " + hv.name || am_before == hv.name)
                continue;
            const std::string exception = "Host '" + hv.name + "' was the active master when it failed, but no other";
            bool said = false;
            for (std::size_t j = logs_before; j < t.logs.size(); ++j)
                said = said || t.logs[j].find(exception) != std::string::npos;
            if (!said)
                return "seed " + std::to_string(seed) + ": " + hv.name + " returned by itself after failing as the "
                       "active master\n" + trace.str() + last_step();
        }
        auto v = t.core.invariant_violations();
        if (!v.empty()) return "seed " + std::to_string(seed) + " step " + std::to_string(i) + ": " + v.front() + "\n" + trace.str() + last_step();
        if (!flaky_agents && !watch.problems.empty())
            return "seed " + std::to_string(seed) + ": " + watch.problems.front() + "\n" + trace.str() + last_step();
        bool quiet_mode = mode_before == MonitorMode::Passive && t.core.mode() == MonitorMode::Passive;
        bool quiet_net = !net_before && !t.core.network_reachable();
        if (quiet_mode || quiet_net) {
            for (const auto& a : step_actions)
                if (std::holds_alternative<SendStatus>(a.body) || std::holds_alternative<KillHost>(a.body) ||
                    std::holds_alternative<ClearBadRoles>(a.body))
                    return "seed " + std::to_string(seed) + ": agent traffic while passive or cut off\n" + trace.str();
        }
        if (t.core.command_pending()) return "seed " + std::to_string(seed) + ": command left pending\n" + trace.str();
    }
    std::ostringstream summary;
    for (const auto& l : t.logs) summary << l << "\n";
    for (const auto& w : t.wire) summary << w << "\n";
    return "ok\n" + summary.str();
}

}  // namespace mmm::monitor::test::property
