// The writer lease, monitor side (issue 10): the lease field, its renewal cadence through heartbeats()/next_heartbeat(),
// and failed renewals said once per streak.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
std::vector<std::string> hosts_of(const std::vector<std::string>& requests) {
    std::vector<std::string> out;
    for (const auto& r : requests) out.push_back(r.substr(13, 3));  // "SET_STATUS|1|db1|..."
    return out;
}
}  // namespace

TEST_CASE("lease: the default is the mysql check's trap_period, renewed every third of it", "[monitor][lease]") {
    Config c = cluster_config();
    CHECK(c.writer_lease() == 10s);
    CHECK(c.writer_lease_renewal() == 3s);  // status_interval caps it
    c.monitor.writer_lease = 1500ms;
    CHECK(c.writer_lease_renewal() == 500ms);
    c.monitor.writer_lease = 0ms;
    CHECK(c.writer_lease() == 0ms);
}

TEST_CASE("lease: the active master is renewed every writer_lease/3, the others every status_interval",
          "[monitor][lease]") {
    Harness t(with_lease(1500ms));
    settle(t);
    // The first heartbeats go to everyone at once.
    CHECK(t.core.next_heartbeat() <= t.now.mono);
    CHECK(hosts_of(t.heartbeat()) == std::vector<std::string>{"db1", "db2", "db3"});
    REQUIRE(t.core.next_heartbeat());
    CHECK(*t.core.next_heartbeat() == t.now.mono + 500ms);
    std::vector<std::string> seen;
    for (int i = 0; i < 6; ++i) {  // 3 s in steps of 500 ms
        t.now += 500ms;
        for (const auto& h : hosts_of(t.heartbeat())) seen.push_back(h);
    }
    CHECK(std::count(seen.begin(), seen.end(), "db1") == 6);
    CHECK(std::count(seen.begin(), seen.end(), "db2") == 1);  // at 3 s
    CHECK(std::count(seen.begin(), seen.end(), "db3") == 1);
    for (const auto& r : t.requests)
        if (r.starts_with("SET_STATUS|1|db1|")) CHECK(r.ends_with("|lease=1500\n"));
}

TEST_CASE("lease: no second heartbeat to an agent whose last one is unanswered, the writer's renewals overlap",
          "[monitor][lease]") {
    Harness t(with_lease(1500ms));
    settle(t);
    auto first = t.core.heartbeats(t.now);
    REQUIRE(first.size() == 3);
    // The active master's agent answers only after acting (a catch-up may outlast the lease): up to three renewals
    // are on their way at once; the others get one at a time.
    t.now += 3s;
    auto second = t.core.heartbeats(t.now);
    REQUIRE(second.size() == 1);
    CHECK(second[0].host == "db1");
    t.now += 500ms;
    CHECK(t.core.heartbeats(t.now).size() == 1);
    t.now += 500ms;
    CHECK(t.core.heartbeats(t.now).empty());  // three unanswered
    CHECK(t.core.next_heartbeat() == std::nullopt);
    t.run(t.core.on_agent_reply("db1", t.answer(AgentCall::SetStatus, 0, "db1"), t.now));
    auto again = t.core.heartbeats(t.now);
    REQUIRE(again.size() == 1);
    CHECK(again[0].host == "db1");
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.heartbeats(t.now).size() == 1);  // db2 again: its last one is answered and 4 s old
}

TEST_CASE("lease: a failing renewal is an ERROR once per streak, and its end is said", "[monitor][lease]") {
    Harness t(with_lease(1500ms));
    settle(t);
    t.heartbeat();
    t.clear_records();
    t.no_reply["db1"] = true;
    for (int i = 0; i < 3; ++i) {
        t.now += 500ms;
        t.heartbeat();
    }
    t.no_reply["db1"] = false;
    t.replies["db1"] = "ERROR: lease=abc is malformed";
    t.now += 500ms;
    t.heartbeat();
    CHECK(t.logs == std::vector<std::string>{
                        "FATAL Can't reach agent on host 'db1'",
                        "ERROR Could not renew the writer lease of 'db1' (no reply before the deadline): its agent fences "
                        "the host 1500 ms after the last renewal it received unless one gets through; said once until a "
                        "renewal succeeds",
                        "FATAL Agent on host 'db1' is reachable again"});  // the ERROR reply: reached, not renewed
    t.clear_records();
    t.replies.erase("db1");
    t.now += 500ms;
    t.heartbeat();
    CHECK(t.logs == std::vector<std::string>{"INFO Writer lease of 'db1' renewed again"});
}

TEST_CASE("lease: writer_lease 0 sends no lease and renews nothing more often", "[monitor][lease]") {
    Harness t(with_lease(0ms));
    settle(t);
    t.heartbeat();
    CHECK(*t.core.next_heartbeat() == t.now.mono + 3s);
    for (const auto& r : t.requests) CHECK(r.find("lease=") == std::string::npos);
}

// ---- the promotion wait ------------------------------------------------------------------------------------------

namespace {
// db1 is the writer with a 1000 ms lease, renewed by a heartbeat at t0 (returned); records cleared.
SteadyTime writer_renewed(Harness& t) {
    settle(t);
    t.heartbeat();
    t.clear_records();
    return t.now.mono;
}
bool told_writer(const Harness& t, const std::string& host) {
    return std::any_of(t.requests.begin(), t.requests.end(), [&](const std::string& r) {
        return r.starts_with("SET_STATUS|1|" + host + "|") && r.find("writer(192.168.0.50)") != std::string::npos;
    });
}
}  // namespace

TEST_CASE("promotion wait: an old writer that did not confirm nor was fenced keeps the new one waiting for its lease",
          "[monitor][lease]") {
    Harness t(with_lease(1000ms));
    const SteadyTime t0 = writer_renewed(t);
    t.unreachable["db1"] = true;  // cut off: the connection is never made, so nothing renews its lease after t0
    t.kill_fails["db1"] = true;   // and kill_host_bin cannot fence it
    t.now += 300ms;
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.core.active_master() == "db2");  // assigned ...
    CHECK_FALSE(told_writer(t, "db2"));      // ... but not given
    CHECK(t.logged("INFO Waiting 900 ms for the writer lease of 'db1' to run out before giving role "
                    "'writer(192.168.0.50)' to 'db2'"));  // t0 + 1000 ms + margin (100 + 100 ms) - 300 ms
    REQUIRE(t.core.next_deadline());
    CHECK(*t.core.next_deadline() == t0 + 1200ms);
    // Heartbeats leave the role out meanwhile.
    CHECK(t.core.status_for("db2")->roles == std::vector<RoleIp>{{"reader", "192.168.0.52"}});
    CHECK_FALSE(t.core.status_for("db2")->lease);
    t.advance(899ms);
    CHECK_FALSE(told_writer(t, "db2"));
    t.advance(1ms);
    CHECK(told_writer(t, "db2"));
    CHECK(t.requests.back().ends_with("|lease=1000\n"));
    CHECK(std::count_if(t.logs.begin(), t.logs.end(),
                        [](const std::string& l) { return l.find("Waiting") != std::string::npos; }) == 1);
}

TEST_CASE("promotion wait: a request that was sent but got no reply counts until the monitor gave up on it",
          "[monitor][lease]") {
    Harness t(with_lease(1000ms));
    const SteadyTime t0 = writer_renewed(t);
    t.no_reply["db1"] = true;  // written, never answered: the agent may have renewed until the connection closed
    t.kill_fails["db1"] = true;
    t.now += 500ms;
    t.heartbeat();  // gives up at t0 + 500 ms
    t.now += 100ms;
    t.fail("db1", CheckKind::Mysql);
    CHECK(t.core.active_master() == "db2");
    CHECK_FALSE(told_writer(t, "db2"));
    REQUIRE(t.core.next_deadline());
    CHECK(*t.core.next_deadline() == t0 + 500ms + 1200ms);
    t.advance_to_deadline();
    CHECK(told_writer(t, "db2"));
}

TEST_CASE("promotion wait: none after a confirmed drop, a successful kill_host_bin, or with writer_lease 0",
          "[monitor][lease]") {
    SECTION("the old writer's agent confirms it dropped the role") {
        Harness t(with_lease(1000ms));
        writer_renewed(t);
        t.fail("db1", CheckKind::Mysql);
        CHECK(told_writer(t, "db2"));
        CHECK(t.wire.front().starts_with("SET_STATUS db1 HARD_OFFLINE  "));  // told first, confirmed, then db2
    }
    SECTION("kill_host_bin fences it") {
        Harness t(with_lease(1000ms));
        writer_renewed(t);
        t.unreachable["db1"] = true;
        t.fail("db1", CheckKind::Mysql);
        CHECK(told_writer(t, "db2"));
        CHECK(std::find(t.wire.begin(), t.wire.end(), "KILL db1 1") != t.wire.end());
    }
    SECTION("writer_lease 0: mysql-mmm's behaviour") {
        Harness t(with_lease(0ms));
        writer_renewed(t);
        t.unreachable["db1"] = true;
        t.kill_fails["db1"] = true;
        t.fail("db1", CheckKind::Mysql);
        CHECK(told_writer(t, "db2"));
    }
    SECTION("an accepted drop (the agent gives its lease up on acceptance) needs no wait, a refused one does") {
        const std::vector<std::pair<std::string, bool>> cases = {
            {"OK: Status accepted; still applying it", false},
            {"ERROR: DenyWrites: Can't connect to local server through socket", false},  // its pass goes on fencing
            {"ERROR: Stale epoch 5: this agent has accepted epoch 9", true},
            {"ERROR: The monitor closed the connection before this request was handled; nothing applied", true}};
        for (const auto& [reply, waits] : cases) {
            INFO(reply);
            Harness t(with_lease(1000ms));
            writer_renewed(t);
            t.replies["db1"] = reply;
            t.kill_fails["db1"] = true;
            t.fail("db1", CheckKind::Mysql);
            CHECK(told_writer(t, "db2") == !waits);
            t.advance_to_deadline();
            CHECK(told_writer(t, "db2"));
        }
    }
}

TEST_CASE("promotion wait: an admin's move_role waits for the old writer's confirmation, not for its lease",
          "[monitor][lease]") {
    Harness t(with_lease(1000ms));
    writer_renewed(t);
    t.cmd("move_role writer db2");
    CHECK(t.core.active_master() == "db2");
    CHECK(told_writer(t, "db2"));
    CHECK(t.core.next_deadline() == std::nullopt);
}
