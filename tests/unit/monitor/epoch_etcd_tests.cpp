// The epoch with several monitors on etcd (issue 14): a leader's epochs start at a floor from etcd (raise_epoch), and
// an agent's "Stale epoch" reply means a newer leader exists: the core never outbids it (the shell steps down).
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "monitor/core/etcd_codec.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
Config etcd_config() {
    Config c = fast_checks();
    c.monitor.coordination.type = CoordinationType::Etcd;
    c.monitor.coordination.endpoints = {"http://127.0.0.1:2379"};
    return c;
}

void etcd_start_from(Harness& t, const std::optional<std::string>& file) { t.start_from(file); }

// db2's mysql check times out once, half a second on.
Plan db2_mysql_timeout(Harness& t) {
    t.now += 500ms;
    return t.core.on_check_result("db2", CheckKind::Mysql, CheckOutcome::Error, "ERROR: Timeout", t.now);
}

// etcd_config() with trap periods of 2 s (a follower's checks are debounced).
Config etcd_trap_config() {
    Config c = etcd_config();
    for (auto k : all_check_kinds) c.check(k).trap_period = 2s;
    return c;
}
}  // namespace

TEST_CASE("epoch (etcd): raise_epoch raises to the floor and never lowers", "[monitor][epoch][etcd]") {
    Harness t(etcd_config());
    etcd_start_from(t, stored_status_file);
    REQUIRE(t.core.epoch() == 42);
    t.core.raise_epoch(etcd::epoch_floor(7));
    CHECK(t.core.epoch() == etcd::epoch_floor(7));
    t.core.raise_epoch(100);  // below: kept
    CHECK(t.core.epoch() == etcd::epoch_floor(7));
    t.core.raise_epoch(etcd::epoch_floor(7));  // equal: kept
    CHECK(t.core.epoch() == etcd::epoch_floor(7));
    t.core.raise_epoch(0);
    CHECK(t.core.epoch() == etcd::epoch_floor(7));
    t.core.raise_epoch(etcd::epoch_floor(9));
    CHECK(t.core.epoch() == etcd::epoch_floor(9));
    // The next SET_STATUS to every agent carries it.
    for (const char* host : {"db1", "db2", "db3"}) {
        INFO(host);
        REQUIRE(t.core.status_for(host));
        CHECK(t.core.status_for(host)->epoch == etcd::epoch_floor(9));
    }
}

TEST_CASE("epoch (etcd): a role change after raise_epoch counts up from the floor", "[monitor][epoch][etcd]") {
    Harness t(etcd_config());
    etcd_start_from(t, stored_status_file);
    const auto floor = etcd::epoch_floor(12);
    t.core.raise_epoch(floor);
    t.advance(61s);
    t.clear_records();
    t.fail("db1", CheckKind::Mysql);
    REQUIRE(t.core.active_master() == "db2");
    CHECK(t.core.epoch() > floor);
    CHECK(t.core.epoch() < etcd::epoch_floor(13));
}

TEST_CASE("epoch (etcd): an agent's 'Stale epoch' reply does not raise the epoch", "[monitor][epoch][etcd]") {
    Harness t(etcd_config());
    etcd_start_from(t, stored_status_file);
    t.core.raise_epoch(etcd::epoch_floor(5));
    const auto ours = t.core.epoch();
    t.advance(61s);
    t.clear_records();
    const auto newer = etcd::epoch_floor(6) + 3;  // a newer leader's
    t.replies["db2"] = fmt::format("ERROR: Stale epoch {}: this agent has accepted epoch {}", ours, newer);
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.epoch() == ours);
    CHECK(t.logs == std::vector<std::string>{
                        fmt::format("ERROR Agent on host 'db2' refused our epoch {} as stale (ERROR: Stale epoch {}: "
                                    "this agent has accepted epoch {}): another monitor leads now.",
                                    ours, ours, newer)});
    // Nothing the refusal decided is persisted with a higher epoch, and the next SET_STATUS would not outbid it.
    for (const auto& s : t.saved) CHECK(s.find(" epoch=" + std::to_string(newer + 1)) == std::string::npos);
    CHECK(t.core.status_for("db2")->epoch == ours);
    // Nor does a lower accepted epoch, nor a malformed reply.
    t.replies["db2"] = fmt::format("ERROR: Stale epoch {}: this agent has accepted epoch 3", ours);
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.epoch() == ours);
    t.replies["db2"] = "ERROR: Stale epoch 1";
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.epoch() == ours);
}

// A follower's checks (issue 14): after its initial round they go through their trap periods, so the monitor it
// becomes does not take one late sample taken just before the election for a failed host.
TEST_CASE("follower checks (etcd): a failing sample within the trap period does not fail the host at take-over",
          "[monitor][etcd][follower]") {
    const Config c = etcd_trap_config();
    Harness t(c);
    t.initial_checks_ok();
    t.core.follow_checks();
    // One timed-out sample of db2's mysql check, then the election: within the trap period, nothing is reported.
    CHECK(db2_mysql_timeout(t).log_texts().empty());
    t.restore_and_report(stored_status_file);
    CHECK(t.core.host_state("db2") == HostState::Online);
    // Without follow_checks the same sample replaces the initial result, as an unconfirmed failure: db2 stays ONLINE
    // until its trap period has run out, then fails (no sample said otherwise).
    Harness cold(c);
    cold.initial_checks_ok();
    db2_mysql_timeout(cold);
    cold.restore_and_report(stored_status_file);
    CHECK(cold.core.host_state("db2") == HostState::Online);
    cold.advance(2s);
    CHECK(cold.core.host_state("db2") == HostState::HardOffline);
}

TEST_CASE("follower checks (etcd): a failure that outlasts the trap period is reported by the follower",
          "[monitor][etcd][follower]") {
    const Config c = etcd_trap_config();
    Harness t(c);
    t.initial_checks_ok();
    t.core.follow_checks();
    CHECK(db2_mysql_timeout(t).log_texts().empty());
    t.now += 1500ms;
    auto plan = db2_mysql_timeout(t);
    REQUIRE(plan.log_texts().size() == 1);
    CHECK(plan.log_texts()[0].starts_with("Check 'mysql' on 'db2' has failed for 2 seconds!"));
    t.restore_and_report(stored_status_file);
    CHECK(t.core.host_state("db2") != HostState::Online);
}
