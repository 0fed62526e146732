// Status file (§10.1, versioned) and start-up status determination with votes (§10.2).
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

using Lines = std::vector<std::string>;

TEST_CASE("status file: round trip", "[monitor][startup]") {
    StoredStatus s;
    s.mode = MonitorMode::Manual;
    s.hosts = {{"db1", HostState::Online, protocol::parse_roles("writer(192.168.0.50),reader(192.168.0.51)")},
               {"db2", HostState::AwaitingRecovery, {}},
               {"db3", HostState::ReplicationDelay, protocol::parse_roles("reader(192.168.0.53)")}};
    std::sort(s.hosts[0].roles.begin(), s.hosts[0].roles.end());
    std::string text = format_status_file(s);
    CHECK(text == "# mmm-status 1 mode=MANUAL\n"
                  "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                  "db2|AWAITING_RECOVERY|\n"
                  "db3|REPLICATION_DELAY|reader(192.168.0.53)\n");
    auto back = parse_status_file(text, "f");
    REQUIRE(back);
    CHECK(*back == s);
}

TEST_CASE("status file: a held former active master is written as version 2 and read back", "[monitor][startup]") {
    StoredStatus s;
    s.hosts = {{"db1", HostState::AwaitingRecovery, {}, true},
               {"db2", HostState::Online, protocol::parse_roles("writer(192.168.0.50)"), false}};
    std::string text = format_status_file(s);
    CHECK(text == "# mmm-status 2 mode=ACTIVE\n"
                  "db1|AWAITING_RECOVERY||failed_active_master\n"
                  "db2|ONLINE|writer(192.168.0.50)\n");
    auto back = parse_status_file(text, "f");
    REQUIRE(back);
    CHECK(*back == s);
}

TEST_CASE("status file: corrupt and future files are refused with the file and line", "[monitor][startup]") {
    auto err = [](const std::string& text) {
        auto r = parse_status_file(text, "/var/lib/mmm.status");
        return r ? std::string("<parsed>") : r.error().message;
    };
    CHECK(err("") == "/var/lib/mmm.status: empty status file");
    CHECK(err("garbage\n") == "/var/lib/mmm.status:1: neither an mmm status file (first line '# mmm-status <version> "
                              "mode=<MODE>') nor a mysql-mmm one (lines host|STATE|roles)");
    CHECK(err("# mmm-status 4 mode=ACTIVE epoch=1\n") ==
          "/var/lib/mmm.status:1: format version 4 is newer than this monitor understands (3)");
    CHECK(err("# mmm-status 3 mode=ACTIVE\n") ==
          "/var/lib/mmm.status:1: missing or bad epoch in '# mmm-status 3 mode=ACTIVE' (expected epoch=<n>, n >= 1)");
    CHECK(err("# mmm-status 3 mode=ACTIVE epoch=0\n") ==
          "/var/lib/mmm.status:1: missing or bad epoch in '# mmm-status 3 mode=ACTIVE epoch=0' (expected epoch=<n>, n >= 1)");
    CHECK(err("# mmm-status 3 mode=ACTIVE epoch=7x\n") ==
          "/var/lib/mmm.status:1: missing or bad epoch in '# mmm-status 3 mode=ACTIVE epoch=7x' (expected epoch=<n>, n >= 1)");
    CHECK(err("# mmm-status 2 mode=ACTIVE epoch=7\n") == "/var/lib/mmm.status:1: unknown mode 'ACTIVE epoch=7'");
    CHECK(err("# mmm-status 1 mode=ACTIVE\ndb1|AWAITING_RECOVERY||failed_active_master\n") ==
          "/var/lib/mmm.status:2: malformed line 'db1|AWAITING_RECOVERY||failed_active_master' (expected host|STATE|roles)");
    CHECK(err("# mmm-status 2 mode=ACTIVE\ndb1|AWAITING_RECOVERY||sleepy\n") == "/var/lib/mmm.status:2: unknown host flag 'sleepy'");
    CHECK(err("# mmm-status 2 mode=ACTIVE\ndb1|AWAITING_RECOVERY||failed_active_master|x\n") ==
          "/var/lib/mmm.status:2: malformed line 'db1|AWAITING_RECOVERY||failed_active_master|x' (expected "
          "host|STATE|roles[|flags])");
    CHECK(err("# mmm-status x mode=ACTIVE\n") == "/var/lib/mmm.status:1: bad format version in '# mmm-status x mode=ACTIVE'");
    CHECK(err("# mmm-status 1 mode=SLEEPY\n") == "/var/lib/mmm.status:1: unknown mode 'SLEEPY'");
    CHECK(err("# mmm-status 1 mode=ACTIVE\ndb1|BOGUS|\n") == "/var/lib/mmm.status:2: unknown state 'BOGUS'");
    CHECK(err("# mmm-status 1 mode=ACTIVE\ndb1|ONLINE\n") ==
          "/var/lib/mmm.status:2: malformed line 'db1|ONLINE' (expected host|STATE|roles)");
    CHECK(err("# mmm-status 1 mode=ACTIVE\ndb1|ONLINE|reader(1.2.3.4\n") ==
          "/var/lib/mmm.status:2: malformed role list 'reader(1.2.3.4'");
}

TEST_CASE("status file: mysql-mmm's file (no header, no mode) is read", "[monitor][startup]") {
    auto parsed = parse_status_file("db1|ONLINE|writer(192.168.0.50),reader(192.168.0.51)\n"
                                    "db2|AWAITING_RECOVERY|\n"
                                    "db3|REPLICATION_DELAY|reader(192.168.0.53)\n",
                                    "f");
    REQUIRE(parsed);
    CHECK(parsed->format == StatusFileFormat::MysqlMmm);
    REQUIRE(parsed->hosts.size() == 3);
    CHECK(parsed->hosts[0] ==
          StoredHost{"db1", HostState::Online, protocol::parse_roles("reader(192.168.0.51),writer(192.168.0.50)")});
    CHECK(parsed->hosts[1] == StoredHost{"db2", HostState::AwaitingRecovery, {}});
    CHECK(parsed->hosts[2].state == HostState::ReplicationDelay);
    // ours is written back with the header
    CHECK(format_status_file(*parsed).rfind("# mmm-status 1 mode=ACTIVE\ndb1|ONLINE|", 0) == 0);

    auto err = [](const std::string& text) {
        auto r = parse_status_file(text, "s");
        return r ? std::string("<parsed>") : r.error().message;
    };
    CHECK(err("db1|ONLINE|\ndb2|SLEEPING|\n") == "s:2: unknown state 'SLEEPING'");
    CHECK(err("db1|ONLINE|\ndb2|ONLINE\n") == "s:2: malformed line 'db2|ONLINE' (expected host|STATE|roles)");
    CHECK(err("db1|AWAITING_RECOVERY||failed_active_master\n") ==
          "s:1: neither an mmm status file (first line '# mmm-status <version> mode=<MODE>') nor a mysql-mmm one "
          "(lines host|STATE|roles)");  // flags exist only in mmm's version 2
    CHECK(err("# a comment\ndb1|ONLINE|\n").rfind("s:1: neither an mmm status file", 0) == 0);
}

TEST_CASE("switching from mysql-mmm: its status file keeps the roles where they are and the monitor starts ACTIVE",
          "[monitor][startup]") {
    const std::string mysql_mmm_file = "db1|ONLINE|reader(192.168.0.51)\n"
                                       "db2|ONLINE|reader(192.168.0.52),writer(192.168.0.50)\n"
                                       "db3|ONLINE|reader(192.168.0.53)\n";
    const std::map<std::string, std::string> held = {{"db1", "reader(192.168.0.51)"},
                                                     {"db2", "reader(192.168.0.52),writer(192.168.0.50)"},
                                                     {"db3", "reader(192.168.0.53)"}};
    for (bool agents_know : {true, false}) {
        DYNAMIC_SECTION((agents_know ? "the agents report the same roles" : "the agents know nothing yet")) {
            Harness t(fast_checks());
            t.initial_checks_ok();
            CHECK(t.log_of(t.core.restore(mysql_mmm_file, t.now)) ==
                  Lines{"Read mysql-mmm's status file '/var/lib/mysql-mmm/mmm_mond.status': its host states and roles "
                        "are used, the start-up mode comes from the configuration; the file will be rewritten in "
                        "mmm's format."});
            t.run(t.core.on_startup_reports(t.reports(agents_know ? held : std::map<std::string, std::string>{}),
                                            t.now));
            CHECK(t.core.mode() == MonitorMode::Active);
            CHECK(texts(t.logs).back() == "Monitor started in active mode.");
            CHECK(t.core.active_master() == "db2");  // the writer stays on the host that held it
            for (const auto& [host, roles] : held) {
                CHECK(t.state(host) == "ONLINE");
                CHECK(t.roles(host) == roles);
            }
            REQUIRE_FALSE(t.saved.empty());
            CHECK(t.saved.back() == "# mmm-status 3 mode=ACTIVE epoch=1\n" + mysql_mmm_file);
            // ACTIVE for real: the active master dies, the writer moves.
            t.fail("db2", CheckKind::Mysql);
            CHECK(t.state("db2") == "HARD_OFFLINE");
            CHECK(t.core.active_master() == "db1");
        }
    }
}

TEST_CASE("mysql-mmm's status file has no mode: the configured start-up mode applies", "[monitor][startup]") {
    Config c = fast_checks();
    c.monitor.mode = MonitorMode::Manual;
    Harness t(c);
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("db1|ONLINE|writer(192.168.0.50)\n"), t.now));
    t.clear_records();
    t.run(t.core.on_startup_reports(t.reports({{"db1", "writer(192.168.0.50)"}}), t.now));
    CHECK(t.core.mode() == MonitorMode::Manual);
    const auto logs = texts(t.logs);
    CHECK(std::count(logs.begin(), logs.end(), "Monitor started in manual mode.") == 1);
    CHECK(std::none_of(logs.begin(), logs.end(), [](const std::string& l) { return l.rfind("Mode ", 0) == 0; }));
    CHECK(t.core.active_master() == "db1");
}

TEST_CASE("a missing status file is a fresh start: every host AWAITING_RECOVERY, no roles", "[monitor][startup]") {
    Harness t(fast_checks());
    auto logs = t.log_of(t.core.restore(std::nullopt, t.now));
    CHECK(logs == Lines{"Couldn't open status file '/var/lib/mysql-mmm/mmm_mond.status': Starting up without status "
                        "information."});
    t.initial_checks_ok();
    t.clear_records();
    t.run(t.core.on_startup_reports(t.reports({}), t.now));
    CHECK(texts(t.logs) == Lines{"Startup status:\n"
                                 "\n"
                                 "Roles:\n"
                                 "    Role                     Host    Stored  System  Agent\n"
                                 "\n"
                                 "Hosts:\n"
                                 "    Host    Master  Writable  Stored state      Agent state     \n"
                                 "    db1     -       No        ?                 UNKNOWN         \n"
                                 "    db2     -       No        ?                 UNKNOWN         \n"
                                 "    db3             No        ?                 UNKNOWN         ",
                                 "Monitor started in active mode."});
    for (auto h : {"db1", "db2", "db3"}) {
        CHECK(t.state(h) == "AWAITING_RECOVERY");
        CHECK(t.roles(h).empty());
    }
}

TEST_CASE("a corrupt status file: refused, the monitor starts PASSIVE and says why", "[monitor][startup]") {
    Harness t(fast_checks());
    auto logs = t.log_of(t.core.restore(std::string("garbage\n"), t.now));
    CHECK(logs == Lines{"Refusing to use status file '/var/lib/mysql-mmm/mmm_mond.status': "
                        "/var/lib/mysql-mmm/mmm_mond.status:1: neither an mmm status file (first line '# mmm-status "
                        "<version> mode=<MODE>') nor a mysql-mmm one (lines host|STATE|roles). Starting up in passive "
                        "mode."});
    t.initial_checks_ok();
    t.clear_records();
    t.run(t.core.on_startup_reports(t.reports({{"db1", "writer(192.168.0.50)"}}), t.now));
    CHECK(t.core.mode() == MonitorMode::Passive);
    CHECK(t.wire.empty());
    CHECK(t.saved.empty());
    CHECK(texts(t.logs).back() == "Monitor started in passive mode.");
    CHECK(t.core.show().rfind("# --- Monitor is in PASSIVE MODE ---\n# Cause: The status file could not be used: "
                              "/var/lib/mysql-mmm/mmm_mond.status:1: neither an mmm status file",
                              0) == 0);
}

TEST_CASE("saved status lines for unknown hosts are ignored with a warning", "[monitor][startup]") {
    Harness t(fast_checks());
    auto logs = t.log_of(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\ndb7|ONLINE|\ndb1|ONLINE|\n"), t.now));
    CHECK(logs == Lines{"Ignoring saved status information for unknown host 'db7'"});
}

TEST_CASE("start-up table, votes and the state of each host", "[monitor][startup]") {
    Harness t(fast_checks());
    t.start_online();
    CHECK(t.core.active_master() == "db1");
    CHECK(t.roles("db2") == "reader(192.168.0.52)");
    // every change after start-up is saved; what is saved reads back
    REQUIRE_FALSE(t.saved.empty());
    CHECK(t.saved.back() == t.core.status_file_text());
    CHECK(parse_status_file(t.saved.back(), "x"));
}

TEST_CASE("stored and agent states: the worst wins, the writer's winner becomes ONLINE", "[monitor][startup]") {
    Harness t(fast_checks());
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\n"
                                     "db1|REPLICATION_FAIL|writer(192.168.0.50)\n"
                                     "db2|ONLINE|\n"
                                     "db3|ADMIN_OFFLINE|reader(192.168.0.53)\n"),
                         t.now));
    auto reports = t.reports({{"db1", "writer(192.168.0.50)"}, {"db2", ""}, {"db3", "reader(192.168.0.53)"}});
    reports[1].agent->state = "HARD_OFFLINE";
    t.run(t.core.on_startup_reports(reports, t.now));
    CHECK(t.state("db1") == "ONLINE");  // REPLICATION_FAIL, but it won the writer
    CHECK(t.state("db2") == "AWAITING_RECOVERY");  // HARD_OFFLINE from the agent; then back (checks OK)
    CHECK(t.state("db3") == "ADMIN_OFFLINE");
    CHECK(t.roles("db3").empty());  // ADMIN_OFFLINE hosts get no votes
    CHECK(t.core.active_master() == "db1");
}

TEST_CASE("careful_startup: the writer IP configured on two hosts means PASSIVE with the table as cause",
          "[monitor][startup]") {
    Harness t(fast_checks());
    t.initial_checks_ok();
    t.run(t.core.restore(std::nullopt, t.now));
    t.clear_records();
    t.run(t.core.on_startup_reports(t.reports({{"db1", "writer(192.168.0.50)"}, {"db2", "writer(192.168.0.50)"}}), t.now));
    CHECK(texts(t.logs).at(0) == "Role 'writer(192.168.0.50)' was configured on 2 hosts during monitor startup.");
    CHECK(t.core.mode() == MonitorMode::Passive);
    CHECK(t.wire.empty());
    CHECK(t.core.show() == "# --- Monitor is in PASSIVE MODE ---\n"
                           "# Cause: Conflicting roles during startup:\n"
                           "# \n"
                           "# Startup status:\n"
                           "# \n"
                           "# Roles:\n"
                           "#     Role                     Host    Stored  System  Agent\n"
                           "#     writer(192.168.0.50)     db1     -       Yes     Yes  \n"
                           "#     writer(192.168.0.50)     db2     -       Yes     Yes  \n"
                           "# \n"
                           "# Hosts:\n"
                           "#     Host    Master  Writable  Stored state      Agent state     \n"
                           "#     db1     -       Yes       ?                 ONLINE          \n"
                           "#     db2     -       Yes       ?                 ONLINE          \n"
                           "#     db3     db1     No        ?                 UNKNOWN         \n"
                           "  db1(192.168.0.31) master/ONLINE. Roles: writer(192.168.0.50)\n"
                           "  db2(192.168.0.32) master/ONLINE. Roles: \n"
                           "  db3(192.168.0.33) slave/AWAITING_RECOVERY. Roles: \n");
}

TEST_CASE("without careful_startup the vote winner keeps the writer and the losers are cleaned", "[monitor][startup]") {
    Config c = fast_checks();
    c.monitor.careful_startup = false;
    Harness t(c);
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\ndb2|ONLINE|writer(192.168.0.50)\n"), t.now));
    auto reports = t.reports({{"db1", "writer(192.168.0.50)"}, {"db2", "writer(192.168.0.50)"}});
    reports[0].system->writable = false;  // db1: IP only (2+1); db2: writable, IP, stored, agent (4+2+1+1)
    t.clear_records();
    t.run(t.core.on_startup_reports(reports, t.now));
    CHECK(t.core.mode() == MonitorMode::Active);
    CHECK(t.core.active_master() == "db2");
    REQUIRE(t.wire.size() >= 4);
    CHECK(t.wire[0] == "SET_STATUS db1 ONLINE  db2");
    CHECK(t.wire[1] == "CLEAR_BAD_ROLES db1");
}

TEST_CASE("role definitions that changed since the last run are dropped with a warning", "[monitor][startup]") {
    Harness t(fast_checks());
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\n"
                                     "db1|ONLINE|reader(10.9.9.9),writer(192.168.0.50)\n"
                                     "db3|ONLINE|writer(192.168.0.50)\n"),
                         t.now));
    t.clear_records();
    t.run(t.core.on_startup_reports(t.reports({{"db1", "writer(192.168.0.50)"}}), t.now));
    auto logs = texts(t.logs);
    CHECK(logs.at(0) == "Detected change in role definitions: Role 'reader(10.9.9.9)' was removed.");
    CHECK(logs.at(1) == "Detected change in role definitions: Host 'db3' can't handle role 'writer' anymore.");
    CHECK(t.core.active_master() == "db1");
}

TEST_CASE("unreachable agents at start-up are logged and flagged", "[monitor][startup]") {
    Harness t(fast_checks());
    t.initial_checks_ok();
    t.run(t.core.restore(std::nullopt, t.now));
    auto reports = t.reports({});
    reports[2].agent.reset();
    reports[2].agent_error = "ERROR: timeout";
    reports[2].system.reset();
    t.unreachable["db3"] = true;
    t.clear_records();
    t.run(t.core.on_startup_reports(reports, t.now));
    CHECK(texts(t.logs).at(0) == "Can't reach agent on host 'db3'");
    CHECK(texts(t.logs).at(1) == "The status of the agent on host 'db3' could not be determined (answer was: ERROR: timeout).");
    CHECK(texts(t.logs).at(2) == "The status of the system 'db3' could not be determined (answer was: ).");
    CHECK(t.core.host("db3").agent_down);
}

TEST_CASE("an admin's MANUAL or PASSIVE mode survives a restart through the status file", "[monitor][startup]") {
    for (std::string mode : {"MANUAL", "PASSIVE"}) {
        Harness t(fast_checks());
        t.initial_checks_ok();
        t.run(t.core.restore("# mmm-status 1 mode=" + mode + "\ndb1|ONLINE|writer(192.168.0.50)\n", t.now));
        t.clear_records();
        t.run(t.core.on_startup_reports(t.reports({{"db1", "writer(192.168.0.50)"}}), t.now));
        CHECK(std::string(to_string(t.core.mode())) == mode);
        CHECK(texts(t.logs).at(0) == "Mode " + mode + " restored from status file '/var/lib/mysql-mmm/mmm_mond.status'.");
    }
    Config c = fast_checks();
    c.monitor.mode = MonitorMode::Wait;
    Harness t(c);
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("# mmm-status 1 mode=ACTIVE\n"), t.now));
    t.run(t.core.on_startup_reports(t.reports({}), t.now));
    CHECK(t.core.mode() == MonitorMode::Wait);  // ACTIVE in the file does not override the configured start mode
}

TEST_CASE("an ONLINE host whose initial check failed stays ONLINE until the trap period confirms the failure",
          "[monitor][startup][checks]") {
    Config c = fast_checks();
    for (auto k : all_check_kinds) c.check(k).trap_period = 2s;
    const std::string file = "# mmm-status 1 mode=ACTIVE\n"
                             "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                             "db2|ONLINE|reader(192.168.0.52)\n"
                             "db3|ONLINE|reader(192.168.0.53)\n";
    for (const std::string host : {"db1", "db2"}) {
        DYNAMIC_SECTION("a late answer from " << host << ": it stays ONLINE") {
            Harness t(c);
            t.initial_checks_ok();
            t.check(host, CheckKind::Mysql, CheckOutcome::Error, "ERROR: Timeout");  // before start-up: initial
            t.restore_and_report(file);
            CHECK(t.logged("WARN Check 'mysql' on '" + host +
                           "' did not pass in the initial round (ERROR: Timeout): '" + host +
                           "' stays ONLINE unless the check still fails when its trap period (2s) has passed"));
            CHECK(t.state(host) == "ONLINE");
            t.advance(1s);
            t.clear_records();
            t.check(host, CheckKind::Mysql, CheckOutcome::Ok);
            CHECK(texts(t.logs) == Lines{"Check 'mysql' on '" + host + "' is ok!"});
            t.advance(5s);
            CHECK(t.state(host) == "ONLINE");
            CHECK(t.core.active_master() == "db1");
            CHECK_FALSE(t.logged_prefix("FATAL State of host"));
        }
        DYNAMIC_SECTION(host << " really down: it fails when the trap period has run out") {
            Harness t(c);
            t.initial_checks_ok();
            t.check(host, CheckKind::Mysql, CheckOutcome::Error, "ERROR: Connect error");
            t.restore_and_report(file);
            CHECK(t.state(host) == "ONLINE");
            t.advance(1900ms);
            CHECK(t.state(host) == "ONLINE");
            t.advance(100ms);
            CHECK(t.logged("ERROR Check 'mysql' on '" + host + "' has failed for 2 seconds! Message: ERROR: Connect error"));
            CHECK(t.logged("FATAL State of host '" + host + "' changed from ONLINE to HARD_OFFLINE (ping: OK, mysql: not OK)"));
            CHECK(t.state(host) == "HARD_OFFLINE");
            CHECK(t.core.active_master() == (host == "db1" ? "db2" : "db1"));  // the writer moved off a failed db1
        }
    }
    SECTION("a host stored HARD_OFFLINE and still failing stays HARD_OFFLINE without a word") {
        Harness t(c);
        t.initial_checks_ok();
        t.check("db3", CheckKind::Mysql, CheckOutcome::Error, "ERROR: Connect error");
        t.restore_and_report("# mmm-status 1 mode=ACTIVE\n"
                             "db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)\n"
                             "db2|ONLINE|reader(192.168.0.52),reader(192.168.0.53)\n"
                             "db3|HARD_OFFLINE|\n");
        CHECK(t.state("db3") == "HARD_OFFLINE");
        CHECK_FALSE(t.logged_prefix("WARN Check 'mysql' on 'db3' did not pass"));
        t.advance(5s);
        CHECK(t.state("db3") == "HARD_OFFLINE");
        CHECK_FALSE(t.logged_prefix("FATAL State of host 'db3'"));
    }
}
