// Host state machine (§4.3): one table row per transition, with the new state and the exact log texts.
#include <catch2/catch.hpp>

#include <functional>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {

struct Row {
    std::string name;
    std::function<void(Harness&)> setup;  // after settle(): all ONLINE, db1 writer
    std::function<void(Harness&)> input;
    std::string host;
    std::string state;
    std::vector<std::string> logs;  // exact, in order (only the lines produced by `input`)
};

void run_rows(const std::vector<Row>& rows) {
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Harness t(fast_checks());
            settle(t);
            if (row.setup) row.setup(t);
            t.clear_records();
            row.input(t);
            CHECK(t.state(row.host) == row.state);
            CHECK(texts(t.logs) == row.logs);
            CHECK(t.core.invariant_violations().empty());
        }
    }
}

auto failing = [](std::string h, CheckKind k) { return [=](Harness& t) { t.fail(h, k); }; };

}  // namespace

TEST_CASE("from ONLINE: O1, O2, O3 and the exemptions", "[monitor][states]") {
    run_rows({
        {"O1 ping fails on a reader, agent unreachable: roles cleared, host killed", [](Harness& t) { t.unreachable["db2"] = true; },
         failing("db2", CheckKind::Ping), "db2", "HARD_OFFLINE",
         {"Check 'ping' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to HARD_OFFLINE (ping: not OK, mysql: OK)",
          "Removing all roles from host 'db2':", "    Removed role 'reader(192.168.0.52)' from host 'db2'",
          "Can't send offline status notification to 'db2' - killing it!",
          "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db3'"}},
        {"O1 mysql fails, agent reachable: told, not killed", nullptr, failing("db2", CheckKind::Mysql), "db2", "HARD_OFFLINE",
         {"Check 'mysql' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)",
          "Removing all roles from host 'db2':", "    Removed role 'reader(192.168.0.52)' from host 'db2'",
          "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db3'"}},
        {"O1 in MANUAL mode keeps the roles", [](Harness& t) { t.cmd("set_manual"); }, failing("db2", CheckKind::Mysql), "db2",
         "HARD_OFFLINE",
         {"Check 'mysql' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)"}},
        {"O1 in PASSIVE mode: state changes, roles stay, nobody killed", [](Harness& t) { t.cmd("set_passive"); },
         failing("db2", CheckKind::Ping), "db2", "HARD_OFFLINE",
         {"Check 'ping' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to HARD_OFFLINE (ping: not OK, mysql: OK)"}},
        {"O2 rep_threads fails with the peer ONLINE", nullptr, failing("db2", CheckKind::RepThreads), "db2", "REPLICATION_FAIL",
         {"Check 'rep_threads' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to REPLICATION_FAIL", "Removing all roles from host 'db2':",
          "    Removed role 'reader(192.168.0.52)' from host 'db2'",
          "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db3'"}},
        {"O3 rep_backlog fails with the peer ONLINE", nullptr, failing("db2", CheckKind::RepBacklog), "db2", "REPLICATION_DELAY",
         {"Check 'rep_backlog' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from ONLINE to REPLICATION_DELAY", "Removing all roles from host 'db2':",
          "    Removed role 'reader(192.168.0.52)' from host 'db2'",
          "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db3'"}},
        {"O2 on a slave: its peer is the active master", nullptr, failing("db3", CheckKind::RepThreads), "db3", "REPLICATION_FAIL",
         {"Check 'rep_threads' on 'db3' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db3' changed from ONLINE to REPLICATION_FAIL", "Removing all roles from host 'db3':",
          "    Removed role 'reader(192.168.0.53)' from host 'db3'",
          "Orphaned role 'reader(192.168.0.53)' has been assigned to 'db2'"}},
        {"the active master's replication problems are ignored", nullptr, failing("db1", CheckKind::RepThreads), "db1", "ONLINE",
         {"Check 'rep_threads' on 'db1' has failed for 0 seconds! Message: ERROR: failed"}},
        {"replication problems are not acted upon while the peer is down (MANUAL: the writer stays on dead db1)",
         [](Harness& t) {
             t.cmd("set_manual");
             t.fail("db1", CheckKind::Mysql);
         },
         failing("db3", CheckKind::RepThreads), "db3", "ONLINE",
         {"Check 'rep_threads' on 'db3' has failed for 0 seconds! Message: ERROR: failed"}},
    });
}

TEST_CASE("replication problems are ignored during the peer's first 60 s ONLINE", "[monitor][states]") {
    Harness t(fast_checks());
    t.start_online();  // every host ONLINE since now
    t.advance(30s);
    t.fail("db2", CheckKind::RepBacklog);
    t.fail("db2", CheckKind::RepThreads);
    CHECK(t.state("db2") == "ONLINE");
    REQUIRE(t.core.next_deadline() == epoch().mono + 60s);
    t.clear_records();
    t.advance(30s);  // the timer fires exactly when the grace ends; both failed: REPLICATION_FAIL wins
    CHECK(t.state("db2") == "REPLICATION_FAIL");
    CHECK(texts(t.logs).at(0) == "State of host 'db2' changed from ONLINE to REPLICATION_FAIL");
}

TEST_CASE("monitor.peer_grace sets that grace: 5 s, or none", "[monitor][states]") {
    for (const Duration grace : {Duration(5s), Duration::zero()}) {
        DYNAMIC_SECTION("peer_grace " << grace.count()) {
            Config c = fast_checks();
            c.monitor.peer_grace = grace;
            Harness t(c);
            t.start_online();
            t.advance(1s);
            t.fail("db2", CheckKind::RepThreads);
            if (grace > Duration::zero()) {
                CHECK(t.state("db2") == "ONLINE");
                REQUIRE(t.core.next_deadline() == epoch().mono + grace);
                t.advance(4s);
            }
            CHECK(t.state("db2") == "REPLICATION_FAIL");
        }
    }
}

TEST_CASE("from AWAITING_RECOVERY: A1, A3, A4 and staying", "[monitor][states]") {
    SECTION("A1: ping or mysql fails") {
        Harness t(fast_checks());
        t.start_fresh();
        REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
        t.clear_records();
        t.fail("db1", CheckKind::Mysql);
        CHECK(t.state("db1") == "HARD_OFFLINE");
        CHECK(texts(t.logs) == std::vector<std::string>{
                                   "Check 'mysql' on 'db1' has failed for 0 seconds! Message: ERROR: failed",
                                   "State of host 'db1' changed from AWAITING_RECOVERY to HARD_OFFLINE"});
    }
    SECTION("stays without auto_set_online") {
        Harness t(fast_checks());
        t.start_fresh();
        t.advance(3600s);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        CHECK_FALSE(t.core.next_deadline().has_value());
    }
    SECTION("A4: auto_set_online after the configured time, exactly when due") {
        Config c = fast_checks();
        c.monitor.auto_set_online = 90s;
        Harness t(c);
        t.start_fresh();
        t.clear_records();
        REQUIRE(t.core.next_deadline() == epoch().mono + 90s);
        t.advance(89s);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        t.advance(1s);
        CHECK(t.state("db1") == "ONLINE");
        CHECK(texts(t.logs).at(0) == "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because of "
                                      "auto_set_online(90 seconds). It was in state AWAITING_RECOVERY for 90 seconds");
        CHECK(t.core.active_master() == "db1");
    }
    SECTION("A3: down for only a few seconds (agent uptime went on)") {
        Harness t(fast_checks());
        settle(t);
        t.uptime = 5000;
        t.run(t.core.on_agent_reply("db2", {AgentCall::SetStatus, 0, AgentResult::Ok, 5000.0, "OK: Status applied successfully!"}, t.now));
        t.fail("db2", CheckKind::Ping);
        REQUIRE(t.state("db2") == "HARD_OFFLINE");
        t.advance(20s);
        t.recover("db2", CheckKind::Ping);
        REQUIRE(t.state("db2") == "AWAITING_RECOVERY");  // no reply since: uptime unchanged
        t.clear_records();
        t.run(t.core.on_agent_reply("db2", {AgentCall::SetStatus, 0, AgentResult::Ok, 5025.5, "OK: Status applied successfully!"}, t.now));
        CHECK(t.state("db2") == "ONLINE");
        CHECK(texts(t.logs).at(0) ==
              "State of host 'db2' changed from AWAITING_RECOVERY to ONLINE because it was down for only 25 seconds");
    }
    SECTION("A3 does not apply after a reboot (uptime went backwards)") {
        Harness t(fast_checks());
        settle(t);
        t.run(t.core.on_agent_reply("db2", {AgentCall::SetStatus, 0, AgentResult::Ok, 5000.0, "OK: Status applied successfully!"}, t.now));
        t.fail("db2", CheckKind::Ping);
        t.recover("db2", CheckKind::Ping);
        t.run(t.core.on_agent_reply("db2", {AgentCall::SetStatus, 0, AgentResult::Ok, 12.0, "OK: Status applied successfully!"}, t.now));
        CHECK(t.state("db2") == "AWAITING_RECOVERY");
    }
}

TEST_CASE("from HARD_OFFLINE: H1, H2, H3 and the no-active-master gate", "[monitor][states]") {
    auto back = [](Harness& t, CheckKind failing) {
        t.fail("db3", CheckKind::Ping);
        t.fail("db3", failing);
        t.clear_records();
        t.recover("db3", CheckKind::Ping);
    };
    SECTION("H1: replication threads failed") {
        Harness t(fast_checks());
        settle(t);
        back(t, CheckKind::RepThreads);
        CHECK(t.state("db3") == "REPLICATION_FAIL");
        CHECK(texts(t.logs) == std::vector<std::string>{"Check 'ping' on 'db3' is ok!",
                                                        "State of host 'db3' changed from HARD_OFFLINE to REPLICATION_FAIL"});
    }
    SECTION("H2: replication delayed") {
        Harness t(fast_checks());
        settle(t);
        back(t, CheckKind::RepBacklog);
        CHECK(t.state("db3") == "REPLICATION_DELAY");
        CHECK(texts(t.logs).at(1) == "State of host 'db3' changed from HARD_OFFLINE to REPLICATION_DELAY");
    }
    SECTION("H3: to AWAITING_RECOVERY, told") {
        Harness t(fast_checks());
        settle(t);
        t.fail("db3", CheckKind::Mysql);
        t.clear_records();
        t.recover("db3", CheckKind::Mysql);
        CHECK(t.state("db3") == "AWAITING_RECOVERY");
        CHECK(texts(t.logs) == std::vector<std::string>{"Check 'mysql' on 'db3' is ok!",
                                                        "State of host 'db3' changed from HARD_OFFLINE to AWAITING_RECOVERY"});
        CHECK(t.wire == std::vector<std::string>{"SET_STATUS db3 AWAITING_RECOVERY  db1"});
    }
    SECTION("without an active master a master candidate goes to AWAITING_RECOVERY despite replication") {
        Harness t(fast_checks());
        t.start_fresh();
        t.fail("db1", CheckKind::Mysql);
        t.fail("db1", CheckKind::RepThreads);
        t.recover("db1", CheckKind::Mysql);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
    }
}

TEST_CASE("from REPLICATION_FAIL / REPLICATION_DELAY: R1 to R5", "[monitor][states]") {
    run_rows({
        {"R1 threads back, backlog failed", [](Harness& t) {
             t.fail("db2", CheckKind::RepThreads);
             t.fail("db2", CheckKind::RepBacklog);
         },
         [](Harness& t) { t.recover("db2", CheckKind::RepThreads); }, "db2", "REPLICATION_DELAY",
         {"Check 'rep_threads' on 'db2' is ok!", "State of host 'db2' changed from REPLICATION_FAIL to REPLICATION_DELAY"}},
        {"R2 threads fail while delayed", [](Harness& t) { t.fail("db2", CheckKind::RepBacklog); },
         failing("db2", CheckKind::RepThreads), "db2", "REPLICATION_FAIL",
         {"Check 'rep_threads' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from REPLICATION_DELAY to REPLICATION_FAIL"}},
        {"R4 replication OK again", [](Harness& t) { t.fail("db2", CheckKind::RepThreads); },
         [](Harness& t) { t.recover("db2", CheckKind::RepThreads); }, "db2", "ONLINE",
         {"Check 'rep_threads' on 'db2' is ok!", "State of host 'db2' changed from REPLICATION_FAIL to ONLINE",
          "Moving role 'reader(192.168.0.52)' from host 'db3' to host 'db2'"}},
        {"R5 ping fails, agent unreachable: killed", [](Harness& t) {
             t.fail("db2", CheckKind::RepThreads);
             t.unreachable["db2"] = true;
         },
         failing("db2", CheckKind::Mysql), "db2", "HARD_OFFLINE",
         {"Check 'mysql' on 'db2' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db2' changed from REPLICATION_FAIL to HARD_OFFLINE (ping: OK, mysql: not OK)",
          "Can't reach agent on host 'db2'", "Can't send offline status notification to 'db2' - killing it!"}},
        {"better than mysql-mmm: a REPLICATION_FAIL master stays out when its peer dies",
         [](Harness& t) { t.fail("db2", CheckKind::RepThreads); }, failing("db1", CheckKind::Mysql), "db2", "REPLICATION_FAIL",
         {"Check 'mysql' on 'db1' has failed for 0 seconds! Message: ERROR: failed",
          "State of host 'db1' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)",
          "Removing all roles from host 'db1':", "    Removed role 'reader(192.168.0.51)' from host 'db1'",
          "    Removed role 'writer(192.168.0.50)' from host 'db1'",
          "Host 'db2' stays in state REPLICATION_FAIL although its peer 'db1' is HARD_OFFLINE: its replication is not OK, "
          "so its data may be stale. Use 'move_role --force writer db2' to make it the active master anyway.",
          "Orphaned role 'reader(192.168.0.51)' has been assigned to 'db3'"}},
    });
}

TEST_CASE("flapping: the 4th exit from ONLINE within flap_duration, then held in AWAITING_RECOVERY", "[monitor][states]") {
    Harness t(fast_checks());
    settle(t);
    for (int i = 0; i < 3; ++i) {
        t.fail("db2", CheckKind::RepThreads);
        t.advance(10s);
        t.recover("db2", CheckKind::RepThreads);
        REQUIRE(t.state("db2") == "ONLINE");
        t.advance(10s);
    }
    t.clear_records();
    t.fail("db2", CheckKind::RepThreads);
    auto logs = texts(t.logs);
    REQUIRE(logs.size() >= 3);
    CHECK(logs[1] == "State of host 'db2' changed from ONLINE to REPLICATION_FAIL");
    CHECK(logs[2] == "Host db2 is flapping!");
    CHECK(t.core.host("db2").flapping);
    t.clear_records();
    t.recover("db2", CheckKind::RepThreads);
    CHECK(t.state("db2") == "AWAITING_RECOVERY");
    CHECK(texts(t.logs).at(1) ==
          "State of host 'db2' changed from REPLICATION_FAIL to AWAITING_RECOVERY (because it's flapping)");
    t.advance(7200s);  // no auto_set_online: only the admin can bring it back
    CHECK(t.state("db2") == "AWAITING_RECOVERY");
    CHECK(t.cmd("set_online db2") ==
          "OK: State of 'db2' changed to ONLINE. Now you can wait some time and check its new roles!");
    CHECK_FALSE(t.core.host("db2").flapping);
}

TEST_CASE("flapping exits spread wider than flap_duration do not count", "[monitor][states]") {
    Config c = fast_checks();
    c.monitor.flap_duration = 60s;
    Harness t(c);
    settle(t);
    for (int i = 0; i < 6; ++i) {
        t.fail("db2", CheckKind::RepThreads);
        t.recover("db2", CheckKind::RepThreads);
        t.advance(31s);
    }
    CHECK_FALSE(t.core.host("db2").flapping);
    CHECK(t.state("db2") == "ONLINE");
}

TEST_CASE("A2: a flapping host comes back after flap_duration without check changes when auto_set_online is on",
          "[monitor][states]") {
    Config c = fast_checks();
    c.monitor.auto_set_online = 10s;
    c.monitor.flap_duration = 300s;
    c.monitor.flap_count = 1;
    Harness t(c);
    settle(t);
    t.fail("db2", CheckKind::RepThreads);
    t.recover("db2", CheckKind::RepThreads);  // first exit
    t.fail("db2", CheckKind::RepThreads);     // second exit > flap_count: flapping
    REQUIRE(t.core.host("db2").flapping);
    t.recover("db2", CheckKind::RepThreads);
    REQUIRE(t.state("db2") == "AWAITING_RECOVERY");
    auto since = t.now;
    t.clear_records();
    t.advance(299s);
    CHECK(t.state("db2") == "AWAITING_RECOVERY");
    t.advance(1s);
    CHECK(t.state("db2") == "ONLINE");
    CHECK(texts(t.logs).at(0) ==
          "State of flapping host 'db2' changed from AWAITING_RECOVERY to ONLINE because of auto_set_online and "
          "flap_duration(300) seconds passed without another failure. It was in state AWAITING_RECOVERY for 300 seconds");
    CHECK(t.core.host("db2").flapping);  // the flag stays set
    CHECK(t.now.mono - since.mono == 300s);
}

TEST_CASE("network down: no state changes, nothing sent, nothing saved, logged once each way", "[monitor][states]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.log_of(t.core.on_network(Network::Unreachable, t.now)) == std::vector<std::string>{"Network is unreachable"});
    CHECK(t.log_of(t.core.on_network(Network::Unreachable, t.now)).empty());
    t.clear_records();
    t.fail("db2", CheckKind::Ping);
    CHECK(t.state("db2") == "ONLINE");
    CHECK(t.cmd("set_offline db3").rfind("OK: State of 'db3' changed to ADMIN_OFFLINE", 0) == 0);
    CHECK(t.state("db3") == "ADMIN_OFFLINE");
    CHECK(t.core.all_statuses().empty());
    CHECK(t.wire == std::vector<std::string>{"PING db3"});
    CHECK(t.saved.empty());
    t.clear_records();
    CHECK(t.log_of(t.core.on_network(Network::Reachable, t.now)).at(0) == "Network is reachable");
    CHECK(t.wire.at(0) == "SET_STATUS db3 ADMIN_OFFLINE  db1");  // told now
    CHECK(t.saved.size() == 1);
}

TEST_CASE("WAIT mode switches to ACTIVE when both masters are ONLINE or after wait_for_other_master", "[monitor][states]") {
    SECTION("both ONLINE") {
        Config c = fast_checks();
        c.monitor.mode = MonitorMode::Wait;
        Harness t(c);
        t.start_fresh();
        t.cmd("set_online db1");
        CHECK(t.core.mode() == MonitorMode::Wait);
        t.clear_records();
        t.cmd("set_online db2");
        CHECK(t.core.mode() == MonitorMode::Active);
        CHECK(texts(t.logs).at(1) == "Nodes db1 and db2 are ONLINE, switching from mode 'WAIT' to 'ACTIVE'.");
    }
    SECTION("one master, timed out") {
        Harness t(wait_mode_checks());
        t.start_fresh();
        t.cmd("set_online db1");
        t.clear_records();
        t.advance(119s);
        CHECK(t.core.mode() == MonitorMode::Wait);
        t.advance(1s);
        CHECK(t.core.mode() == MonitorMode::Active);
        CHECK(texts(t.logs).at(0) ==
              "Master db2 did not come online for 120(wait_for_other_master) seconds. Switching from mode 'WAIT' to 'ACTIVE'");
    }
}
