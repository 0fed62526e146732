// `show` (§8.3) and `checks` (§8.4), byte for byte against the spec's examples.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
// The spec's `show` example: db3's agent unreachable, db2 AWAITING_RECOVERY, db3 with two readers.
void spec_example(Harness& t) {
    t.initial_checks_ok();
    t.core.on_check_result("db2", CheckKind::RepBacklog, CheckOutcome::Ok, "OK: Backlog is null", t.now);
    for (auto h : {"db1", "db3"}) t.core.on_check_result(h, CheckKind::RepBacklog, CheckOutcome::Ok, "OK: Backlog is null", t.now);
    t.run(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\n"
                                     "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                                     "db2|AWAITING_RECOVERY|\n"
                                     "db3|ONLINE|reader(192.168.0.52),reader(192.168.0.53)\n"),
                         t.now));
    auto reports = t.reports({{"db1", "reader(192.168.0.51),writer(192.168.0.50)"},
                              {"db3", "reader(192.168.0.52),reader(192.168.0.53)"}});
    reports[1].agent->state = "AWAITING_RECOVERY";
    reports[2].agent.reset();
    reports[2].agent_error = "";
    t.unreachable["db3"] = true;
    t.run(t.core.on_startup_reports(reports, t.now));
}
}  // namespace

TEST_CASE("show: the spec's example", "[monitor][views]") {
    Harness t(fast_checks());
    spec_example(t);
    CHECK(t.cmd("show") == "# Warning: agent on host db3 is not reachable\n"
                           "  db1(192.168.0.31) master/ONLINE. Roles: reader(192.168.0.51), writer(192.168.0.50)\n"
                           "  db2(192.168.0.32) master/AWAITING_RECOVERY. Roles: \n"
                           "  db3(192.168.0.33) slave/ONLINE. Roles: reader(192.168.0.52), reader(192.168.0.53)\n");
}

TEST_CASE("show: passive banner with the cause, and the preferred-host lines", "[monitor][views]") {
    Config c = fast_checks();
    c.roles[0].prefer = "db1";
    Harness t(c);
    settle(t);
    t.cmd("set_passive");
    CHECK(t.cmd("show") == "# --- Monitor is in PASSIVE MODE ---\n"
                           "# Cause: Admin switched to passive mode.\n"
                           "  db1(192.168.0.31) master/ONLINE. Roles: reader(192.168.0.51), writer(192.168.0.50)\n"
                           "  db2(192.168.0.32) master/ONLINE. Roles: reader(192.168.0.52)\n"
                           "  db3(192.168.0.33) slave/ONLINE. Roles: reader(192.168.0.53)\n"
                           "# Role writer is assigned to it's preferred host db1.\n");
    t.cmd("set_manual");
    t.cmd("move_role writer db2");
    CHECK(t.core.show().find("# Role writer has db1 configured as it's preferred host but is assigned to db2 at the "
                             "moment.\n") != std::string::npos);
    t.fail("db1", CheckKind::Ping);
    t.fail("db2", CheckKind::Ping);
    t.cmd("set_active");
    CHECK(t.core.show().find("# Role writer has db1 configured as it's preferred host.\n") != std::string::npos);
}

TEST_CASE("show sorts hosts by name, not config order", "[monitor][views]") {
    Config c = fast_checks();
    std::swap(c.hosts[0], c.hosts[2]);
    Harness t(c);
    t.start_fresh();
    auto s = t.cmd("show");
    CHECK(s.find("  db1(") < s.find("  db2("));
    CHECK(s.find("  db2(") < s.find("  db3("));
}

TEST_CASE("checks: all four forms and the errors", "[monitor][views]") {
    Harness t(fast_checks());
    spec_example(t);
    CHECK(t.cmd("checks db1") == "db1  ping         [last change: 2010/02/11 12:43:16]  OK\n"
                                 "db1  mysql        [last change: 2010/02/11 12:43:16]  OK\n"
                                 "db1  rep_threads  [last change: 2010/02/11 12:43:16]  OK\n"
                                 "db1  rep_backlog  [last change: 2010/02/11 12:43:16]  OK: Backlog is null\n");
    CHECK(t.cmd("checks db1 all") == t.cmd("checks db1"));
    CHECK(t.cmd("checks db2 rep_backlog") == "db2  rep_backlog  [last change: 2010/02/11 12:43:16]  OK: Backlog is null");
    CHECK(t.cmd("checks all mysql") == "db1  mysql  [last change: 2010/02/11 12:43:16]  OK\n"
                                       "db2  mysql  [last change: 2010/02/11 12:43:16]  OK\n"
                                       "db3  mysql  [last change: 2010/02/11 12:43:16]  OK\n");
    std::string all = t.cmd("checks");
    CHECK(all == t.cmd("checks all all"));
    CHECK(all.size() == 3 * 4 * std::string("db1  ping         [last change: 2010/02/11 12:43:16]  OK\n").size() +
                            3 * std::string(": Backlog is null").size());
    CHECK(t.cmd("checks db1 bogus") == "ERROR: Unknown check 'bogus'!");
    CHECK(t.cmd("checks db9 bogus") == "ERROR: Unknown check 'bogus'!");
    CHECK(t.cmd("checks db9") == "ERROR: Unknown host name 'db9'!");
}

TEST_CASE("checks: host names padded to the longest, last change and message follow the status", "[monitor][views]") {
    Config c = fast_checks();
    c.hosts[2].name = "replica3";
    c.roles[1].hosts[2] = "replica3";
    Harness t(c);
    t.start_fresh();
    t.advance(65s);
    t.fail("db1", CheckKind::Mysql, "ERROR: Connect error (host = 192.168.0.31:3306, user = mmm_monitor)! down");
    CHECK(t.cmd("checks all mysql") ==
          "db1       mysql  [last change: 2010/02/11 12:44:21]  ERROR: Connect error (host = 192.168.0.31:3306, user = "
          "mmm_monitor)! down\n"
          "db2       mysql  [last change: 2010/02/11 12:43:16]  OK\n"
          "replica3  mysql  [last change: 2010/02/11 12:43:16]  OK\n");
    auto s = t.cmd("checks");
    CHECK(s.find("replica3  rep_backlog  [last change: 2010/02/11 12:43:16]  OK\n") != std::string::npos);
    CHECK(s.find("db1       ping         [last change") != std::string::npos);
}

TEST_CASE("show's facts as data: the same view renders the text", "[monitor][view]") {
    Harness t;
    spec_example(t);
    const ClusterView v = t.core.view();
    CHECK(v.mode == MonitorMode::Active);
    REQUIRE(v.hosts.size() == 3);
    CHECK(v.hosts[0].name == "db1");
    CHECK(v.hosts[1].state == HostState::AwaitingRecovery);
    CHECK(protocol::encode_roles(v.hosts[2].roles) == "reader(192.168.0.52),reader(192.168.0.53)");
    REQUIRE_FALSE(v.warnings.empty());
    CHECK(v.warnings.front() == "agent on host db3 is not reachable");
    CHECK(render_show(v) == t.core.show());
    // The writer listed only once its agent confirmed it (db1 confirmed at start-up).
    CHECK(protocol::encode_roles(v.hosts[0].roles) == "reader(192.168.0.51),writer(192.168.0.50)");
}
