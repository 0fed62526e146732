// Wall-clock steps (NTP, an admin's `date -s`) while the steady clock runs on: every duration of the core — trap
// periods, auto_set_online, flap windows, wait_for_other_master — follows the steady clock; the wall clock only
// shows up in what is displayed (`checks`' last change).
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

TEST_CASE("a wall-clock step neither ends a trap period early nor delays the failover", "[monitor][clock]") {
    Harness t;  // trap_period 10 s
    settle(t);
    REQUIRE(t.core.active_master() == "db1");
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error);
    t.advance(2s);

    SECTION("the wall clock jumps an hour forward: 2 s of failure are still 2 s") {
        t.step_wall(1h);
        t.check("db1", CheckKind::Mysql, CheckOutcome::Error);  // a new failing sample right after the step
        t.advance(7s);
        CHECK(t.state("db1") == "ONLINE");
        CHECK(t.core.active_master() == "db1");
        t.advance(1s);  // 10 s of steady time since the first failing sample
        CHECK(t.state("db1") == "HARD_OFFLINE");
        CHECK(t.core.active_master() == "db2");
        CHECK(texts(t.logs).at(0) == "Check 'mysql' on 'db1' has failed for 10 seconds! Message: ERROR: failed");
        // What is displayed is wall time: the step shows in `checks`.
        CHECK(t.cmd("checks db1 mysql") == "db1  mysql  [last change: 2010/02/11 13:44:27]  ERROR: failed");
    }
    SECTION("the wall clock jumps an hour back: the failover still comes 10 s after the first failure") {
        t.step_wall(-1h);
        t.advance(7s);
        CHECK(t.state("db1") == "ONLINE");
        t.advance(1s);
        CHECK(t.state("db1") == "HARD_OFFLINE");
        CHECK(t.core.active_master() == "db2");
        CHECK(texts(t.logs).at(0) == "Check 'mysql' on 'db1' has failed for 10 seconds! Message: ERROR: failed");
    }
}

TEST_CASE("auto_set_online waits its time in steady time, whatever the wall clock does", "[monitor][clock]") {
    Config c = fast_checks();
    c.monitor.auto_set_online = 90s;
    Harness t(c);
    t.start_fresh();
    t.advance(30s);

    SECTION("forward step") {
        t.step_wall(1h);
        t.fail("db3", CheckKind::RepBacklog);  // any input: a decision step after the step
        t.recover("db3", CheckKind::RepBacklog);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        t.advance(59s);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        t.clear_records();
        t.advance(1s);
        CHECK(t.state("db1") == "ONLINE");
        CHECK(texts(t.logs).at(0) == "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because of "
                                     "auto_set_online(90 seconds). It was in state AWAITING_RECOVERY for 90 seconds");
    }
    SECTION("backward step") {
        t.step_wall(-1h);
        t.advance(60s);
        CHECK(t.state("db1") == "ONLINE");
    }
}

TEST_CASE("exits from ONLINE further apart than flap_duration do not flap when the wall clock steps back",
          "[monitor][clock]") {
    Config c = fast_checks();
    c.monitor.flap_duration = 60s;
    c.monitor.flap_count = 1;
    Harness t(c);
    settle(t);
    t.fail("db2", CheckKind::RepThreads);  // first exit
    t.recover("db2", CheckKind::RepThreads);
    REQUIRE(t.state("db2") == "ONLINE");
    t.advance(61s);
    t.step_wall(-1h);
    t.fail("db2", CheckKind::RepThreads);  // 61 s later: a new window, not a second exit within 60 s
    CHECK(t.state("db2") == "REPLICATION_FAIL");  // the peer's 60 s grace is long over, too
    CHECK_FALSE(t.core.host("db2").flapping);
}

TEST_CASE("WAIT mode waits wait_for_other_master in steady time", "[monitor][clock]") {
    Harness t(wait_mode_checks());
    t.start_fresh();
    t.cmd("set_online db1");
    t.advance(10s);
    t.step_wall(1h);
    t.fail("db3", CheckKind::RepBacklog);
    CHECK(t.core.mode() == MonitorMode::Wait);
    t.step_wall(-2h);
    t.advance(110s);
    CHECK(t.core.mode() == MonitorMode::Active);
}
