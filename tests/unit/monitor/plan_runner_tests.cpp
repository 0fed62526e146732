// PlanRunner (issue 10, plans as step machines): ordered steps one at a time, a step's follow-up before the rest,
// inputs taken while a step is awaited; and the core with the daemon's runner: a hung agent delays only its own step.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
Plan plan_of(std::initializer_list<ActionBody> bodies) {
    Plan p;
    for (const auto& b : bodies) p.add(b);
    return p;
}
StatusUpdate to(const std::string& host) { return StatusUpdate{host, HostState::Online, {}, "db1", 1, std::nullopt}; }
// "log:x", "send:db2", "beside:db1", "kill:db1", "save", "reply:x", "ask:db3": what next() hands out, until it stops.
std::vector<std::string> drain(PlanRunner& r) {
    std::vector<std::string> out;
    while (auto a = r.next()) {
        std::visit(
            [&](const auto& b) {
                using T = std::decay_t<decltype(b)>;
                if constexpr (std::is_same_v<T, LogLine>) out.push_back("log:" + b.text);
                else if constexpr (std::is_same_v<T, SendStatus>)
                    out.push_back((b.beside ? "beside:" : "send:") + b.status.host);
                else if constexpr (std::is_same_v<T, KillHost>) out.push_back("kill:" + b.host);
                else if constexpr (std::is_same_v<T, SaveStatus>) out.push_back("save");
                else if constexpr (std::is_same_v<T, Reply>) out.push_back("reply:" + b.text);
                else if constexpr (std::is_same_v<T, AskOpinion>) out.push_back("ask:" + b.host);
                else if constexpr (std::is_same_v<T, ClearBadRoles>) out.push_back("clear:" + b.host);
                else out.push_back("ping:" + b.host);
            },
            a->body);
    }
    return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("plan runner: steps one at a time, a step's follow-up goes before the rest of its plan", "[monitor][plan]") {
    PlanRunner r;
    CHECK(r.idle());
    r.add(plan_of({LogLine{LogLevel::Info, "a"}, SaveStatus{}, SendStatus{to("db1"), 1, false},
                   SendStatus{to("db2"), 2, false}, LogLine{LogLevel::Info, "b"}}));
    CHECK(drain(r) == V{"log:a", "save", "send:db1"});
    CHECK(r.awaiting());
    CHECK_FALSE(r.idle());
    CHECK(drain(r).empty());  // nothing more until db1's result is reported
    r.step_done(plan_of({LogLine{LogLevel::Error, "db1 unreachable"}, KillHost{"db1", true}}));
    CHECK(drain(r) == V{"log:db1 unreachable", "kill:db1"});  // the follow-up, before db2 is told
    r.step_done(Plan{});
    CHECK(drain(r) == V{"send:db2"});
    r.step_done(Plan{});
    CHECK(drain(r) == V{"log:b"});
    CHECK(r.idle());
}

TEST_CASE("plan runner: while a step is awaited, another input's lines and beside calls are not held up, its steps "
          "queue behind",
          "[monitor][plan]") {
    PlanRunner r;
    r.add(plan_of({SendStatus{to("db3"), 1, false}, LogLine{LogLevel::Info, "after db3"}}));
    CHECK(drain(r) == V{"send:db3"});
    // A check result and a heartbeat reply come in meanwhile.
    r.add(plan_of({LogLine{LogLevel::Error, "check failed"}, AskOpinion{"db2", "db1", 7},
                   SendStatus{to("db1"), 8, true}, Reply{"OK"}}));
    CHECK(drain(r) == V{"log:check failed", "ask:db2", "beside:db1", "reply:OK"});
    // A plan with a step of its own (never made while the core's plan runs, but safe): behind the running one.
    r.add(plan_of({LogLine{LogLevel::Info, "x"}, SendStatus{to("db2"), 9, false}, LogLine{LogLevel::Info, "y"}}));
    CHECK(drain(r) == V{"log:x"});
    r.step_done(Plan{});
    CHECK(drain(r) == V{"log:after db3", "send:db2"});
    r.step_done(Plan{});
    CHECK(drain(r) == V{"log:y"});
    CHECK(r.idle());
    // Beside calls, log lines and saves are no steps.
    CHECK(PlanRunner::is_step(Action{SendStatus{to("db1"), 1, false}, {}}));
    CHECK_FALSE(PlanRunner::is_step(Action{SendStatus{to("db1"), 1, true}, {}}));
    CHECK(PlanRunner::is_step(Action{KillHost{"db1", false}, {}}));
    CHECK(PlanRunner::is_step(Action{PingAgent{"db1", 2}, {}}));
    CHECK(PlanRunner::is_step(Action{ClearBadRoles{"db1", 3}, {}}));
    CHECK_FALSE(PlanRunner::is_step(Action{AskOpinion{"db2", "db1", 4}, {}}));
    CHECK_FALSE(PlanRunner::is_step(Action{SaveStatus{}, {}}));
}

namespace {
bool step_to(const Action& a, const std::string& host) {
    const auto* s = std::get_if<SendStatus>(&a.body);
    return s && s->status.host == host;
}
}  // namespace

TEST_CASE("a hung agent delays only its own step: checks of other hosts are recorded at once, decided when the plan "
          "is done",
          "[monitor][plan]") {
    Harness t(fast_checks());
    settle(t);
    t.heartbeat();
    t.now += 1s;
    // db3's mysql fails; the plan tells db3 (it loses its reader role) and its agent hangs.
    t.hold = [](const Action& a) { return step_to(a, "db3"); };
    t.fail("db3", CheckKind::Mysql);
    REQUIRE(t.held);
    CHECK(t.state("db3") == "HARD_OFFLINE");
    CHECK_FALSE(t.core.next_deadline());  // nothing is due while the plan runs: its last result decides

    // Meanwhile db1's mysql fails too: recorded at once (`checks` shows it), no decision yet, no agent told.
    t.now += 500ms;
    t.clear_records();
    t.fail("db1", CheckKind::Mysql, "ERROR: Connect error (host = 192.168.0.31:3306)");
    CHECK_FALSE(t.core.check_status("db1", CheckKind::Mysql).ok);
    CHECK(t.core.check_status("db1", CheckKind::Mysql).message == "ERROR: Connect error (host = 192.168.0.31:3306)");
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.core.active_master() == "db1");
    CHECK(t.wire.empty());
    // A command that changes something is refused by the core while the plan runs (the daemon queues it) ...
    CHECK(t.cmd("set_offline db2").starts_with("ERROR: A plan is being carried out"));
    // ... a read-only one is answered.
    CHECK(t.cmd("mode") == "ACTIVE");

    // db3's agent answers: the plan ends, and its last result decides with everything recorded meanwhile.
    t.release();
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.core.active_master() == "db2");
    const auto told_db2 = std::find_if(t.wire.begin(), t.wire.end(), [](const std::string& w) {
        return w.starts_with("SET_STATUS db2 ONLINE ") && w.find("writer(") != std::string::npos;
    });
    const auto told_db1 = std::find_if(t.wire.begin(), t.wire.end(),
                                       [](const std::string& w) { return w.starts_with("SET_STATUS db1 HARD_OFFLINE"); });
    REQUIRE(told_db2 != t.wire.end());
    REQUIRE(told_db1 != t.wire.end());
    CHECK(told_db1 < told_db2);  // the old writer first, as ever
    CHECK(t.core.invariant_violations().empty());
}

TEST_CASE("a plan's step held by kill_host_bin: heartbeat replies and timers decide nothing until the fence's result",
          "[monitor][plan]") {
    Harness t(with_lease(0ms));
    settle(t);
    t.heartbeat();
    t.unreachable["db1"] = true;
    t.now += 10s;
    t.hold = [](const Action& a) { return std::holds_alternative<KillHost>(a.body); };
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.held);
    CHECK(t.wire.back() == "KILL db1 1");
    // kill_host_bin runs for 20 s: heartbeats go out and are answered, time passes; db2 is not told.
    t.clear_records();
    for (int i = 0; i < 4; ++i) {
        t.advance(5s);
        t.heartbeat();
    }
    CHECK(std::none_of(t.requests.begin(), t.requests.end(),
                       [](const std::string& r) { return r.find("writer(") != std::string::npos; }));
    t.release();
    CHECK(std::any_of(t.wire.begin(), t.wire.end(), [](const std::string& w) {
        return w.starts_with("SET_STATUS db2 ONLINE ") && w.find("writer(192.168.0.50)") != std::string::npos;
    }));
}
