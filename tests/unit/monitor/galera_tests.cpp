// Galera nodes in the monitor core (issue 15): the wsrep check decides, the writer moves without a peer to wait for,
// a replica of the cluster follows the writer node, and a node taken out for maintenance returns once Synced.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "monitor/core/galera_sanity.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {

using Lines = std::vector<std::string>;

// db1 and db2 Galera nodes (writer on either), db3 an asynchronous replica of the cluster.
Config galera_config() {
    Config c = fast_checks();
    for (auto& h : c.hosts) {
        if (h.name != "db3") h.mode = HostMode::Galera;
        h.peer.clear();
    }
    return c;
}

void settle_galera(Harness& t) {
    t.start_online();
    t.advance(61s);
    t.clear_records();
}

}  // namespace

TEST_CASE("galera: a node out of the Primary component loses the writer, the replica follows the new writer node",
          "[monitor][galera]") {
    Harness t(galera_config());
    settle_galera(t);
    REQUIRE(t.core.active_master() == "db1");
    // The replication checks do not run on a Galera node: a stray result is ignored.
    t.check("db1", CheckKind::RepThreads, CheckOutcome::Error, "ERROR: Replication is not set up");
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.logs.empty());

    t.fail("db1", CheckKind::Wsrep, "ERROR: Not in the Primary component (wsrep_cluster_status non-Primary)");
    CHECK(t.state("db1") == "REPLICATION_FAIL");
    CHECK(t.logged("FATAL State of host 'db1' changed from ONLINE to REPLICATION_FAIL"));
    CHECK(t.core.active_master() == "db2");
    CHECK(t.roles("db1").empty());
    // No hint to force a stale replica: a Galera node has nothing of its own to catch up.
    CHECK_FALSE(t.logged_prefix("WARN Host 'db1' stays in state REPLICATION_FAIL"));
    // The replica is told its new source, after the old writer dropped the role and before the new one takes it.
    const auto told = [&](const std::string& prefix) {
        return std::find_if(t.wire.begin(), t.wire.end(), [&](const std::string& w) { return w.starts_with(prefix); }) -
               t.wire.begin();
    };
    const auto old_writer = told("SET_STATUS db1 REPLICATION_FAIL");
    const auto replica = told("SET_STATUS db3 ONLINE");
    const auto new_writer = told("SET_STATUS db2 ONLINE");
    REQUIRE(new_writer < static_cast<long>(t.wire.size()));
    CHECK(t.wire[static_cast<std::size_t>(replica)].ends_with(" db2"));
    CHECK(old_writer < replica);
    CHECK(replica < new_writer);

    // Synced again: ONLINE by itself, no set_online and no hold as a failed active master.
    t.clear_records();
    t.recover("db1", CheckKind::Wsrep);
    CHECK(t.state("db1") == "ONLINE");
    CHECK(t.logged("FATAL State of host 'db1' changed from REPLICATION_FAIL to ONLINE"));
    CHECK(t.core.active_master() == "db2");  // no prefer: the writer stays where it is
}

TEST_CASE("galera: a replica with sources replicates from the first ONLINE one, from the writer node when none is",
          "[monitor][galera]") {
    Config c = galera_config();
    c.hosts[2].sources = {"db2"};  // db3 off the writer node db1
    Harness t(c);
    settle_galera(t);
    REQUIRE(t.core.active_master() == "db1");
    const auto master_of_db3 = [&] { return t.core.status_for("db3").value().active_master; };
    CHECK(master_of_db3() == "db2");
    // Its source desyncs: db3 is told the writer node, and its replication is judged against that one.
    t.clear_records();
    t.fail("db2", CheckKind::Wsrep, "ERROR: Node is Donor/Desynced (wsrep_local_state 2), not Synced");
    CHECK(t.state("db2") == "REPLICATION_FAIL");
    CHECK(master_of_db3() == "db1");
    const auto told_db3 = [&](const std::string& master) {
        return std::any_of(t.wire.begin(), t.wire.end(), [&](const std::string& w) {
            return w.starts_with("SET_STATUS db3 ONLINE ") && w.ends_with(" " + master);
        });
    };
    CHECK(told_db3("db1"));
    CHECK(t.state("db3") == "ONLINE");
    // Synced again: back to its configured source, the writer untouched.
    t.clear_records();
    t.recover("db2", CheckKind::Wsrep);
    CHECK(t.state("db2") == "ONLINE");
    CHECK(master_of_db3() == "db2");
    CHECK(told_db3("db2"));
    CHECK(t.core.active_master() == "db1");
}

TEST_CASE("galera: a node killed as the writer comes back ONLINE once Synced, not held", "[monitor][galera]") {
    Harness t(galera_config());
    settle_galera(t);
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.core.active_master() == "db2");
    // Back while joining (SST): not Synced yet.
    t.fail("db1", CheckKind::Wsrep, "ERROR: Node is Joiner (wsrep_local_state 1), not Synced");
    t.recover("db1", CheckKind::Mysql);
    CHECK(t.state("db1") == "REPLICATION_FAIL");
    t.recover("db1", CheckKind::Wsrep);
    CHECK(t.state("db1") == "ONLINE");
    CHECK_FALSE(t.logged_prefix("WARN Host 'db1' was the active master when it failed"));
}

TEST_CASE("galera: set_offline for maintenance, set_online only once the node is Synced again", "[monitor][galera]") {
    Harness t(galera_config());
    settle_galera(t);
    CHECK(t.cmd("set_offline db1").starts_with("OK:"));
    CHECK(t.state("db1") == "ADMIN_OFFLINE");
    CHECK(t.core.active_master() == "db2");
    // The operator desyncs it for a backup: it stays ADMIN_OFFLINE, and set_online waits for it.
    t.fail("db1", CheckKind::Wsrep, "ERROR: Node is Donor/Desynced (wsrep_local_state 2), not Synced");
    CHECK(t.state("db1") == "ADMIN_OFFLINE");
    CHECK(t.cmd("set_online db1") ==
          "ERROR: Host 'db1' is not a Synced node of the Primary component (ERROR: Node is Donor/Desynced "
          "(wsrep_local_state 2), not Synced). It can't be switched to ONLINE before it is.");
    t.recover("db1", CheckKind::Wsrep);
    CHECK(t.cmd("set_online db1").starts_with("OK: State of 'db1' changed to ONLINE."));
    CHECK(t.state("db1") == "ONLINE");
}

TEST_CASE("galera: checks lists the wsrep check on Galera nodes and the replication checks elsewhere",
          "[monitor][galera]") {
    Harness t(galera_config());
    settle_galera(t);
    const auto text = t.cmd("checks all");
    CHECK(text.find("db1  wsrep") != std::string::npos);
    CHECK(text.find("db1  rep_threads") == std::string::npos);
    CHECK(text.find("db3  rep_threads") != std::string::npos);
    CHECK(text.find("db3  wsrep") == std::string::npos);
    CHECK(t.cmd("checks db3 wsrep") == "ERROR: Check 'wsrep' does not run on host 'db3' (mode slave)!");
}

TEST_CASE("galera settings: what a replica of the cluster needs, checked at start-up", "[monitor][galera]") {
    const auto node = [](std::string host, long long server_id, long long domain) {
        GaleraNodeSettings n;
        n.host = std::move(host);
        n.wsrep_on = n.wsrep_gtid_mode = n.log_bin = n.log_slave_updates = true;
        n.wsrep_gtid_domain_id = 100;
        n.gtid_domain_id = domain;
        n.server_id = server_id;
        return n;
    };
    std::vector<GaleraNodeSettings> nodes{node("db1", 10, 1), node("db2", 10, 2), node("db3", 10, 3)};
    CHECK(galera_setting_warnings(nodes, true).empty());
    const auto texts = [](const std::vector<SanityWarning>& ws) {
        Lines out;
        for (const auto& w : ws) out.push_back(w.text);
        return out;
    };
    nodes[1].server_id = 11;
    nodes[2].log_slave_updates = false;
    CHECK(texts(galera_setting_warnings(nodes, true)) ==
          Lines{"Galera node 'db3' has log_slave_updates=OFF: a replica of the cluster is repointed by GTID, which "
                "needs log_slave_updates=ON on every node, so that each binlogs what the others write",
                "The Galera nodes have different server_id values (db1: 10, db2: 11, db3: 10): a replica of the "
                "cluster is repointed by GTID, which needs one server_id on every node, so that a write set has the "
                "same GTID everywhere"});
    // Without replicas those do not matter; a node without wsrep and a shared domain always do.
    nodes[0].wsrep_on = false;
    nodes[2].gtid_domain_id = 100;
    nodes[1].failure = "2003 Can't connect";
    const auto ws = galera_setting_warnings(nodes, false);
    CHECK(texts(ws) ==
          Lines{"Host 'db1' is a Galera node in the configuration (mode galera) but its server has wsrep_on=OFF",
                "Couldn't read the Galera settings of 'db2': 2003 Can't connect",
                "Galera node 'db3': gtid_domain_id is the same as wsrep_gtid_domain_id (100); MariaDB asks for a "
                "gtid_domain_id of its own on each node, so that a local transaction never takes a GTID in the "
                "cluster's domain"});
    CHECK(ws[1].finding == SanityFinding::Skipped);
}

TEST_CASE("galera: serving state transfers is no flapping, leaving the Primary component again and again is",
          "[monitor][galera]") {
    const std::string donor = "ERROR: Node is Donor/Desynced (wsrep_local_state 2), not Synced";
    const std::string minority = "ERROR: Not in the Primary component (wsrep_cluster_status non-Primary)";
    for (const auto& text : {donor, minority}) {
        DYNAMIC_SECTION(text) {
            Harness t(galera_config());
            settle_galera(t);
            REQUIRE(t.core.config().monitor.flap_count == 3);
            for (int i = 0; i < 5; ++i) {
                t.fail("db2", CheckKind::Wsrep, text);
                t.advance(10s);
                t.recover("db2", CheckKind::Wsrep);
                t.advance(10s);
            }
            if (text == donor) {
                CHECK(t.state("db2") == "ONLINE");
                CHECK_FALSE(t.logged("FATAL Host db2 is flapping!"));
            } else {
                CHECK(t.state("db2") == "AWAITING_RECOVERY");
                CHECK(t.logged("FATAL Host db2 is flapping!"));
            }
        }
    }
}

TEST_CASE("galera: a flapping node back from HARD_OFFLINE waits in AWAITING_RECOVERY for set_online",
          "[monitor][galera]") {
    // e2e_galera (e): the writer node's fourth exit from ONLINE within flap_duration is a cut that the monitor sees as
    // HARD_OFFLINE. Its return says nothing of flapping (mysql-mmm's HARD_OFFLINE -> AWAITING_RECOVERY); "Host db1
    // is flapping!" is the line that does, and the node waits, Synced or not.
    Harness t(galera_config());
    settle_galera(t);
    REQUIRE(t.core.config().monitor.flap_count == 3);
    for (int i = 0; i < 3; ++i) {
        t.fail("db1", CheckKind::Wsrep, "ERROR: Not in the Primary component (wsrep_cluster_status non-Primary)");
        t.advance(10s);
        t.recover("db1", CheckKind::Wsrep);
        t.advance(10s);
        REQUIRE(t.state("db1") == "ONLINE");
    }
    CHECK_FALSE(t.logged("FATAL Host db1 is flapping!"));
    t.clear_records();
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.state("db1") == "HARD_OFFLINE");
    CHECK(t.logged("FATAL Host db1 is flapping!"));
    t.advance(10s);
    t.recover("db1", CheckKind::Mysql);
    CHECK(t.logged("FATAL State of host 'db1' changed from HARD_OFFLINE to AWAITING_RECOVERY"));
    t.advance(60s);
    t.recover("db1", CheckKind::Wsrep);
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    CHECK(t.cmd("set_online db1").starts_with("OK: State of 'db1' changed to ONLINE."));
    CHECK(t.state("db1") == "ONLINE");
}
