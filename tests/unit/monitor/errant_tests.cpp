// Errant transactions and semi-sync (issue 11). A host whose binlog holds transactions the active master lacks gets
// no role, does not return ONLINE by itself, and set_online refuses it, with the GTID range in the log, the reply and
// `show`; semi-sync's state is shown and the active master's fallback to asynchronous replication said.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {

GtidState state(std::uint32_t server_id, std::string_view binlog_state) {
    auto list = GtidList::parse(binlog_state);
    REQUIRE(list);
    return {server_id, *list};
}

void gtid(Harness& t, const std::string& host, std::optional<GtidState> s) {
    t.run(t.core.on_gtid_state(host, std::move(s), t.now.mono, t.now));
}

bool logged(const Harness& t, const std::string& part) {
    const auto logs = texts(t.logs);
    return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

// db1 (the writer) dies with 0-1-1915..0-1-1917 that nobody received; db2 takes over and writes as server 2; db1's
// mysqld comes back AWAITING_RECOVERY.
void old_master_back_with_its_tail(Harness& t) {
    settle(t);
    gtid(t, "db1", state(1, "0-1-1917"));
    gtid(t, "db2", state(2, "0-1-1914"));
    gtid(t, "db3", state(3, "0-1-1914"));
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    t.advance(1s);  // db2's state read after it confirmed the role counts (before, it may still be catching up)
    gtid(t, "db2", state(2, "0-1-1914,0-2-2500"));
    t.recover("db1", CheckKind::Mysql);
    REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
    t.clear_records();
}

// Issue 9 item 12: db1 (the writer) dies after everything it wrote reached db2; its mysqld is back 12 s later (the
// host did not reboot: mysql-mmm's "down for only 12 seconds" applies).
void old_master_back_clean(Harness& t, bool state_read_first) {
    settle(t);
    t.uptime = 5000;
    t.run(t.core.on_agent_reply("db1", {AgentCall::SetStatus, 0, AgentResult::Ok, 5000.0, "OK"}, t.now));
    gtid(t, "db1", state(1, "0-1-1914"));
    gtid(t, "db2", state(2, "0-1-1914"));
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    t.advance(1s);
    gtid(t, "db2", state(2, "0-1-1914,0-2-1920"));  // db2 confirmed the role and writes
    t.advance(11s);
    t.uptime = 5012.5;
    t.clear_records();
    if (state_read_first) gtid(t, "db1", state(1, "0-1-1914,0-2-1916"));  // its GTID read comes before its mysql check
    t.recover("db1", CheckKind::Mysql);
}

bool returned_clean(const Harness& t) {
    return logged(t, "Host 'db1' failed as the active master, but its binlog holds nothing the active master 'db2' "
                     "lacks: it returns by mysql-mmm's rules (monitor.hold_failed_active_master: always would keep it "
                     "until set_online).");
}

}  // namespace

TEST_CASE("errant: the old master's unreplicated tail keeps it out, set_online refuses and says which GTIDs",
          "[monitor][errant]") {
    Harness t(fast_checks());
    old_master_back_with_its_tail(t);
    // Its state was forgotten when it went HARD_OFFLINE: set_online waits for the next read.
    CHECK(t.cmd("set_online db1").starts_with("ERROR: The GTID state of host 'db1' has not been read since it came back"));
    gtid(t, "db1", state(1, "0-1-1917,0-2-2400"));  // it replicated some of db2's writes since
    CHECK(logged(t, "Host 'db1' stays out of every role: it has transactions the active master 'db2' lacks (errant "
                    "GTIDs: after 0-1-1914 up to 0-1-1917)"));
    CHECK(t.cmd("set_online db1") ==
          "ERROR: Host 'db1' can't be switched to ONLINE: it has transactions the active master 'db2' lacks (errant "
          "GTIDs: after 0-1-1914 up to 0-1-1917). Resolve them (re-clone 'db1' from the active master, or apply them "
          "there) first.");
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    CHECK(t.cmd("show").find("# Warning: host db1 gets no role: it has transactions the active master 'db2' lacks "
                             "(errant GTIDs: after 0-1-1914 up to 0-1-1917)") != std::string::npos);
    // Re-cloned from db2: nothing errant any more; set_online works.
    t.clear_records();
    gtid(t, "db1", state(1, "0-1-1914,0-2-2500"));
    CHECK(logged(t, "Host 'db1' has no errant transactions any more."));
    CHECK(t.cmd("set_online db1").starts_with("OK: State of 'db1' changed to ONLINE"));
}

TEST_CASE("errant: without the failed-master hold it does not return ONLINE by itself either", "[monitor][errant]") {
    Config c = fast_checks();
    c.monitor.hold_failed_active_master = HoldFailedMaster::No;
    c.monitor.auto_set_online = 10s;
    Harness t(c);
    old_master_back_with_its_tail(t);
    gtid(t, "db1", state(1, "0-1-1917,0-2-2400"));
    t.advance(30s);
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    gtid(t, "db1", state(1, "0-1-1914,0-2-2500"));
    t.advance(11s);
    CHECK(t.state("db1") == "ONLINE");
}

TEST_CASE("held failed active master: a GTID state with nothing errant lets it return by mysql-mmm's rules",
          "[monitor][errant][failover]") {
    SECTION("its state is read after it came back AWAITING_RECOVERY") {
        Harness t(fast_checks());
        old_master_back_clean(t, false);
        REQUIRE(t.state("db1") == "AWAITING_RECOVERY");  // not known yet: held
        CHECK(logged(t, "Host 'db1' stays AWAITING_RECOVERY although it was down for only 12 seconds"));
        t.clear_records();
        gtid(t, "db1", state(1, "0-1-1914,0-2-1916"));
        CHECK(t.state("db1") == "ONLINE");
        CHECK(returned_clean(t));
        CHECK(logged(t, "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because it was down for only 12 "
                        "seconds"));
        CHECK(t.core.active_master() == "db2");
        CHECK_FALSE(t.roles("db1").empty());
    }
    SECTION("its state was read first: it returns in the step that sees it back") {
        Harness t(fast_checks());
        old_master_back_clean(t, true);
        CHECK(t.state("db1") == "ONLINE");
        CHECK(returned_clean(t));
        CHECK_FALSE(logged(t, "stays AWAITING_RECOVERY"));
    }
    SECTION("errant after all: held, and said") {
        Harness t(fast_checks());
        old_master_back_clean(t, false);
        gtid(t, "db1", state(1, "0-1-1915"));
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        CHECK_FALSE(returned_clean(t));
        CHECK(logged(t, "Host 'db1' stays out of every role"));
    }
    SECTION("hold_failed_active_master: always keeps it until set_online") {
        Config c = fast_checks();
        c.monitor.hold_failed_active_master = HoldFailedMaster::Always;
        Harness t(c);
        old_master_back_clean(t, true);
        gtid(t, "db1", state(1, "0-1-1914,0-2-1918"));
        t.advance(30s);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        CHECK_FALSE(returned_clean(t));
        CHECK(t.cmd("set_online db1").starts_with("OK: State of 'db1' changed to ONLINE"));
    }
    SECTION("no active master read since it confirmed the role: not proven, held") {
        Harness t(fast_checks());
        settle(t);
        t.uptime = 5000;
        t.run(t.core.on_agent_reply("db1", {AgentCall::SetStatus, 0, AgentResult::Ok, 5000.0, "OK"}, t.now));
        gtid(t, "db2", state(2, "0-1-1914"));
        t.fail("db1", CheckKind::Mysql);
        t.advance(12s);
        t.uptime = 5012.5;
        gtid(t, "db1", state(1, "0-1-1914"));
        t.recover("db1", CheckKind::Mysql);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
    }
}

TEST_CASE("errant: an ONLINE replica written to directly loses its roles, the master's own new writes are not errant",
          "[monitor][errant]") {
    Harness t(fast_checks());
    settle(t);
    t.advance(1s);
    gtid(t, "db1", state(1, "0-1-100"));
    gtid(t, "db3", state(3, "0-1-101"));  // db1's newest write reached db3 before db1's state was read again
    CHECK_FALSE(t.roles("db3").empty());
    gtid(t, "db3", state(3, "0-1-101,0-3-102"));  // someone with SUPER wrote on db3
    CHECK(t.roles("db3").empty());
    CHECK(t.state("db3") == "ONLINE");
    CHECK(logged(t, "Host 'db3' stays out of every role: it has transactions the active master 'db1' lacks (errant "
                    "GTIDs: up to 0-3-102 (none of server 3 in domain 0))"));
}

TEST_CASE("errant: a host ahead of a new writer still catching up is not errant", "[monitor][errant]") {
    Harness t(fast_checks());
    settle(t);
    t.advance(1s);
    gtid(t, "db1", state(1, "0-1-500"));
    gtid(t, "db2", state(2, "0-1-300"));
    gtid(t, "db3", state(3, "0-1-500"));  // db3 received more of db1's stream than db2
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    // db2's state as read before its agent confirmed the role (its catch-up from db3 still running): no verdict.
    t.run(t.core.on_gtid_state("db2", state(2, "0-1-300"), t.now.mono - 500ms, t.now));
    CHECK_FALSE(t.roles("db3").empty());
    CHECK_FALSE(logged(t, "stays out of every role"));
    // Read after the confirmation: db2 has all of it.
    t.advance(1s);
    gtid(t, "db2", state(2, "0-1-500,0-2-501"));
    CHECK_FALSE(t.roles("db3").empty());
    CHECK_FALSE(logged(t, "stays out of every role"));
}

TEST_CASE("semi-sync: checks shows it where enabled, the active master's fallback is said once and shown",
          "[monitor][semisync]") {
    Harness t(fast_checks());
    settle(t);
    SemiSyncStatus on{true, true, 2, true, false};
    t.run(t.core.on_semisync("db1", on, t.now));
    const auto checks = t.cmd("checks");
    CHECK(checks.find("db1  semisync     [last change: ") != std::string::npos);
    CHECK(checks.find("master ON (2 replicas), replica enabled but OFF\n") != std::string::npos);
    CHECK(checks.find("db2  semisync") == std::string::npos);  // nothing known there: mysql-mmm's lines only
    SemiSyncStatus fell = on;
    fell.master_on = false;
    fell.master_clients = 0;
    t.run(t.core.on_semisync("db1", fell, t.now));
    t.advance(1s);
    t.run(t.core.on_semisync("db1", fell, t.now));
    const auto logs = texts(t.logs);
    CHECK(std::count_if(logs.begin(), logs.end(), [](const std::string& l) {
              return l.starts_with("Semi-sync replication on the active master 'db1' fell back to asynchronous");
          }) == 1);
    CHECK(t.cmd("show").find("# Warning: semi-sync replication on the active master db1 fell back to asynchronous") !=
          std::string::npos);
    t.run(t.core.on_semisync("db1", on, t.now));
    CHECK(logged(t, "Semi-sync replication on the active master 'db1' is ON again (2 semi-sync replicas)"));
    CHECK(t.cmd("show").find("fell back") == std::string::npos);
}

TEST_CASE("failover loss report: what the failed writer was last seen with and its successor lacks is said",
          "[monitor][errant]") {
    Harness t(fast_checks());
    settle(t);
    t.advance(1s);
    gtid(t, "db1", state(1, "0-1-500"));
    gtid(t, "db2", state(2, "0-1-480"));
    t.advance(200ms);
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    CHECK_FALSE(logged(t, "Failover from 'db1'"));  // not before db2's state is read after it confirmed the role
    t.advance(1s);
    gtid(t, "db2", state(2, "0-1-480,0-2-481"));
    CHECK(logged(t, "Failover from 'db1': at least 20 transactions written on 'db1' reached no surviving host and are "
                    "not on the new active master 'db2' (0-1-500 after 0-1-480; binlog state read 200 ms before it was "
                    "declared failed); they stay in the binlog of 'db1' (errant when it returns)"));
    t.clear_records();
    gtid(t, "db2", state(2, "0-1-480,0-2-490"));
    CHECK_FALSE(logged(t, "Failover from 'db1'"));  // said once
}

TEST_CASE("failover loss report: nothing lost that was seen, said too", "[monitor][errant]") {
    Harness t(fast_checks());
    settle(t);
    t.advance(1s);
    gtid(t, "db1", state(1, "0-1-500"));
    t.fail("db1", CheckKind::Mysql);
    t.advance(1s);
    gtid(t, "db2", state(2, "0-1-500,0-2-501"));
    CHECK(logged(t, "Failover from 'db1': the new active master 'db2' has every transaction 'db1' was last seen with "
                    "(binlog state read 0 ms before it was declared failed); anything written after that read is "
                    "unknown"));
}
