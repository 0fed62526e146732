// The monitor's role-assignment epoch (issue 10): persisted in the status file, +1 after a restart and on every role
// change, sent with every SET_STATUS, and raised above an agent's when the agent refuses ours as stale.
#include <catch2/catch.hpp>

#include <algorithm>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

TEST_CASE("status file: the epoch is version 3's header field and is read back", "[monitor][epoch]") {
    StoredStatus s;
    s.epoch = 42;
    s.hosts = {{"db1", HostState::AwaitingRecovery, {}, true},
               {"db2", HostState::Online, protocol::parse_roles("writer(192.168.0.50)"), false}};
    const std::string text = format_status_file(s);
    CHECK(text == "# mmm-status 3 mode=ACTIVE epoch=42\n"
                  "db1|AWAITING_RECOVERY||failed_active_master\n"
                  "db2|ONLINE|writer(192.168.0.50)\n");
    auto back = parse_status_file(text, "f");
    REQUIRE(back);
    CHECK(*back == s);
    // Versions 1 and 2 and mysql-mmm's file carry none.
    CHECK(parse_status_file("# mmm-status 1 mode=ACTIVE\ndb1|ONLINE|\n", "f")->epoch == 0);
    CHECK(parse_status_file("# mmm-status 2 mode=ACTIVE\ndb1|ONLINE||failed_active_master\n", "f")->epoch == 0);
    CHECK(parse_status_file("db1|ONLINE|\n", "f")->epoch == 0);
}

TEST_CASE("epoch: a restarted monitor supersedes its earlier self, every SET_STATUS carries it", "[monitor][epoch]") {
    SECTION("no status file: epoch 1") {
        Harness t;
        t.start_from(std::nullopt);
        CHECK(t.core.epoch() >= 1);
        CHECK(t.saved.back().find(fmt::format(" epoch={}\n", t.core.epoch())) != std::string::npos);
    }
    SECTION("stored epoch 41: 42, and the start-up's SET_STATUS lines carry it") {
        Harness t;
        t.start_from(stored_status_file);
        CHECK(t.core.epoch() == 42);  // the roles were kept where they were: no role change, no further bump
        REQUIRE_FALSE(t.requests.empty());
        for (const auto& r : t.requests) CHECK(r.find("|epoch=42") != std::string::npos);
        CHECK(t.saved.back().rfind("# mmm-status 3 mode=ACTIVE epoch=42\n", 0) == 0);
        for (const auto& s : t.core.all_statuses()) CHECK(s.epoch == 42);
    }
}

TEST_CASE("epoch: every change of the role assignment raises it", "[monitor][epoch]") {
    Harness t(fast_checks());
    t.start_from(stored_status_file);
    t.advance(61s);
    const auto before = t.core.epoch();
    t.clear_records();
    t.fail("db1", CheckKind::Mysql);  // db1's roles are taken (told first), then the writer and reader move
    REQUIRE(t.core.active_master() == "db2");
    const auto after = t.core.epoch();
    CHECK(after > before);
    REQUIRE_FALSE(t.requests.empty());
    for (const auto& r : t.requests) {
        const auto e = std::stoull(r.substr(r.rfind("|epoch=") + 7));
        CHECK(e > before);
        CHECK(e <= after);
    }
    CHECK(t.requests.back() == fmt::format("SET_STATUS|1|db2|ONLINE|reader(192.168.0.52),writer(192.168.0.50)|db2|"
                                           "epoch={}\n", after));  // the new writer gets the latest
    CHECK(t.saved.back().find(fmt::format(" epoch={}\n", after)) != std::string::npos);
    // A check result that changes no role leaves it.
    t.recover("db3", CheckKind::Ping);
    CHECK(t.core.epoch() == after);
}

TEST_CASE("epoch: an agent's 'Stale epoch' reply is an ERROR and the epoch jumps above the agent's", "[monitor][epoch]") {
    Harness t(fast_checks());
    t.start_from(stored_status_file);
    t.advance(61s);
    t.clear_records();
    t.replies["db2"] = "ERROR: Stale epoch 42: this agent has accepted epoch 97";
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.epoch() == 98);
    CHECK(t.logs == std::vector<std::string>{
                        "ERROR Agent on host 'db2' refused our epoch 42 as stale (ERROR: Stale epoch 42: this agent has "
                        "accepted epoch 97): another monitor or an older status file? Continuing with epoch 98; the next "
                        "heartbeat retries."});
    REQUIRE_FALSE(t.saved.empty());
    CHECK(t.saved.back().rfind("# mmm-status 3 mode=ACTIVE epoch=98\n", 0) == 0);  // persisted
    CHECK(t.core.status_for("db2")->epoch == 98);                                    // the next heartbeat retries
    // A lower accepted epoch than ours (an agent that raced ahead of an older reply) does not lower it.
    t.replies["db2"] = "ERROR: Stale epoch 90: this agent has accepted epoch 95";
    t.run(t.core.on_agent_reply("db2", t.answer(AgentCall::SetStatus, 0, "db2"), t.now));
    CHECK(t.core.epoch() == 98);
}

TEST_CASE("epoch: a decision is saved before any agent is told of it (a monitor killed in between restarts above it)",
          "[monitor][epoch]") {
    Harness t(fast_checks());
    settle(t);
    const Plan p = t.run(t.core.on_check_result("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x", t.now));
    const auto first_send = std::find_if(p.actions.begin(), p.actions.end(),
                                         [](const Action& a) { return std::holds_alternative<SendStatus>(a.body); });
    const auto first_save = std::find_if(p.actions.begin(), p.actions.end(),
                                         [](const Action& a) { return std::holds_alternative<SaveStatus>(a.body); });
    REQUIRE(first_send != p.actions.end());
    REQUIRE(first_save != p.actions.end());
    CHECK(first_save < first_send);
    // What it saved already carries an epoch at least as high as the one the agents are then told.
    const auto epoch_sent = std::get<SendStatus>(first_send->body).status.epoch;
    REQUIRE_FALSE(t.saved.empty());
    const auto at = t.saved.front().find(" epoch=");
    REQUIRE(at != std::string::npos);
    INFO(t.saved.front() << " sent epoch " << epoch_sent);
    CHECK(std::stoull(t.saved.front().substr(at + 7)) >= epoch_sent);
}
