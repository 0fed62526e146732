// Plans and heartbeats (issue 10 item 1): while the shell carries out a plan, heartbeats carry only what agents
// confirmed, and a heartbeat's reply decides nothing before the plan's own last result.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {

bool gives_writer(const std::vector<StatusUpdate>& statuses, const std::string& host) {
    return std::any_of(statuses.begin(), statuses.end(), [&](const StatusUpdate& s) {
        return s.host == host &&
               std::any_of(s.roles.begin(), s.roles.end(), [](const RoleIp& r) { return r.role == "writer"; });
    });
}

// Carries out `plan` like the shell, but stops before reporting the first result `stop_at` accepts: returns the
// actions not carried out yet, the stopping one first. Every other call gets the harness's answer.
template <typename StopAt>
std::vector<Action> run_until(Harness& t, Plan plan, StopAt stop_at) {
    std::vector<Action> todo(plan.actions.begin(), plan.actions.end());
    while (!todo.empty()) {
        Action a = todo.front();
        if (stop_at(a)) return todo;
        todo.erase(todo.begin());
        Plan more;
        if (const auto* send = std::get_if<SendStatus>(&a.body))
            more = t.core.on_agent_reply(send->status.host,
                                         t.answer(AgentCall::SetStatus, send->request, send->status.host), t.now);
        else if (const auto* ask = std::get_if<AskOpinion>(&a.body))
            more = t.opinion_reply(*ask);
        else if (const auto* kill = std::get_if<KillHost>(&a.body))
            more = t.core.on_kill_result(kill->host, FenceResult::Fenced, t.now);
        todo.insert(todo.begin(), more.actions.begin(), more.actions.end());
    }
    return todo;
}

// A settled cluster whose agents confirmed their status; db3 fails, and the plan stops at the SendStatus telling db3
// (its agent is slow to answer): returns the rest of the plan, that SendStatus first.
std::vector<Action> db3_fails_plan_waits(Harness& t) {
    settle(t);
    t.heartbeat();
    t.now += 1s;
    auto rest = run_until(t, t.core.on_check_result("db3", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now),
                          [](const Action& a) {
                              const auto* s = std::get_if<SendStatus>(&a.body);
                              return s && s->status.host == "db3";
                          });
    REQUIRE_FALSE(rest.empty());
    return rest;
}
}  // namespace

TEST_CASE("plan order: while kill_host_bin fences the old writer, no heartbeat gives the new one the writer role",
          "[monitor][plan]") {
    // No lease (writer_lease 0: mysql-mmm's behaviour), so only the plan's order keeps one writer.
    Harness t(with_lease(0ms));
    settle(t);
    t.heartbeat();  // every agent confirmed its status
    t.unreachable["db1"] = true;
    t.now += 10s;
    const auto rest = run_until(t, t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: gone",
                                                          t.now),
                                [](const Action& a) { return std::holds_alternative<KillHost>(a.body); });
    REQUIRE_FALSE(rest.empty());  // db1's agent could not be told: it is being killed
    CHECK(std::get<KillHost>(rest.front().body).host == "db1");
    CHECK(t.core.active_master() == "db2");  // the core's target

    // kill_host_bin runs (up to kill_host_timeout): heartbeats fall due meanwhile.
    t.now += 10s;
    const auto beats = t.core.heartbeats(t.now);
    CHECK_FALSE(gives_writer(beats, "db2"));
    for (const auto& s : beats) CHECK(s.host != "db2");  // its status changed and is not confirmed: the plan tells it

    // The fence is done: the plan goes on and tells db2.
    t.run(t.core.on_kill_result("db1", FenceResult::Fenced, t.now));
    std::vector<Action> tail(rest.begin() + 1, rest.end());
    Plan remaining;
    remaining.actions = tail;
    t.clear_records();
    t.run(remaining);
    CHECK(std::any_of(t.wire.begin(), t.wire.end(), [](const std::string& w) {
        return w.starts_with("SET_STATUS db2 ONLINE ") && w.find("writer(192.168.0.50)") != std::string::npos;
    }));
}

TEST_CASE("plan order: the writer's renewals and their replies go on while a plan waits for a slow agent",
          "[monitor][plan]") {
    Harness t(with_lease(1500ms));
    const auto rest = db3_fails_plan_waits(t);
    // Meanwhile db1 (unchanged, confirmed) gets a renewal every 500 ms; each reply is taken at once and plans nothing
    // but log lines, so the renewals never stall at three unanswered.
    int renewals = 0;
    for (int i = 0; i < 8; ++i) {
        t.now += 500ms;
        for (const auto& s : t.core.heartbeats(t.now)) {
            if (s.host != "db1") continue;
            CHECK(s.lease == std::chrono::milliseconds(1500));
            ++renewals;
            const Plan p = t.core.on_agent_reply("db1", t.answer(AgentCall::SetStatus, 0, "db1"), t.now);
            for (const auto& a : p.actions) CHECK(std::holds_alternative<LogLine>(a.body));
        }
    }
    CHECK(renewals == 8);
}

TEST_CASE("plan order: a heartbeat reply does not end the plan, the plan's last result decides", "[monitor][plan]") {
    Harness t(with_lease(1500ms));
    const auto rest = db3_fails_plan_waits(t);
    // The daemon takes a heartbeat reply at once, also in the middle of a plan. db1's agent (unchanged, so it gets
    // heartbeats) refuses ours as stale: said at once, but the new epoch is saved only when the plan is done (a
    // decision now would be carried out before the rest of the plan).
    t.now += 500ms;
    bool refused = false;
    for (const auto& s : t.core.heartbeats(t.now)) {
        auto reply = t.answer(AgentCall::SetStatus, 0, s.host);
        if (s.host == "db1") {
            reply.message = "ERROR: Stale epoch 3: this agent has accepted epoch 40";
            refused = true;
        }
        const Plan p = t.core.on_agent_reply(s.host, reply, t.now);
        CHECK(p.all<SendStatus>().empty());
        CHECK(p.all<SaveStatus>().empty());
    }
    REQUIRE(refused);
    CHECK(t.core.epoch() == 41);
    // The plan's own results come in: now the core decides and saves the epoch.
    Plan remaining;
    remaining.actions.assign(rest.begin(), rest.end());
    t.clear_records();
    t.run(remaining);
    REQUIRE_FALSE(t.saved.empty());
    INFO(t.saved.back());
    CHECK(t.saved.back().find("epoch=4") != std::string::npos);
}

// ---- agent replies count (issue 10 item 2) ----------------------------------------------------------------------

TEST_CASE("replies count: a candidate whose agent fails to take the writer role loses it, the role stays orphaned "
          "with the reason when no other candidate is ONLINE",
          "[monitor][plan]") {
    Harness t(fast_checks());
    settle(t);
    t.replies["db2"] = "ERROR: CatchUp master 'db1': writer role gained: 'db1' still takes writes (read_only=0) after 2 s";
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.state("db1") == "HARD_OFFLINE");
    // The first ERROR is retried: the role stays, the next heartbeat carries it again.
    CHECK(t.core.active_master() == "db2");
    CHECK(std::any_of(t.logs.begin(), t.logs.end(), [](const std::string& l) {
        return l.starts_with("ERROR Agent on host 'db2' could not take role 'writer' yet: ERROR: CatchUp");
    }));
    t.advance(5s);
    t.heartbeat();
    CHECK(t.roles("db2").find("writer") == std::string::npos);
    CHECK(t.core.active_master().empty());
    CHECK(std::any_of(t.logs.begin(), t.logs.end(), [](const std::string& l) {
        return l.starts_with("ERROR Agent on host 'db2' could not take role 'writer(192.168.0.50)': ERROR: CatchUp");
    }));
    const std::string show = t.core.show();
    CHECK(show.find("# Warning: host db2 is no candidate for role writer for 60 s more: its agent answered 'ERROR: "
                    "CatchUp") != std::string::npos);
    CHECK(show.find("# Warning: role writer has no holder: no other candidate is ONLINE\n") != std::string::npos);
    CHECK(show.find("writer(") == show.find("writer(192.168.0.50)"));  // never listed as held
    CHECK(show.find("Roles: reader(192.168.0.52), writer") == std::string::npos);
    CHECK(t.core.invariant_violations().empty());

    // The hold runs out: db2 is tried again (and this time its agent takes it).
    t.replies.erase("db2");
    t.advance(61s);
    CHECK(t.core.active_master() == "db2");
    INFO(t.core.show());
    CHECK(t.core.show().find("db2(192.168.0.32) master/ONLINE. Roles: reader(192.168.0.5") != std::string::npos);
    CHECK(t.core.show().find("writer(192.168.0.50)\n") != std::string::npos);
}

TEST_CASE("replies count: the next candidate is tried when the chosen one fails to take the writer role",
          "[monitor][plan]") {
    // db1 and db2 masters, db3 a third candidate for the writer role.
    Config c = fast_checks();
    c.roles[0].hosts = {"db1", "db2", "db3"};
    Harness t(c);
    settle(t);
    t.replies["db2"] = "ERROR: AllowWrites: writer role held: Access denied";
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.core.active_master() == "db2");  // retried once
    t.advance(5s);
    t.heartbeat();
    CHECK(t.core.active_master() == "db3");
    CHECK(t.roles("db2").find("writer") == std::string::npos);
    // db2 was told it lost the role again (so its agent denies writes if it got that far).
    std::vector<std::string> to_db2;
    for (const auto& w : t.wire)
        if (w.starts_with("SET_STATUS db2 ")) to_db2.push_back(w);
    REQUIRE(to_db2.size() >= 2);
    CHECK(to_db2.front().find("writer(192.168.0.50)") != std::string::npos);
    CHECK(to_db2.back().find("writer(192.168.0.50)") == std::string::npos);
}

TEST_CASE("replies count: `show` lists the writer only once its agent confirmed it", "[monitor][plan]") {
    Harness t(fast_checks());
    settle(t);
    t.replies["db2"] = "OK: Status accepted; still applying it";
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.core.active_master() == "db2");
    std::string show = t.core.show();
    CHECK(show.find("# Warning: role writer(192.168.0.50) is assigned to db2, which has not confirmed it yet (waiting "
                    "for its agent)\n") != std::string::npos);
    CHECK(show.find("writer(192.168.0.50)\n") == std::string::npos);
    // The next heartbeat's reply confirms it.
    t.replies.erase("db2");
    t.advance(5s);
    t.heartbeat();
    show = t.core.show();
    CHECK(show.find("not confirmed") == std::string::npos);
    CHECK(show.find("db2(192.168.0.32) master/ONLINE. Roles: ") != std::string::npos);
    CHECK(show.find("writer(192.168.0.50)\n") != std::string::npos);
}

TEST_CASE("plan order: the new writer's lease is renewed during its own catch-up (its status is on its way)",
          "[monitor][plan]") {
    Harness t(with_lease(1500ms));
    settle(t);
    t.heartbeat();
    t.now += 1s;
    // db1 dies; the plan's SendStatus to db2 (the writer role) is sent, and db2's agent catches up for a while.
    const auto rest = run_until(t, t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x",
                                                          t.now),
                                [](const Action& a) {
                                    const auto* s = std::get_if<SendStatus>(&a.body);
                                    return s && s->status.host == "db2";
                                });
    REQUIRE_FALSE(rest.empty());
    const auto& send = std::get<SendStatus>(rest.front().body);
    REQUIRE(send.status.lease);
    // Before the shell starts sending it, no heartbeat may carry it ...
    t.now += 500ms;
    for (const auto& s : t.core.heartbeats(t.now)) CHECK(s.host != "db2");
    // ... once it is on its way, renewals follow it every 500 ms (a catch-up longer than the lease keeps the role).
    t.core.on_send_started(send.request);
    int renewals = 0;
    for (int i = 0; i < 4; ++i) {
        t.now += 500ms;
        for (const auto& s : t.core.heartbeats(t.now)) {
            if (s.host != "db2") continue;
            CHECK(s.lease == std::chrono::milliseconds(1500));
            CHECK(s.roles == send.status.roles);
            ++renewals;
            t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now);
        }
    }
    CHECK(renewals == 4);
}

TEST_CASE("plan order: with leases the old writer's drop is sent beside the plan, without, in the plan's order",
          "[monitor][plan]") {
    for (const auto lease : {1500ms, 0ms}) {
        Harness t(with_lease(lease));
        settle(t);
        t.heartbeat();
        t.now += 1s;
        const Plan p = t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);
        // The opinions come back (nobody reaches db1), then the failover plan.
        Plan failover;
        for (const auto& a : p.all<AskOpinion>()) failover.append(t.opinion_reply(a));
        const auto sends = failover.all<SendStatus>();
        REQUIRE_FALSE(sends.empty());
        CHECK(sends.front().status.host == "db1");
        CHECK(sends.front().beside == (lease > 0ms));
        for (std::size_t i = 1; i < sends.size(); ++i) CHECK_FALSE(sends[i].beside);
        // With a lease, db2 is not in this plan at all: the promotion wait gives it the role after db1's answer.
        const bool db2_told = std::any_of(sends.begin(), sends.end(), [](const SendStatus& s) {
            return s.status.host == "db2" && s.status.active_master == "db2";
        });
        CHECK(db2_told == (lease == 0ms));
    }
}

// ---- the writer move's budget (issue 10: one time budget, the point of no return) ------------------------------

TEST_CASE("writer budget: a new writer that only ever answers 'still applying' is refused at the budget's end, the "
          "next candidate gets the role",
          "[monitor][plan]") {
    Config c = fast_checks();
    c.roles[0].hosts = {"db1", "db2", "db3"};
    Harness t(c);
    settle(t);
    t.replies["db2"] = "OK: Status accepted; still applying it";  // a catch-up that never ends
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");  // the point of no return: db2 was told it holds the role
    const auto budget = c.agent.writer_sync_timeout + 2 * c.monitor.agent_timeout;
    for (auto waited = 0ms; waited + 5s < budget; waited += 5s) {
        t.advance(5s);
        t.heartbeat();
        REQUIRE(t.core.active_master() == "db2");  // within the budget: still waiting for db2's agent
    }
    t.advance(10s);
    t.heartbeat();
    CHECK(t.core.active_master() == "db3");
    CHECK(std::any_of(t.logs.begin(), t.logs.end(), [](const std::string& l) {
        return l.starts_with("ERROR Agent on host 'db2' could not take role 'writer(192.168.0.50)': not confirmed within "
                             "34 s, the writer move's budget (last answer: 'OK: Status accepted; still applying it')");
    }));
    const std::string show = t.core.show();
    INFO(show);
    CHECK(show.find("# Warning: host db2 is no candidate for role writer for ") != std::string::npos);
    CHECK(show.find("it did not confirm it within 34 s (last answer: 'OK: Status accepted; still applying it')") !=
          std::string::npos);
    CHECK(t.core.invariant_violations().empty());
}

TEST_CASE("writer budget: a writer that confirms within the budget keeps the role, the budget ends with the move",
          "[monitor][plan]") {
    Harness t(fast_checks());
    settle(t);
    t.replies["db2"] = "OK: Status accepted; still applying it";
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    t.advance(20s);
    t.heartbeat();
    t.replies.erase("db2");  // the catch-up is done: the next heartbeat's answer confirms it
    t.advance(5s);
    t.heartbeat();
    t.advance(60s);
    t.heartbeat();
    CHECK(t.core.active_master() == "db2");
    CHECK(t.core.show().find("no candidate") == std::string::npos);
    // A later move to a writer that confirms at once never runs into an old budget.
    t.recover("db1", CheckKind::Mysql);
    t.advance(5s);
    t.cmd("set_online db1");
    t.advance(120s);
    t.heartbeat();
    CHECK(t.core.show().find("no candidate") == std::string::npos);
}
