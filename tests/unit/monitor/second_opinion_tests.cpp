// The second opinion (issue 10): before the active master is declared failed, the other hosts' agents are asked
// (CHECK_MASTER) whether they reach its server; if one does, the monitor is the one cut off and nothing fails over.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
const std::string reaches = "OK: reachable: connect+SELECT 1 in 3 ms; IO thread Yes from db1";

}  // namespace

TEST_CASE("second opinion: replicas that reach the active master hold the failover, with a WARN and a line in show",
          "[monitor][opinion]") {
    Harness t(fast_checks());
    settle(t);
    t.opinions["db2"] = reaches;
    t.opinions["db3"] = reaches;
    t.fail("db1", CheckKind::Mysql, "ERROR: Connect error (host = 192.168.0.31:3306): timed out");
    // db1's own agent too (fail_fast_on_exit): has its server process exited?
    CHECK(t.asked == std::vector<std::string>{"CHECK_MASTER db1 db1", "CHECK_MASTER db2 db1", "CHECK_MASTER db3 db1"});
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.core.active_master() == "db1");
    CHECK(t.wire.empty());
    CHECK(t.logged_prefix("WARN Second opinion: monitor cannot reach db1 (ping: OK, mysql: not OK) but db2 (connect+SELECT 1 "
                    "in 3 ms; IO thread Yes from db1) and db3 (connect+SELECT 1 in 3 ms; IO thread Yes from db1) reach "
                    "it: no failover while they do. This monitor may be cut off from 'db1'."));
    CHECK(t.core.show().find("# Warning: monitor cannot reach db1 (ping: OK, mysql: not OK) but db2") != std::string::npos);

    // Asked again every mysql check period (5 s here); said once.
    const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(t.core.config().check(CheckKind::Mysql).check_period);
    REQUIRE(period == 5s);
    t.logs.clear();
    t.asked.clear();
    t.advance(period);
    CHECK(t.asked.size() == 3);
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.logs.empty());

    // db1 really dies: the next round finds nobody reaching it, and it fails over.
    t.opinions.clear();
    t.advance(period);
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.core.active_master() == "db2");
    CHECK(t.logged_prefix("WARN Second opinion: no other host reaches 'db1' any more"));
    CHECK(t.core.show().find("monitor cannot reach") == std::string::npos);
}

TEST_CASE("second opinion: one replica reaching the master is enough to hold, the monitor reaching it again clears it",
          "[monitor][opinion]") {
    Harness t(fast_checks());
    settle(t);
    t.opinions["db3"] = reaches;
    t.fail("db1", CheckKind::Ping);
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.logged_prefix("WARN Second opinion: monitor cannot reach db1 (ping: not OK, mysql: OK) but db3 (connect+SELECT 1 "
                    "in 3 ms; IO thread Yes from db1) reaches it"));
    t.recover("db1", CheckKind::Ping);
    CHECK(t.logged_prefix("INFO Second opinion: the monitor reaches 'db1' again"));
    CHECK(t.core.show().find("# Warning") == std::string::npos);
}

TEST_CASE("second opinion: nobody reaches it, an old agent's ERROR, an unreachable agent: the failover goes on",
          "[monitor][opinion]") {
    Harness t(fast_checks());
    settle(t);
    t.opinions["db2"] = "ERROR: Invalid command 'CHECK_MASTER|1|db2|db1'!";  // a mysql-mmm agent
    t.unreachable["db3"] = true;
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.core.active_master() == "db2");
}

TEST_CASE("second opinion: answers not in by the agent timeout count as none", "[monitor][opinion]") {
    Harness t(fast_checks());
    settle(t);
    t.no_reply["db2"] = true;  // the harness reports NoReply at once; model one that never comes instead
    const Plan p = t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);
    CHECK(p.all<AskOpinion>().size() == 3);
    CHECK(t.state("db1") == "ONLINE");  // the answers are on their way
    REQUIRE(t.core.next_deadline());
    CHECK(*t.core.next_deadline() == t.now.mono + t.core.config().monitor.agent_timeout);
    t.advance_to_deadline();
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("second opinion: asked at the first failing sample, so the trap period's end decides at once",
          "[monitor][opinion]") {
    Config c = cluster_config();  // trap periods as configured (mysql: 10 s)
    Harness t(c);
    settle(t);
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.asked.size() == 3);  // at once, not at the end of the trap period
    t.asked.clear();
    t.advance(10s);
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("second opinion: second_opinion false asks nobody", "[monitor][opinion]") {
    Config c = fast_checks();
    c.monitor.second_opinion = false;
    Harness t(c);
    settle(t);
    t.opinions["db2"] = reaches;
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.asked.empty());
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("second opinion: a round whose answers take longer than a check period is not restarted before its deadline",
          "[monitor][opinion]") {
    // Sandbox profile: mysql check_period 1 s, agent_timeout 2 s; a hung master makes the agents' answers slow.
    Config c = fast_checks();
    c.check(CheckKind::Mysql).check_period = 1s;
    c.monitor.agent_timeout = 2s;
    Harness t(c);
    settle(t);
    const Plan p = t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);
    CHECK(p.all<AskOpinion>().size() == 3);
    for (int i = 0; i < 4; ++i) {  // samples keep failing every 0.5 s while the answers are on their way
        t.now += 500ms;
        const Plan again = t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);
        CHECK(again.all<AskOpinion>().empty());
    }
    t.advance_to_deadline();
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("second opinion: answers that come a check period after the question still decide (no endless re-asking)",
          "[monitor][opinion]") {
    // A hung master: the agents' CHECK_MASTER needs its 1 s deadline; mysql check_period 1 s, trap period 2 s.
    Config c = cluster_config();
    c.check(CheckKind::Mysql).check_period = 1s;
    c.check(CheckKind::Mysql).trap_period = 2s;
    Harness t(c);
    settle(t);
    std::vector<AskOpinion> asked;
    auto sample = [&] {
        for (const auto& a : t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now)
                                 .all<AskOpinion>())
            asked.push_back(a);
    };
    auto answer_all = [&] {  // each "unreachable", 1 s after the question
        auto pending = std::move(asked);
        asked.clear();
        for (const auto& a : pending) t.run(t.opinion_reply(a));
    };
    sample();
    REQUIRE(asked.size() == 3);
    t.now += 1s;
    answer_all();
    t.now += 1s;
    sample();  // the trap period ends: the round asked at its start has decided
    CHECK(asked.empty());
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("second opinion: with writer leases, a held failover goes on once the master's lease ran out unrenewed",
          "[monitor][opinion]") {
    // The monitor is cut off from db1 (its agent too): renewals fail, db2 and db3 still reach db1's server. Holding
    // past the lease would leave no writer at all (db1's agent fenced it); failing over is safe then.
    Config c = with_lease(3000ms);
    Harness t(c);
    settle(t);
    t.heartbeat();
    t.opinions["db2"] = reaches;
    t.opinions["db3"] = reaches;
    t.unreachable["db1"] = true;
    t.now += 1s;
    t.heartbeat();  // a renewal fails: the lease runs out 3 s after the last one that got through
    t.fail("db1", CheckKind::Ping);
    CHECK(t.state("db1") == "ONLINE");  // held: its lease may still run
    CHECK(t.logged_prefix("WARN Second opinion: monitor cannot reach db1"));
    t.advance_to_deadline();
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.logged_prefix("WARN Second opinion: db2 (connect+SELECT 1 in 3 ms; IO thread Yes from db1) and db3 (connect+SELECT "
                    "1 in 3 ms; IO thread Yes from db1) reach 'db1', but the monitor could not renew its writer lease"));
}

TEST_CASE("second opinion: with writer leases that still get renewed, the hold lasts (the monitor's mysql check "
          "alone fails)",
          "[monitor][opinion]") {
    Harness t(with_lease(3000ms));
    settle(t);
    t.opinions["db2"] = reaches;
    t.fail("db1", CheckKind::Mysql);
    for (int i = 0; i < 6; ++i) {
        t.advance(1s);
        t.heartbeat();  // renewals reach db1's agent
    }
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.core.active_master() == "db1");
}

// fail_fast_on_exit (issue 11): the active master's own agent is asked at the first failing sample whether its server
// process has exited; "exited" reports the mysql check failed at once instead of after its trap period.
namespace {
const std::string exited = "OK: exited: its server process has exited, no other runs (Can't connect to server on "
                           "'192.168.0.31' (111)); no replication";
}  // namespace

TEST_CASE("fail fast on exit: the master's agent says its mysqld exited, so it fails over without the trap period",
          "[monitor][opinion]") {
    Harness t(cluster_config());  // mysql trap period 10 s
    settle(t);
    t.opinions["db1"] = exited;
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: Connect error (host = 192.168.0.31:3306): refused");
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.core.active_master() == "db2");
    CHECK(t.logged_prefix("WARN Agent on 'db1' says its server process has exited, no other runs (Can't connect to "
                          "server on '192.168.0.31' (111)): its mysql check fails now, without the trap period"));
    CHECK(t.logged_prefix("ERROR Check 'mysql' on 'db1' has failed for 0 seconds! Message: ERROR: Connect error"));
}

TEST_CASE("fail fast on exit: an agent that still sees its server process (or cannot tell) changes nothing",
          "[monitor][opinion]") {
    Harness t(cluster_config());
    settle(t);
    SECTION("unreachable, not exited") {}  // the harness's default answer
    SECTION("an old agent's ERROR") { t.opinions["db1"] = "ERROR: Invalid command 'CHECK_MASTER|1|db1|db1'!"; }
    SECTION("its agent unreachable") { t.unreachable["db1"] = true; }
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.state("db1") == "ONLINE");
    t.advance(5s);
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.state("db1") == "ONLINE");  // inside the trap period
    t.advance(5s);
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.state("db1") == "HARD_OFFLINE");
}

TEST_CASE("fail fast on exit: an OK sample before the answer comes keeps the host", "[monitor][opinion]") {
    Harness t(cluster_config());
    settle(t);
    const Plan p = t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);
    const auto asks = p.all<AskOpinion>();
    REQUIRE(asks.size() == 3);
    REQUIRE(asks[0].host == "db1");
    t.run(t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Ok, "OK", t.now));  // restarted meanwhile
    t.opinions["db1"] = exited;
    t.run(t.opinion_reply(asks[0]));
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.core.active_master() == "db1");
}

TEST_CASE("fail fast on exit: on with second_opinion off asks only the master's agent, off asks nobody about exits",
          "[monitor][opinion]") {
    Config c = cluster_config();
    SECTION("second_opinion false") {
        c.monitor.second_opinion = false;
        Harness t(c);
        settle(t);
        t.opinions["db1"] = exited;
        t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
        CHECK(t.asked == std::vector<std::string>{"CHECK_MASTER db1 db1"});
        CHECK(t.state("db1") == "HARD_OFFLINE");
    }
    SECTION("fail_fast_on_exit false") {
        c.monitor.fail_fast_on_exit = false;
        Harness t(c);
        settle(t);
        t.opinions["db1"] = exited;
        t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
        CHECK(t.asked == std::vector<std::string>{"CHECK_MASTER db2 db1", "CHECK_MASTER db3 db1"});
        CHECK(t.state("db1") == "ONLINE");
    }
}

TEST_CASE("fail fast on exit: a replica's 'exited' answer about another host is no opinion", "[monitor][opinion]") {
    Harness t(cluster_config());
    settle(t);
    t.opinions["db2"] = exited;  // only a host's own agent can know its process
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    CHECK(t.state("db1") == "ONLINE");
}
