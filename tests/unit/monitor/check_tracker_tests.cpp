// Check status with trap period (§3.6): failures reported only after failing continuously for trap_period.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
struct Fixture {
    Instant t0 = epoch();
    CheckTracker tracker{2, {10s, 10s, 10s, 1500ms}, t0};
    std::vector<std::string> names{"db1", "db2"};
    Plan plan;
    bool result(CheckOutcome o, Duration at, std::string msg = "ERROR: down", CheckKind k = CheckKind::Mysql) {
        return tracker.on_result(0, "db1", k, o, msg, t0 + at, plan);
    }
};
}  // namespace

TEST_CASE("the first OK of a check is reported", "[monitor][checks]") {
    Fixture f;
    CHECK(f.result(CheckOutcome::Ok, 0s, "OK"));
    CHECK(f.plan.log_texts() == std::vector<std::string>{"Check 'mysql' on 'db1' is ok!"});
    CHECK(f.tracker.ok(0, CheckKind::Mysql));
    CHECK_FALSE(f.result(CheckOutcome::Ok, 5s, "OK"));
    CHECK(f.plan.log_texts().size() == 1);
}

TEST_CASE("a failure is reported on the first sample at least trap_period after the first failing one",
          "[monitor][checks]") {
    Fixture f;
    f.result(CheckOutcome::Ok, 0s, "OK");
    CHECK_FALSE(f.result(CheckOutcome::Error, 1s));
    CHECK_FALSE(f.result(CheckOutcome::Error, 6s));
    CHECK(f.tracker.ok(0, CheckKind::Mysql));
    REQUIRE(f.tracker.next_deadline() == f.t0.mono + 11s);
    CHECK(f.result(CheckOutcome::Error, 11s, "ERROR: Connect error"));
    CHECK_FALSE(f.tracker.ok(0, CheckKind::Mysql));
    CHECK(f.plan.log_texts().back() == "Check 'mysql' on 'db1' has failed for 10 seconds! Message: ERROR: Connect error");
    CHECK(f.tracker.status(0, CheckKind::Mysql).last_change == f.t0 + 11s);
    CHECK_FALSE(f.result(CheckOutcome::Error, 16s));  // already reported: silent
    CHECK(f.plan.log_texts().size() == 2);
    CHECK_FALSE(f.tracker.next_deadline().has_value());
}

TEST_CASE("one OK resets the clock silently, recovery after a report is logged", "[monitor][checks]") {
    Fixture f;
    f.result(CheckOutcome::Ok, 0s, "OK");
    f.result(CheckOutcome::Error, 1s);
    CHECK_FALSE(f.result(CheckOutcome::Ok, 6s, "OK"));
    CHECK(f.plan.log_texts().size() == 1);
    f.result(CheckOutcome::Error, 7s);
    CHECK_FALSE(f.result(CheckOutcome::Error, 16s));  // 9 s since the clock restarted
    CHECK(f.result(CheckOutcome::Error, 17s));
    CHECK(f.result(CheckOutcome::Ok, 20s, "OK"));
    CHECK(f.plan.log_texts().back() == "Check 'mysql' on 'db1' is ok!");
    CHECK(f.tracker.status(0, CheckKind::Mysql).last_change == f.t0 + 20s);
}

TEST_CASE("UNKNOWN never changes the status and restarts the failure clock", "[monitor][checks]") {
    Fixture f;
    f.result(CheckOutcome::Ok, 0s, "OK");
    f.result(CheckOutcome::Error, 1s);
    CHECK_FALSE(f.result(CheckOutcome::Unknown, 5s, "UNKNOWN: Too many connections!"));
    CHECK(f.plan.log_texts().back() ==
          "Check 'mysql' on 'db1' is in unknown state! Message: UNKNOWN: Too many connections!");
    CHECK(f.tracker.ok(0, CheckKind::Mysql));
    CHECK_FALSE(f.result(CheckOutcome::Unknown, 6s, "UNKNOWN: again"));  // said once
    CHECK(f.plan.log_texts().size() == 2);
    CHECK_FALSE(f.result(CheckOutcome::Error, 12s));  // the clock starts again here
    CHECK_FALSE(f.result(CheckOutcome::Error, 21s));
    CHECK(f.result(CheckOutcome::Error, 22s));
    // UNKNOWN after a reported failure keeps it failed; the next OK is reported.
    CHECK_FALSE(f.result(CheckOutcome::Unknown, 23s, "UNKNOWN: x"));
    CHECK_FALSE(f.tracker.ok(0, CheckKind::Mysql));
    CHECK(f.result(CheckOutcome::Ok, 24s, "OK"));
}

TEST_CASE("fractional trap periods, and the timer reports a failure when it is due", "[monitor][checks]") {
    Fixture f;
    f.tracker.on_result(1, "db2", CheckKind::RepBacklog, CheckOutcome::Ok, "OK: Backlog is null", f.t0, f.plan);
    f.tracker.on_result(1, "db2", CheckKind::RepBacklog, CheckOutcome::Error, "ERROR: Backlog is too big", f.t0 + 1s,
                        f.plan);
    REQUIRE(f.tracker.next_deadline() == f.t0.mono + 2500ms);
    CHECK(f.tracker.on_timer(f.names, f.t0 + 2499ms, f.plan).empty());
    CHECK(f.tracker.on_timer(f.names, f.t0 + 2500ms, f.plan) == std::vector<std::size_t>{1});
    CHECK(f.plan.log_texts().back() ==
          "Check 'rep_backlog' on 'db2' has failed for 1.5 seconds! Message: ERROR: Backlog is too big");
    CHECK(f.tracker.status(1, CheckKind::RepBacklog).message == "ERROR: Backlog is too big");
}

TEST_CASE("trap_period 0 reports the first failing sample", "[monitor][checks]") {
    CheckTracker tracker{1, {0s, 0s, 0s, 0s}, epoch()};
    Plan plan;
    CHECK(tracker.on_result(0, "db1", CheckKind::Ping, CheckOutcome::Ok, "OK", epoch(), plan));
    CHECK(tracker.on_result(0, "db1", CheckKind::Ping, CheckOutcome::Error, "ERROR: Could not ping 192.168.0.31", epoch(),
                            plan));
    CHECK(plan.log_texts().back() ==
          "Check 'ping' on 'db1' has failed for 0 seconds! Message: ERROR: Could not ping 192.168.0.31");
}

TEST_CASE("initial checks set the status directly, the core ignores results while the network is down",
          "[monitor][checks]") {
    Harness t;
    t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Unknown, "UNKNOWN: Too many connections!", t.now);
    CHECK_FALSE(t.core.check_status("db1", CheckKind::Mysql).ok);  // an initial UNKNOWN counts as failed
    t.start_fresh();
    CHECK(t.core.check_status("db1", CheckKind::Mysql).ok);  // initial_checks_ok() overwrote it
    t.run(t.core.on_network(Network::Unreachable, t.now));
    t.fail("db1", CheckKind::Ping);
    t.advance(60s);
    CHECK(t.core.check_status("db1", CheckKind::Ping).ok);
    CHECK_FALSE(t.core.next_deadline().has_value());
}

TEST_CASE("host state follows the debounced status, not the raw samples", "[monitor][checks]") {
    Harness t;  // default trap_period 10 s
    settle(t);
    t.check("db2", CheckKind::Mysql, CheckOutcome::Error);
    t.advance(5s);
    t.check("db2", CheckKind::Mysql, CheckOutcome::Error);
    CHECK(t.state("db2") == "ONLINE");
    t.advance(5s);  // due: the timer reports it without waiting for the next sample
    CHECK(t.state("db2") == "HARD_OFFLINE");
    CHECK(texts(t.logs).at(0) == "Check 'mysql' on 'db2' has failed for 10 seconds! Message: ERROR: failed");
}

TEST_CASE("a due failure is reported by whatever input comes first, and its timer is never lost", "[monitor][checks]") {
    Harness t;  // trap_period 10 s
    settle(t);
    t.check("db2", CheckKind::Mysql, CheckOutcome::Error);
    const auto due = t.now.mono + 10s;
    CHECK(t.core.next_deadline() == due);
    t.now += 12s;  // the shell was late; another host's check changes first
    t.check("db3", CheckKind::RepBacklog, CheckOutcome::Unknown);
    t.check("db3", CheckKind::Ping, CheckOutcome::Error);
    CHECK(t.state("db2") == "ONLINE");  // neither input changed a status: no decision step yet
    CHECK(t.core.next_deadline() == due);  // still due, not forgotten
    t.advance(0s);
    CHECK(t.state("db2") == "HARD_OFFLINE");
    CHECK(texts(t.logs).at(1) == "Check 'mysql' on 'db2' has failed for 12 seconds! Message: ERROR: failed");
}

TEST_CASE("a check failed at start-up recovers even when its next failure ended within the trap period",
          "[monitor][checks]") {
    // The monitor started while db1's server was down (initial checks: failed), saw one more failure, and the server
    // came back within the trap period: that OK is news (it stayed failed for good before).
    Fixture f;
    f.tracker.set_initial(0, CheckKind::Mysql, CheckOutcome::Error, "ERROR: Connect error", f.t0);
    CHECK_FALSE(f.tracker.ok(0, CheckKind::Mysql));
    CHECK_FALSE(f.result(CheckOutcome::Error, 1s));
    CHECK(f.result(CheckOutcome::Ok, 2s, "OK"));
    CHECK(f.tracker.ok(0, CheckKind::Mysql));
    CHECK(f.plan.log_texts() == std::vector<std::string>{"Check 'mysql' on 'db1' is ok!"});
    CHECK(f.tracker.next_deadline() == std::nullopt);
}

TEST_CASE("a failure of the initial round is pending: unconfirmed until its trap period runs out",
          "[monitor][checks]") {
    Fixture f;
    f.tracker.set_initial(0, CheckKind::Mysql, CheckOutcome::Error, "ERROR: Timeout", f.t0);
    f.tracker.set_initial(0, CheckKind::RepThreads, CheckOutcome::Unknown, "UNKNOWN: no connection", f.t0);
    f.tracker.set_initial(0, CheckKind::Ping, CheckOutcome::Ok, "OK", f.t0);
    CHECK_FALSE(f.tracker.ok(0, CheckKind::Mysql));
    CHECK(f.tracker.unconfirmed(0, CheckKind::Mysql));
    CHECK(f.tracker.unconfirmed(0, CheckKind::RepThreads));
    CHECK_FALSE(f.tracker.unconfirmed(0, CheckKind::Ping));
    REQUIRE(f.tracker.next_deadline() == f.t0.mono + 10s);  // only the failing one has a trap period running
    CHECK(f.tracker.on_timer(f.names, {f.t0.mono + 9s, f.t0.wall + 9s}, f.plan).empty());
    // The status said failed already; its confirmation is still a change the state rules must see.
    CHECK(f.tracker.on_timer(f.names, {f.t0.mono + 10s, f.t0.wall + 10s}, f.plan) == std::vector<std::size_t>{0});
    CHECK_FALSE(f.tracker.unconfirmed(0, CheckKind::Mysql));
    CHECK(f.plan.log_texts() ==
          std::vector<std::string>{"Check 'mysql' on 'db1' has failed for 10 seconds! Message: ERROR: Timeout"});
    // The unknown one is decided by its next sample, as after start-up.
    CHECK(f.result(CheckOutcome::Ok, 11s, "OK", CheckKind::RepThreads));
    CHECK_FALSE(f.tracker.unconfirmed(0, CheckKind::RepThreads));
}

TEST_CASE("a check that does not run on a host passes for good", "[monitor][checks][galera]") {
    Fixture f;
    f.tracker.set_not_applicable(0, CheckKind::RepThreads);
    CHECK(f.tracker.ok(0, CheckKind::RepThreads));
    CHECK_FALSE(f.tracker.unconfirmed(0, CheckKind::RepThreads));
    CHECK(f.tracker.next_deadline() == std::nullopt);
}
