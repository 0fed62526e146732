// Control commands (§8.2): every reply text of every command, in mysql-mmm's check order.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

using Lines = std::vector<std::string>;

namespace {
const std::string help =
    "Valid commands are:\n"
    "    help                              - show this message\n"
    "    ping                              - ping monitor\n"
    "    show                              - show status\n"
    "    checks [<host>|all [<check>|all]] - show checks status\n"
    "    set_online <host>                 - set host <host> online\n"
    "    set_offline <host>                - set host <host> offline\n"
    "    mode                              - print current mode.\n"
    "    why                               - where each exclusive role is, and why (or why no failover)\n"
    "    set_active                        - switch into active mode.\n"
    "    set_manual                        - switch into manual mode.\n"
    "    set_passive                       - switch into passive mode.\n"
    "    move_role [--force] <role> <host> - move exclusive role <role> to host <host>\n"
    "                                        (Only use --force if you know what you are doing!)\n"
    "    set_ip <ip> <host>                - set role with ip <ip> to host <host>\n";
}  // namespace

TEST_CASE("help, ping, mode and invalid commands", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("help") == help);
    CHECK(t.cmd("ping") == "OK: Pinged successfully!");
    CHECK(t.cmd("mode") == "ACTIVE");
    CHECK(t.cmd("ping\r\n") == "OK: Pinged successfully!");
    for (std::string bad : {"foo", "show x", "set_online", "set_offline a b", "move_role writer", "move_role a b c",
                            "move_role --force writer", "checks a b c", "set_ip 1.2.3.4", "mode x", ""})
        CHECK(t.cmd(bad) == "Invalid command '" + bad + "'\n\n" + help);
}

TEST_CASE("mode commands", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("set_active") == "OK: Already in active mode.");
    t.clear_records();
    CHECK(t.cmd("set_manual") == "OK: Switched into manual mode.");
    CHECK(texts(t.logs) == Lines{"Admin changed mode from 'ACTIVE' to 'MANUAL'"});
    CHECK(t.cmd("mode") == "MANUAL");
    CHECK(t.cmd("set_manual") == "OK: Already in manual mode.");
    CHECK(t.cmd("set_passive") == "OK: Switched into passive mode.");
    CHECK(t.cmd("set_passive") == "OK: Already in passive mode.");
    CHECK(t.cmd("mode") == "PASSIVE");
    CHECK(t.saved.back().rfind("# mmm-status 3 mode=PASSIVE epoch=", 0) == 0);
    t.clear_records();
    CHECK(t.cmd("set_active") == "OK: Switched into active mode.");
    CHECK(texts(t.logs) == Lines{"Admin changed mode from 'PASSIVE' to 'ACTIVE'"});
    // leaving PASSIVE: every agent told and cleaned, passive master first, active master last (§7.5)
    CHECK(t.wire == Lines{"SET_STATUS db2 ONLINE reader(192.168.0.52) db1", "CLEAR_BAD_ROLES db2",
                          "SET_STATUS db3 ONLINE reader(192.168.0.53) db1", "CLEAR_BAD_ROLES db3",
                          "SET_STATUS db1 ONLINE reader(192.168.0.51),writer(192.168.0.50) db1", "CLEAR_BAD_ROLES db1"});
    CHECK(t.core.passive_cause().empty());
}

TEST_CASE("set_manual leaves WAIT mode (mysql-mmm answered 'Already in manual mode.')", "[monitor][commands]") {
    Config c = fast_checks();
    c.monitor.mode = MonitorMode::Wait;
    Harness t(c);
    t.start_fresh();
    CHECK(t.cmd("mode") == "WAIT");
    CHECK(t.cmd("set_manual") == "OK: Switched into manual mode.");
    CHECK(t.cmd("mode") == "MANUAL");
}

TEST_CASE("switching MANUAL to ACTIVE clears roles of hosts that are not ONLINE, killing unreachable ones",
          "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    t.cmd("set_manual");
    t.unreachable["db2"] = true;
    t.fail("db2", CheckKind::Mysql);
    REQUIRE(t.roles("db2") == "reader(192.168.0.52)");
    t.clear_records();
    CHECK(t.cmd("set_active") == "OK: Switched into active mode.");
    CHECK(texts(t.logs) == Lines{"Admin changed mode from 'MANUAL' to 'ACTIVE'", "Removing all roles from host 'db2':",
                                 "    Removed role 'reader(192.168.0.52)' from host 'db2'",
                                 "Can't send offline status notification to 'db2' - killing it!",
                                 "Orphaned role 'reader(192.168.0.52)' has been assigned to 'db3'"});
    CHECK(t.wire.at(1) == "KILL db2 1");
}

TEST_CASE("set_online replies", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("set_online db9") == "ERROR: Unknown host name 'db9'!");
    CHECK(t.cmd("set_online db1") == "OK: This host is already ONLINE. Skipping command.");
    t.fail("db2", CheckKind::Mysql);
    CHECK(t.cmd("set_online db2") == "ERROR: Host 'db2' is 'HARD_OFFLINE' at the moment. It can't be switched to ONLINE.");
    t.recover("db2", CheckKind::Mysql);
    REQUIRE(t.state("db2") == "AWAITING_RECOVERY");
    t.cmd("set_online db2");
    t.cmd("set_offline db2");
    t.fail("db2", CheckKind::Mysql);  // ADMIN_OFFLINE hosts keep their state
    REQUIRE(t.state("db2") == "ADMIN_OFFLINE");
    CHECK(t.cmd("set_online db2") ==
          "ERROR: Checks ping and/or mysql are not ok for host 'db2'. It can't be switched to ONLINE.");
    t.recover("db2", CheckKind::Mysql);
    t.fail("db1", CheckKind::RepBacklog);  // db1 is the active master: stays ONLINE
    CHECK(t.cmd("set_online db2") == "ERROR: Some replication checks failed on peer 'db1'. We can't set 'db2' online now. "
                                     "Please, wait some time.");
    t.recover("db1", CheckKind::RepBacklog);
    // Stopped threads on the active master do not count (issue 11): it stopped replicating from a peer that did not
    // answer when it took the role, and starts again once it is passive.
    t.fail("db1", CheckKind::RepThreads);
    t.unreachable["db2"] = true;
    t.clear_records();
    CHECK(t.cmd("set_online db2") == "ERROR: Can't reach agent daemon on 'db2'! Can't switch its state!");
    CHECK(t.wire == Lines{"PING db2"});
    CHECK(t.state("db2") == "ADMIN_OFFLINE");
    t.unreachable["db2"] = false;
    t.clear_records();
    CHECK(t.cmd("set_online db2") ==
          "OK: State of 'db2' changed to ONLINE. Now you can wait some time and check its new roles!");
    CHECK(texts(t.logs).at(0) == "Admin changed state of 'db2' from ADMIN_OFFLINE to ONLINE");
    t.recover("db1", CheckKind::RepThreads);
    // Told by the ordered update that follows: db3 hands a reader IP over before db2 gets it.
    CHECK(t.wire == Lines{"PING db2", "SET_STATUS db3 ONLINE reader(192.168.0.53) db1",
                          "SET_STATUS db2 ONLINE reader(192.168.0.52) db1"});
}

TEST_CASE("a command waiting for the agent's PING gets its reply from on_agent_reply", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    Plan p = t.core.on_command("set_offline db3", t.now);
    CHECK_FALSE(p.reply());
    auto pings = p.all<PingAgent>();
    REQUIRE(pings.size() == 1);
    CHECK(t.core.command_pending());
    Plan done = t.core.on_agent_reply("db3", {AgentCall::Ping, pings[0].request, AgentResult::Ok, 12.0, "OK: Pinged!"}, t.now);
    CHECK(done.reply() == "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    CHECK_FALSE(t.core.command_pending());
}

TEST_CASE("set_offline replies", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("set_offline db9") == "ERROR: Unknown host name 'db9'!");
    t.fail("db2", CheckKind::Mysql);
    CHECK(t.cmd("set_offline db2") ==
          "ERROR: Host 'db2' is 'HARD_OFFLINE' at the moment. It can't be switched to ADMIN_OFFLINE.");
    t.unreachable["db3"] = true;
    CHECK(t.cmd("set_offline db3") == "ERROR: Can't reach agent daemon on 'db3'! Can't switch its state!");
    t.unreachable["db3"] = false;
    t.clear_records();
    CHECK(t.cmd("set_offline db3") ==
          "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    CHECK(texts(t.logs).at(0) == "Admin changed state of 'db3' from ONLINE to ADMIN_OFFLINE");
    CHECK(t.wire.at(1).rfind("SET_STATUS db3 ADMIN_OFFLINE  ", 0) == 0);
    CHECK(t.cmd("set_offline db3") == "OK: This host is already ADMIN_OFFLINE. Skipping command.");
    CHECK_FALSE(t.core.host("db3").flapping);
}

TEST_CASE("move_role replies", "[monitor][commands]") {
    Config c = fast_checks();
    RoleConfig empty;
    empty.name = "backup";
    empty.mode = RoleMode::Exclusive;
    empty.hosts = {"db3"};
    c.roles.push_back(empty);
    Harness t(c);
    settle(t);
    CHECK(t.cmd("move_role nope db1") == "ERROR: Unknown role name 'nope'!");
    CHECK(t.cmd("move_role writer db9") == "ERROR: Unknown host name 'db9'!");
    t.fail("db2", CheckKind::Mysql);
    CHECK(t.cmd("move_role writer db2") == "ERROR: Can't move role to host with state HARD_OFFLINE.");
    t.recover("db2", CheckKind::Mysql);
    t.cmd("set_online db2");
    CHECK(t.cmd("move_role writer db3") ==
          "ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2");
    CHECK(t.cmd("move_role writer db1") == "OK: Role is on 'db1' already. Skipping command.");
    t.unreachable["db2"] = true;
    CHECK(t.cmd("move_role writer db2") == "ERROR: Can't reach agent daemon on 'db2'! Can't move roles there!");
    t.unreachable["db2"] = false;
    CHECK(t.cmd("move_role backup db3") == "Error: Role backup has no IP.");
    t.cmd("set_passive");
    CHECK(t.cmd("move_role writer db2") == "ERROR: This command is not allowed in passive mode");
    CHECK(t.cmd("move_role --force writer db2") == "ERROR: This command is not allowed in passive mode");
}

TEST_CASE("move_role refuses to move a role away from its preferred host in ACTIVE mode", "[monitor][commands]") {
    Config c = fast_checks();
    c.roles[0].prefer = "db1";
    Harness t(c);
    settle(t);
    CHECK(t.cmd("move_role writer db2") == "ERROR: Role 'writer' is assigned to preferred host 'db1'. Can't move it!");
    t.cmd("set_manual");
    CHECK(t.cmd("move_role writer db2").rfind("OK: Role 'writer' has been moved from 'db1' to 'db2'.", 0) == 0);
}

TEST_CASE("move_role --force replies", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("move_role --force nope db2") == "ERROR: Unknown role name 'nope'!");
    CHECK(t.cmd("move_role --force writer db9") == "ERROR: Unknown host name 'db9'!");
    CHECK(t.cmd("move_role --force reader db2") == "ERROR: move_role --forced may be used for the active master role only!");
    CHECK(t.cmd("move_role --force writer db2") == "ERROR: Can't force move of role to host with state ONLINE.");
    t.fail("db3", CheckKind::RepThreads);
    CHECK(t.cmd("move_role --force writer db3") ==
          "ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2");
    t.fail("db2", CheckKind::RepThreads);
    t.unreachable["db2"] = true;
    CHECK(t.cmd("move_role --force writer db2") == "ERROR: Can't reach agent daemon on 'db2'! Can't move roles there!");
}

TEST_CASE("move_role --force onto the current holder, and onto a role without IP", "[monitor][commands]") {
    SECTION("holder in REPLICATION_FAIL (MANUAL mode keeps its roles)") {
        Harness t(fast_checks());
        settle(t);
        t.cmd("set_manual");
        t.fail("db1", CheckKind::Mysql);
        t.fail("db1", CheckKind::RepThreads);
        t.recover("db1", CheckKind::Mysql);
        REQUIRE(t.state("db1") == "REPLICATION_FAIL");
        REQUIRE(t.core.active_master() == "db1");
        CHECK(t.cmd("move_role --force writer db1") == "OK: Role is on 'db1' already. Skipping command.");
    }
    SECTION("active master role without IP") {
        Config c = fast_checks();
        c.roles[0].ips.clear();
        Harness t(c);
        t.start_fresh();
        t.cmd("set_online db1");
        t.cmd("set_online db2");
        t.advance(61s);
        t.fail("db2", CheckKind::RepThreads);
        REQUIRE(t.state("db2") == "REPLICATION_FAIL");
        CHECK(t.cmd("move_role --force writer db2") == "Error: Role writer has no IP.");
    }
}

TEST_CASE("set_ip replies", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    CHECK(t.cmd("set_ip 192.168.0.50 db2") == "ERROR: This command is only allowed in passive mode");
    t.fail("db2", CheckKind::Mysql);
    t.cmd("set_passive");
    CHECK(t.cmd("set_ip 10.0.0.1 db2") == "ERROR: Unknown ip '10.0.0.1'!");
    CHECK(t.cmd("set_ip 192.168.0.50 db9") == "ERROR: Unknown host name 'db9'!");
    CHECK(t.cmd("set_ip 192.168.0.50 db3") ==
          "ERROR: Host 'db3' can't handle role 'writer'. Following hosts could: db1, db2");
    CHECK(t.cmd("set_ip 192.168.0.50 db2") ==
          "ERROR: Host 'db2' is 'HARD_OFFLINE' at the moment. Can't move role with ip '192.168.0.50' there.");
    t.clear_records();
    CHECK(t.cmd("set_ip 192.168.0.52 db3") == "OK: Set role 'reader(192.168.0.52)' to host 'db3'.");
    CHECK(texts(t.logs) == Lines{"Admin set role 'reader(192.168.0.52)' to host 'db3'"});
    CHECK(t.wire.empty());  // nothing is sent while PASSIVE
    CHECK(t.roles("db3") == "reader(192.168.0.52),reader(192.168.0.53)");
}

TEST_CASE("read-only commands decide nothing and may come while a plan is carried out", "[monitor][commands]") {
    Harness t(fast_checks());
    settle(t);
    Plan p = t.core.on_command("set_offline db3", t.now);
    auto pings = p.all<PingAgent>();
    REQUIRE(pings.size() == 1);
    t.core.on_check_result("db2", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now);  // not yet acted upon...
    for (std::string line : {"show", "checks", "mode", "ping", "help", "checks db1 mysql"}) {
        Plan r = t.core.on_command(line, t.now);
        REQUIRE(r.actions.size() == 1);
        CHECK(std::holds_alternative<Reply>(r.actions[0].body));
    }
    CHECK(t.core.command_pending());
    Plan done = t.core.on_agent_reply("db3", {AgentCall::Ping, pings[0].request, AgentResult::Ok, 12.0, "OK: Pinged!"}, t.now);
    CHECK(done.reply()->rfind("OK: State of 'db3' changed to ADMIN_OFFLINE.", 0) == 0);
}

TEST_CASE("set_offline from REPLICATION_FAIL, and admin exits from ONLINE never count as flaps", "[monitor][commands]") {
    Config c = fast_checks();
    c.monitor.flap_count = 1;
    Harness t(c);
    settle(t);
    t.fail("db3", CheckKind::RepThreads);
    REQUIRE(t.state("db3") == "REPLICATION_FAIL");
    t.clear_records();
    CHECK(t.cmd("set_offline db3").rfind("OK: State of 'db3' changed to ADMIN_OFFLINE.", 0) == 0);
    CHECK(texts(t.logs).at(0) == "Admin changed state of 'db3' from REPLICATION_FAIL to ADMIN_OFFLINE");
    t.recover("db3", CheckKind::RepThreads);
    for (int i = 0; i < 5; ++i) {
        t.cmd("set_online db3");
        REQUIRE(t.state("db3") == "ONLINE");
        t.cmd("set_offline db3");
    }
    CHECK_FALSE(t.core.host("db3").flapping);
}
