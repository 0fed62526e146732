// Test harness for MonitorCore: a three-host cluster config, a manual clock and a fake shell that carries out plans.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <ctime>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "monitor/core/monitor_core.hpp"
#include "monitor/core/plan_runner.hpp"

namespace mmm::monitor::test {

using namespace std::chrono_literals;

// A status file (mmm's format, epoch 41) of cluster_config() with every host ONLINE, the writer on db1 and a reader
// on each host.
inline const std::string stored_status_file = "# mmm-status 3 mode=ACTIVE epoch=41\n"
                                              "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                                              "db2|ONLINE|reader(192.168.0.52)\n"
                                              "db3|ONLINE|reader(192.168.0.53)\n";

// db1, db2: masters, peers of each other; db3: slave. writer (exclusive) on db1/db2, reader (balanced) on all.
inline Config cluster_config() {
    Config c;
    auto host = [](std::string name, std::string ip, HostMode mode, std::string peer) {
        HostConfig h;
        h.name = std::move(name);
        h.ip = std::move(ip);
        h.mode = mode;
        h.peer = std::move(peer);
        return h;
    };
    c.hosts = {host("db1", "192.168.0.31", HostMode::Master, "db2"), host("db2", "192.168.0.32", HostMode::Master, "db1"),
               host("db3", "192.168.0.33", HostMode::Slave, "")};
    RoleConfig writer;
    writer.name = "writer";
    writer.mode = RoleMode::Exclusive;
    writer.hosts = {"db1", "db2"};
    writer.ips = {"192.168.0.50"};
    RoleConfig reader;
    reader.name = "reader";
    reader.mode = RoleMode::Balanced;
    reader.hosts = {"db1", "db2", "db3"};
    reader.ips = {"192.168.0.51", "192.168.0.52", "192.168.0.53"};
    c.roles = {writer, reader};
    c.monitor.careful_startup = true;
    c.monitor.status_path = "/var/lib/mysql-mmm/mmm_mond.status";
    return c;
}

// The manual clock's start: wall 2010/02/11 12:43:16 UTC (the spec's example date; tests run with TZ=UTC); the
// steady clock at an unrelated value, as on a real host (time since boot).
inline Instant epoch() {
    setenv("TZ", "UTC", 1);
    tzset();
    return {SteadyTime(std::chrono::hours(1000)), std::chrono::system_clock::from_time_t(1265892196)};
}

// `d` later on both clocks: time passing without a step of the wall clock.
inline Instant operator+(Instant t, std::chrono::milliseconds d) { return {t.mono + d, t.wall + d}; }
inline Instant& operator+=(Instant& t, std::chrono::milliseconds d) { return t = t + d; }

struct SentStatus {
    std::string host;
    HostState state;
    std::string roles;
    std::string master;
};

// Drives a MonitorCore like the daemon shell would: carries out plans in order, answers agent calls from
// `reachable`, records everything.
class Harness {
public:
    explicit Harness(Config config = cluster_config()) : now(epoch()), core(config, now) {}

    Instant now;
    MonitorCore core;
    std::map<std::string, bool> unreachable;  // agent does not answer (the connection is never made)
    std::map<std::string, bool> no_reply;     // the request is sent, but no reply comes before the deadline
    std::map<std::string, bool> kill_fails;   // kill_host_bin fails for the host (default: it fences it)
    std::vector<std::string> logs;            // every log line, "LEVEL text"
    std::vector<std::string> wire;            // every agent call and kill, in order: "SET_STATUS db1 ONLINE roles master"
    std::vector<std::string> saved;           // SaveStatus contents
    std::optional<std::string> reply;         // last command reply
    double uptime = 1000;
    std::vector<Action> executed;             // every action carried out, nested replies included, in order
    std::vector<std::string> requests;        // every SET_STATUS request line sent, byte for byte
    std::map<std::string, std::string> replies;  // an agent's reply text (default: success)
    // An agent's answer to CHECK_MASTER (default: it does not reach the master's server either).
    std::map<std::string, std::string> opinions;
    std::vector<std::string> asked;  // CHECK_MASTER calls (beside the plans' order, so not in `wire`)

    // The result an agent call gets: no reply from an unreachable agent, else `replies[host]` or success.
    AgentCallResult answer(AgentCall call, RequestId request, const std::string& host) {
        AgentCallResult r{call, request, AgentResult::Unreachable, std::nullopt, {}};
        if (unreachable[host]) return r;
        if (no_reply[host]) {
            r.result = AgentResult::NoReply;
            return r;
        }
        r.result = AgentResult::Ok;
        r.uptime = uptime;
        auto it = replies.find(host);
        r.message = it != replies.end() ? it->second : "OK: Status applied successfully!";
        return r;
    }

    // Carries out `plan` through the daemon's PlanRunner, answering every call at once (a step `hold` accepts stays
    // awaited until release()); returns every action carried out meanwhile, follow-ups included, in order.
    Plan run(Plan plan) {
        Plan all;
        runner.add(std::move(plan));
        while (auto a = runner.next()) {
            all.actions.push_back(*a);
            executed.push_back(*a);
            if (hold && !held && PlanRunner::is_step(*a) && hold(*a)) {
                held = *a;
                record_step(*a);
                continue;  // awaited: the runner hands out nothing of this plan until release()
            }
            std::visit([&](auto& body) { carry_out(body); }, a->body);
        }
        return all;
    }
    // The held step's result comes now (the harness's usual answer); the plan goes on. Returns what was carried out.
    Plan release() {
        if (!held) throw std::logic_error("release() without a held step");  // a broken test; Catch reports it
        Action a = *held;
        held.reset();
        hold = nullptr;
        runner.step_done(result_of(a));
        return run(Plan{});
    }
    // A step the harness holds (its agent is slow, kill_host_bin runs): nullopt when none.
    std::function<bool(const Action&)> hold;
    std::optional<Action> held;
    PlanRunner runner;

    // Sends the heartbeats due now and answers each (request 0) like the agents would; returns the request lines.
    std::vector<std::string> heartbeat() {
        std::vector<std::string> sent;
        for (const auto& s : core.heartbeats(now)) {
            sent.push_back(set_status_request(s));
            requests.push_back(sent.back());
            run(core.on_agent_reply(s.host, answer(AgentCall::SetStatus, 0, s.host), now));
        }
        return sent;
    }

    // The agent's answer to a CHECK_MASTER, given to the core; returns the core's plan (not carried out).
    Plan opinion_reply(const AskOpinion& o) {
        asked.push_back("CHECK_MASTER " + o.host + " " + o.master);
        auto r = answer(AgentCall::CheckMaster, o.request, o.host);
        if (r.result == AgentResult::Ok) {
            auto it = opinions.find(o.host);
            r.message = it != opinions.end() ? it->second
                                             : "OK: unreachable: Can't connect (111); IO thread Connecting from " + o.master;
        }
        return core.on_agent_reply(o.host, r, now);
    }

    // A log line "LEVEL text" was written, exactly; one starting with `prefix` was.
    bool logged(const std::string& line) const { return std::find(logs.begin(), logs.end(), line) != logs.end(); }
    bool logged_prefix(const std::string& prefix) const {
        return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.starts_with(prefix); });
    }

    // Runs the plan and returns only its log texts.
    std::vector<std::string> log_of(Plan plan) { return run(std::move(plan)).log_texts(); }

    void advance(std::chrono::milliseconds d) {
        now += d;
        while (auto due = core.next_deadline()) {
            if (*due > now.mono) break;
            run(core.on_timer(now));
        }
    }
    // A step of the wall clock alone (NTP, `date -s`): the steady clock does not move.
    void step_wall(std::chrono::milliseconds d) { now.wall += d; }
    void advance_to_deadline() {
        if (auto due = core.next_deadline()) {
            if (*due > now.mono) now += std::chrono::duration_cast<std::chrono::milliseconds>(*due - now.mono);
            run(core.on_timer(now));
        }
    }

    Plan check(const std::string& host, CheckKind k, CheckOutcome o, const std::string& msg = {}) {
        std::string m = msg.empty() ? (o == CheckOutcome::Ok ? "OK" : o == CheckOutcome::Error ? "ERROR: failed" : "UNKNOWN: ?")
                                    : msg;
        return run(core.on_check_result(host, k, o, m, now));
    }
    // A failure reported at once (trap periods are 0 in configs made with fast_checks()).
    Plan fail(const std::string& host, CheckKind k, const std::string& msg = "ERROR: failed") {
        return check(host, k, CheckOutcome::Error, msg);
    }
    Plan recover(const std::string& host, CheckKind k) { return check(host, k, CheckOutcome::Ok); }

    Plan command(const std::string& line) {
        Plan p = run(core.on_command(line, now));
        reply = p.reply();
        return p;
    }
    std::string cmd(const std::string& line) {
        command(line);
        return reply.value_or("<no reply>");
    }

    // Every host's initial checks OK, no status file, agents report nothing: all AWAITING_RECOVERY.
    Plan start_fresh() {
        initial_checks_ok();
        run(core.restore(std::nullopt, now));
        return run(core.on_startup_reports(reports({}), now));
    }
    // restore(file), then the start-up reports of agents holding db1 writer and readers spread (as start_online).
    Plan restore_and_report(const std::optional<std::string>& file) {
        run(core.restore(file, now));
        return run(core.on_startup_reports(reports({{"db1", "reader(192.168.0.51),writer(192.168.0.50)"},
                                                    {"db2", "reader(192.168.0.52)"},
                                                    {"db3", "reader(192.168.0.53)"}}),
                                           now));
    }
    // initial_checks_ok(), then restore_and_report(file).
    Plan start_from(const std::optional<std::string>& file) {
        initial_checks_ok();
        return restore_and_report(file);
    }
    // Start from a status file with db1 writer and readers spread, all ONLINE, agents agreeing.
    Plan start_online() {
        initial_checks_ok();
        run(core.restore(std::string("# mmm-status 1 mode=ACTIVE\n"
                                     "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                                     "db2|ONLINE|reader(192.168.0.52)\n"
                                     "db3|ONLINE|reader(192.168.0.53)\n"),
                         now));
        return run(core.on_startup_reports(reports({{"db1", "reader(192.168.0.51),writer(192.168.0.50)"},
                                                    {"db2", "reader(192.168.0.52)"},
                                                    {"db3", "reader(192.168.0.53)"}}),
                                           now));
    }
    void initial_checks_ok() {
        for (const auto& h : core.config().hosts)
            for (auto k : all_check_kinds) core.on_check_result(h.name, k, CheckOutcome::Ok, "OK", now);
    }
    // Agent and system reports; agents report ONLINE with `roles`, system has the same IPs, db1 writable if it
    // holds the writer.
    std::vector<StartupReport> reports(std::map<std::string, std::string> roles) {
        std::vector<StartupReport> out;
        const bool replicating = !roles.empty();
        for (const auto& h : core.config().hosts) {
            StartupReport r;
            r.host = h.name;
            protocol::AgentStatus a;
            a.state = roles.count(h.name) ? "ONLINE" : "UNKNOWN";
            a.roles = protocol::parse_roles(roles[h.name]);
            r.agent = a;
            protocol::SystemStatus s;
            s.roles = a.roles;
            s.writable = roles[h.name].find("writer") != std::string::npos;
            s.master_ip = h.mode == HostMode::Slave && replicating ? "192.168.0.31" : "";
            r.system = s;
            out.push_back(r);
        }
        return out;
    }
    std::string state(const std::string& h) const { return std::string(to_string(core.host_state(h))); }
    std::string roles(const std::string& h) const { return protocol::encode_roles(core.host_roles(h)); }
    void clear_records() {
        logs.clear();
        wire.clear();
        saved.clear();
        requests.clear();
    }

private:
    // What a step is recorded as in `wire`, and sent (the shell starts sending a SendStatus right before the call).
    void record_step(const Action& a) {
        if (const auto* s = std::get_if<SendStatus>(&a.body)) {
            wire.push_back("SET_STATUS " + s->status.host + " " + std::string(to_string(s->status.state)) + " " +
                           protocol::encode_roles(s->status.roles) + " " + s->status.active_master);
            requests.push_back(set_status_request(s->status));
            core.on_send_started(s->request);
        } else if (const auto* c = std::get_if<ClearBadRoles>(&a.body)) {
            wire.push_back("CLEAR_BAD_ROLES " + c->host);
        } else if (const auto* p = std::get_if<PingAgent>(&a.body)) {
            wire.push_back("PING " + p->host);
        } else if (const auto* k = std::get_if<KillHost>(&a.body)) {
            wire.push_back("KILL " + k->host + (k->ping_ok ? " 1" : " 0"));
        }
    }
    // The core's answer to a step's result (the harness's agents and kill_host_bin answer at once).
    Plan result_of(const Action& a) {
        if (const auto* s = std::get_if<SendStatus>(&a.body))
            return core.on_agent_reply(s->status.host, answer(AgentCall::SetStatus, s->request, s->status.host), now);
        if (const auto* c = std::get_if<ClearBadRoles>(&a.body))
            return core.on_agent_reply(c->host, answer(AgentCall::ClearBadRoles, c->request, c->host), now);
        if (const auto* p = std::get_if<PingAgent>(&a.body))
            return core.on_agent_reply(p->host, answer(AgentCall::Ping, p->request, p->host), now);
        const auto& k = std::get<KillHost>(a.body);
        return core.on_kill_result(k.host, kill_fails[k.host] ? FenceResult::Failed : FenceResult::Fenced, now);
    }
    void carry_out(const LogLine& l) { logs.push_back(std::string(to_string(l.level)) + " " + l.text); }
    void carry_out(const SendStatus& s) {
        Action a{s, {}};
        record_step(a);
        if (s.beside)  // not a step: its result is an input like any other
            runner.add(core.on_agent_reply(s.status.host, answer(AgentCall::SetStatus, s.request, s.status.host), now));
        else
            runner.step_done(result_of(a));
    }
    void carry_out(const ClearBadRoles& c) { step(Action{c, {}}); }
    void carry_out(const PingAgent& p) { step(Action{p, {}}); }
    void carry_out(const KillHost& k) { step(Action{k, {}}); }
    void carry_out(const AskOpinion& o) { runner.add(opinion_reply(o)); }
    void carry_out(const SaveStatus&) { saved.push_back(core.status_file_text()); }
    void carry_out(const Reply&) {}
    void step(const Action& a) {
        record_step(a);
        runner.step_done(result_of(a));
    }
};

// Logs without the level, for exact comparisons.
inline std::vector<std::string> texts(const std::vector<std::string>& logs) {
    std::vector<std::string> out;
    for (const auto& l : logs) out.push_back(l.substr(l.find(' ') + 1));
    return out;
}

// A config whose checks report failures at once (trap_period 0), for state-machine tests.
inline Config fast_checks(Config c = cluster_config()) {
    for (auto k : all_check_kinds) c.check(k).trap_period = Duration::zero();
    return c;
}

// fast_checks() with monitor.writer_lease = `lease` (0 = no lease).
inline Config with_lease(std::chrono::milliseconds lease) {
    Config c = fast_checks();
    c.monitor.writer_lease = lease;
    return c;
}

// fast_checks() starting in WAIT mode, waiting `wait` for the second master.
inline Config wait_mode_checks(Duration wait = 120s) {
    Config c = fast_checks();
    c.monitor.mode = MonitorMode::Wait;
    c.monitor.wait_for_other_master = wait;
    return c;
}

// A started cluster: all ONLINE (db1 writer), past the peers' 60 s grace, records cleared.
inline void settle(Harness& t) {
    t.start_online();
    t.advance(61s);
    t.clear_records();
}

}  // namespace mmm::monitor::test
