// Roles (§5): placement, preferences, balancing, agent reachability, and the order of a writer move (§9.11).
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

using Lines = std::vector<std::string>;

TEST_CASE("writer failure, old writer reachable: old writer told first, then replicas, then the new writer",
          "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.wire == Lines{"SET_STATUS db1 HARD_OFFLINE  ",
                          "SET_STATUS db3 ONLINE reader(192.168.0.51),reader(192.168.0.53) db2",
                          "SET_STATUS db2 ONLINE reader(192.168.0.52),writer(192.168.0.50) db2"});
    CHECK(t.core.active_master() == "db2");
    CHECK(t.saved.size() == 1);
}

TEST_CASE("writer failure, old writer unreachable: killed before anyone else is told", "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.unreachable["db1"] = true;
    t.fail("db1", CheckKind::Mysql);  // ping OK: the call is tried and fails
    CHECK(t.wire == Lines{"SET_STATUS db1 HARD_OFFLINE  ", "KILL db1 1",
                          "SET_STATUS db3 ONLINE reader(192.168.0.51),reader(192.168.0.53) db2",
                          "SET_STATUS db2 ONLINE reader(192.168.0.52),writer(192.168.0.50) db2"});
    CHECK(texts(t.logs) == Lines{"Check 'mysql' on 'db1' has failed for 0 seconds! Message: ERROR: failed",
                                 "State of host 'db1' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)",
                                 "Removing all roles from host 'db1':",
                                 "    Removed role 'reader(192.168.0.51)' from host 'db1'",
                                 "    Removed role 'writer(192.168.0.50)' from host 'db1'",
                                 "Can't reach agent on host 'db1'",
                                 "Can't send offline status notification to 'db1' - killing it!",
                                 "Orphaned role 'writer(192.168.0.50)' has been assigned to 'db2'",
                                 "Orphaned role 'reader(192.168.0.51)' has been assigned to 'db3'"});
    // the reason of each action is there for the shell to log
    auto plan = t.run(t.core.on_timer(t.now));
    CHECK(plan.empty());
}

TEST_CASE("planned move_role writer: ping, old writer drops it, replicas re-pointed, new writer takes it",
          "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("move_role writer db2") ==
          "OK: Role 'writer' has been moved from 'db1' to 'db2'. Now you can wait some time and check new roles info!");
    CHECK(t.wire == Lines{"PING db2", "SET_STATUS db1 ONLINE reader(192.168.0.51) db2",
                          "SET_STATUS db3 ONLINE reader(192.168.0.53) db2",
                          "SET_STATUS db2 ONLINE reader(192.168.0.52),writer(192.168.0.50) db2"});
    CHECK(texts(t.logs) == Lines{"Admin moved role 'writer' from 'db1' to 'db2'"});
}

TEST_CASE("fresh start: orphans go to the host with the fewest roles (writer counts half), balancing to within one",
          "[monitor][roles]") {
    Harness t(fast_checks());
    t.start_fresh();
    CHECK(t.roles("db1").empty());
    t.clear_records();
    t.cmd("set_online db1");
    CHECK(texts(t.logs) == Lines{"Admin changed state of 'db1' from AWAITING_RECOVERY to ONLINE",
                                 "Orphaned role 'writer(192.168.0.50)' has been assigned to 'db1'",
                                 "Orphaned role 'reader(192.168.0.51)' has been assigned to 'db1'",
                                 "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db1'",
                                 "Orphaned role 'reader(192.168.0.53)' has been assigned to 'db1'"});
    t.clear_records();
    t.cmd("set_online db2");
    CHECK(texts(t.logs) == Lines{"Admin changed state of 'db2' from AWAITING_RECOVERY to ONLINE",
                                 "Moving role 'reader(192.168.0.51)' from host 'db1' to host 'db2'",
                                 "Moving role 'reader(192.168.0.52)' from host 'db1' to host 'db2'"});
    t.clear_records();
    t.cmd("set_online db3");
    CHECK(texts(t.logs) == Lines{"Admin changed state of 'db3' from AWAITING_RECOVERY to ONLINE",
                                 "Moving role 'reader(192.168.0.51)' from host 'db2' to host 'db3'"});
    CHECK(t.roles("db1") == "reader(192.168.0.53),writer(192.168.0.50)");
    CHECK(t.roles("db2") == "reader(192.168.0.52)");
    CHECK(t.roles("db3") == "reader(192.168.0.51)");
}

TEST_CASE("prefer: the preferred host takes the writer back at once in ACTIVE mode only", "[monitor][roles]") {
    Config c = fast_checks();
    c.roles[0].prefer = "db1";
    SECTION("ACTIVE") {
        Harness t(c);
        settle(t);
        t.fail("db1", CheckKind::Mysql);
        REQUIRE(t.core.active_master() == "db2");
        t.recover("db1", CheckKind::Mysql);
        REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
        t.clear_records();
        t.cmd("set_online db1");
        CHECK(t.core.active_master() == "db1");
        CHECK(texts(t.logs).at(1) == "Moving role 'writer(192.168.0.50)' from host 'db2' to preferred host 'db1'");
        // set_online's update is the move itself: old writer, replica, new writer (db1 told only once).
        CHECK(t.wire == Lines{"PING db1", "SET_STATUS db2 ONLINE reader(192.168.0.52) db1",
                              "SET_STATUS db3 ONLINE reader(192.168.0.53) db1",
                              "SET_STATUS db1 ONLINE reader(192.168.0.51),writer(192.168.0.50) db1"});
    }
    SECTION("MANUAL keeps it where it is") {
        Harness t(c);
        settle(t);
        t.fail("db1", CheckKind::Mysql);
        t.recover("db1", CheckKind::Mysql);
        t.cmd("set_manual");
        t.cmd("set_online db1");
        CHECK(t.core.active_master() == "db2");
    }
}

TEST_CASE("a host whose agent is unreachable gets no new roles and is shown with a warning", "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.unreachable["db3"] = true;
    auto hb = t.core.all_statuses();
    REQUIRE(hb.size() == 3);
    CHECK(hb[2].host == "db3");
    t.clear_records();
    t.run(t.core.on_agent_reply("db3", {AgentCall::SetStatus, 0, AgentResult::Unreachable, std::nullopt, {}}, t.now));
    CHECK(texts(t.logs) == Lines{"Can't reach agent on host 'db3'"});
    CHECK(t.core.host("db3").agent_down);
    CHECK(t.roles("db3") == "reader(192.168.0.53)");  // it keeps what it has
    t.fail("db2", CheckKind::Mysql);
    CHECK(t.roles("db1") == "reader(192.168.0.51),reader(192.168.0.52),writer(192.168.0.50)");
    CHECK(t.core.show().rfind("# Warning: agent on host db3 is not reachable\n", 0) == 0);
    t.clear_records();
    t.unreachable["db3"] = false;
    t.run(t.core.on_agent_reply("db3", {AgentCall::SetStatus, 0, AgentResult::Ok, 10.0, "OK: Status applied successfully!"}, t.now));
    CHECK(texts(t.logs) == Lines{"Agent on host 'db3' is reachable again",
                                 "Moving role 'reader(192.168.0.51)' from host 'db1' to host 'db3'"});
}

TEST_CASE("heartbeats: nothing in PASSIVE mode, nothing to a host whose ping fails", "[monitor][roles]") {
    Harness t(fast_checks());
    CHECK(t.core.all_statuses().empty());  // not started
    settle(t);
    auto s = t.core.status_for("db1");
    REQUIRE(s);
    CHECK(s->state == HostState::Online);
    CHECK(protocol::encode_roles(s->roles) == "reader(192.168.0.51),writer(192.168.0.50)");
    CHECK(s->active_master == "db1");
    t.fail("db2", CheckKind::Ping);
    CHECK_FALSE(t.core.status_for("db2"));
    t.cmd("set_passive");
    CHECK(t.core.all_statuses().empty());
}

TEST_CASE("move_role of a balanced role removes it, placement puts it back by the rules", "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.clear_records();
    CHECK(t.cmd("move_role reader db3") == "OK: Balanced role reader has been removed from host 'db3'. Now you can wait "
                                           "some time and check new roles info!");
    CHECK(texts(t.logs) == Lines{"Removing balanced role reader from host 'db3':",
                                 "    Removed role 'reader(192.168.0.53)' from host 'db3'",
                                 "Orphaned role 'reader(192.168.0.53)' has been assigned to 'db3'"});
}

TEST_CASE("move_role --force: a REPLICATION_FAIL master becomes ONLINE writer, the old writer is demoted",
          "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.fail("db2", CheckKind::RepThreads);
    t.fail("db1", CheckKind::RepThreads);  // the active master: ignored
    REQUIRE(t.state("db2") == "REPLICATION_FAIL");
    REQUIRE(t.state("db1") == "ONLINE");
    t.clear_records();
    CHECK(t.cmd("move_role --force writer db2") == "OK: Role 'writer' has been moved from 'db1' to 'db2' enforcedly. Now "
                                                   "you can wait some time and check new roles info!");
    CHECK(texts(t.logs) == Lines{"Admin forced move of role 'writer' from 'db1' to 'db2'",
                                 "State of host 'db2' changed from REPLICATION_FAIL to ONLINE (because of move_role --force)",
                                 "State of host 'db1' changed from ONLINE to REPLICATION_FAIL (because of move_role --force)",
                                 "Removing all roles from host 'db1':",
                                 "    Removed role 'reader(192.168.0.51)' from host 'db1'",
                                 "Orphaned role 'reader(192.168.0.51)' has been assigned to 'db2'"});
    CHECK(t.core.active_master() == "db2");
    CHECK(t.wire.front() == "PING db2");
    CHECK(t.wire.at(1) == "SET_STATUS db1 REPLICATION_FAIL  db2");
    CHECK(t.wire.back().rfind("SET_STATUS db2 ONLINE", 0) == 0);
    t.advance(120s);
    CHECK(t.state("db2") == "ONLINE");  // the active master's replication problems are ignored
    CHECK(t.core.invariant_violations().empty());
}

TEST_CASE("better than mysql-mmm: with db2 in REPLICATION_FAIL and db1 dead the writer stays orphaned until forced",
          "[monitor][roles]") {
    Harness t(fast_checks());
    settle(t);
    t.fail("db2", CheckKind::RepThreads);
    t.fail("db1", CheckKind::Ping);
    t.advance(600s);
    CHECK(t.state("db2") == "REPLICATION_FAIL");
    CHECK(t.core.active_master().empty());
    CHECK(t.core.invariant_violations().empty());
    CHECK(t.cmd("move_role --force writer db2").rfind("OK: Role 'writer' has been moved from '' to 'db2' enforcedly.", 0) == 0);
    CHECK(t.core.active_master() == "db2");
    CHECK(t.state("db2") == "ONLINE");
}
