// host_transition (§4.3 as a pure function): one case per rule, and where mmm differs from mysql-mmm.
#include <catch2/catch.hpp>

#include "monitor/core/host_rules.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;

namespace {
HostFacts healthy(HostState state) {
    HostFacts f;
    f.state = state;
    f.ping = f.mysql = f.threads = f.backlog = true;
    f.someone_active_master = true;
    f.can_be_active_master = true;
    f.peer_online = f.peer_reachable = true;
    return f;
}
}  // namespace

TEST_CASE("host rules: ONLINE leaves for a failure with the checks in the line, and drops its roles",
          "[monitor][host_rules]") {
    auto f = healthy(HostState::Online);
    CHECK_FALSE(host_transition(f));
    f.mysql = false;
    const auto t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::HardOffline);
    CHECK(t->because == " (ping: OK, mysql: not OK)");
    CHECK(t->roles == HostTransition::Roles::Drop);
    CHECK(t->reason == "host went HARD_OFFLINE: drop its roles");

    f = healthy(HostState::Online);
    f.threads = false;
    CHECK(host_transition(f)->to == HostState::ReplicationFail);
    f.active_master = true;  // the active master's replication is ignored
    CHECK_FALSE(host_transition(f));
    f.active_master = false;
    f.peer_in_grace = true;  // its peer came ONLINE less than 60 s ago
    CHECK_FALSE(host_transition(f));
    f.peer_in_grace = false;
    f.peer_reachable = false;
    CHECK_FALSE(host_transition(f));
    f = healthy(HostState::Online);
    f.backlog = false;
    CHECK(host_transition(f)->to == HostState::ReplicationDelay);
}

TEST_CASE("host rules: AWAITING_RECOVERY returns by uptime, auto_set_online or, flapping, flap_duration",
          "[monitor][host_rules]") {
    auto f = healthy(HostState::AwaitingRecovery);
    CHECK_FALSE(host_transition(f));  // no rule applies: it waits for set_online
    f.down_for_s = 12;
    auto t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::Online);
    CHECK(t->because == " because it was down for only 12 seconds");
    CHECK(t->rule == "it was down for only 12 seconds");
    CHECK(t->subject == "host");

    f.down_for_s.reset();
    f.auto_set_online = 60s;
    f.waiting = 59s;
    CHECK_FALSE(host_transition(f));
    f.waiting = 61s;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->because == " because of auto_set_online(60 seconds). It was in state AWAITING_RECOVERY for 61 seconds");

    f.flapping = true;
    f.flap_duration = 3600s;
    f.quiet = 3599s;
    CHECK_FALSE(host_transition(f));
    f.quiet = 3600s;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->subject == "flapping host");
    CHECK(t->because.starts_with(" because of auto_set_online and flap_duration(3600) seconds passed"));

    f = healthy(HostState::AwaitingRecovery);
    f.ping = false;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::HardOffline);
    CHECK(t->because.empty());
    CHECK(t->roles == HostTransition::Roles::Keep);
}

TEST_CASE("host rules: HARD_OFFLINE back, replication counts only with an active master to replicate from",
          "[monitor][host_rules]") {
    auto f = healthy(HostState::HardOffline);
    f.threads = false;
    CHECK(host_transition(f)->to == HostState::ReplicationFail);
    f.someone_active_master = false;  // nobody to replicate from: a master candidate is not judged by it
    CHECK(host_transition(f)->to == HostState::AwaitingRecovery);
    f.can_be_active_master = false;  // a slave is
    CHECK(host_transition(f)->to == HostState::ReplicationFail);
    f.mysql = false;
    CHECK_FALSE(host_transition(f));
}

TEST_CASE("host rules: REPLICATION_* hosts stay while replication is not OK, even with their peer down",
          "[monitor][host_rules]") {
    auto f = healthy(HostState::ReplicationFail);
    f.threads = false;
    f.peer_online = false;  // mysql-mmm would set it ONLINE here (stale data as a writer candidate)
    CHECK_FALSE(host_transition(f));
    f.threads = true;
    f.backlog = false;
    CHECK(host_transition(f)->to == HostState::ReplicationDelay);
    f.backlog = true;
    auto t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::Online);
    CHECK(t->rule == "its replication is OK again");
    f.flapping = true;
    CHECK(host_transition(f)->to == HostState::AwaitingRecovery);
    CHECK(host_transition(f)->because == " (because it's flapping)");
    f = healthy(HostState::ReplicationDelay);
    f.mysql = false;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::HardOffline);
    CHECK(t->roles == HostTransition::Roles::TellOrKill);
    CHECK_FALSE(host_transition(healthy(HostState::AdminOffline)));
}

TEST_CASE("host rules: a Galera node holds roles only while Synced in the Primary component", "[monitor][host_rules][galera]") {
    auto f = healthy(HostState::Online);
    f.galera = true;
    f.peer_online = f.peer_reachable = false;  // a Galera node has no peer
    CHECK_FALSE(host_transition(f));
    f.threads = false;  // its wsrep check: not Synced, or not in the Primary component
    f.active_master = true;  // the writer node too: it must give the writer up
    auto t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::ReplicationFail);
    CHECK(t->roles == HostTransition::Roles::Drop);
    // Synced again: ONLINE (no hold, no peer to wait for).
    f = healthy(HostState::ReplicationFail);
    f.galera = true;
    f.someone_active_master = false;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::Online);
    // Back from HARD_OFFLINE while joining (not Synced): REPLICATION_FAIL even with no active master anywhere.
    f = healthy(HostState::HardOffline);
    f.galera = true;
    f.someone_active_master = false;
    f.threads = false;
    CHECK(host_transition(f)->to == HostState::ReplicationFail);
    f.threads = true;
    CHECK(host_transition(f)->to == HostState::AwaitingRecovery);
    // Waiting and Synced: ONLINE by itself (its data is the cluster's), with the reason in the audit line.
    f = healthy(HostState::AwaitingRecovery);
    f.galera = true;
    t = host_transition(f);
    REQUIRE(t);
    CHECK(t->to == HostState::Online);
    CHECK(t->because == " because it is Synced in the Primary component again");
    f.threads = false;
    CHECK_FALSE(host_transition(f));
}
