// What the HTTP endpoint shows (issue 13): the status view, "why" per exclusive role, the Prometheus text and the
// status JSON, from the core's state (no sockets).
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}
}  // namespace

TEST_CASE("observe: a healthy cluster: writer on db1, why says so, one writer holder in the metrics",
          "[monitor][observe]") {
    Harness t(fast_checks());
    settle(t);
    const StatusView v = t.core.status_view();
    CHECK(v.started);
    REQUIRE(v.active_master);
    CHECK(*v.active_master == "db1");
    REQUIRE(v.why.size() == 1);
    CHECK(v.why[0].role == "writer");
    CHECK(v.why[0].holder == std::optional<std::string>("db1"));
    CHECK(v.why[0].text == "'db1' holds it and is ONLINE.");
    CHECK(v.why[0].blocked.empty());
    CHECK(why_text(v) == "writer: 'db1' holds it and is ONLINE.\n");

    ServiceStats stats;
    stats.check_durations[static_cast<std::size_t>(CheckKind::Mysql)].add(0.003);
    stats.check_durations[static_cast<std::size_t>(CheckKind::Mysql)].add(0.2);
    stats.hosts["db2"].lag_seconds = 3;
    stats.hosts["db1"].read_only = false;
    stats.hosts["db1"].agent_contact = t.now.wall - std::chrono::seconds(2);
    const std::string m = render_metrics(v, stats, t.now.wall);
    CHECK(has_line(m, "mmm_writer_holders 1"));
    CHECK(has_line(m, "mmm_writable_hosts 1"));
    ServiceStats split = stats;  // two servers say read_only=0: what the metric is for
    split.hosts["db2"].read_only = false;
    split.hosts["db3"].read_only = std::nullopt;  // not read (its server did not answer): not counted
    CHECK(has_line(render_metrics(v, split, t.now.wall), "mmm_writable_hosts 2"));
    CHECK(has_line(m, "mmm_mode{mode=\"ACTIVE\"} 1"));
    CHECK(has_line(m, "mmm_mode{mode=\"PASSIVE\"} 0"));
    CHECK(has_line(m, "mmm_host_state{host=\"db1\",state=\"ONLINE\"} 1"));
    CHECK(has_line(m, "mmm_host_state{host=\"db1\",state=\"HARD_OFFLINE\"} 0"));
    CHECK(has_line(m, "mmm_check_ok{host=\"db3\",check=\"rep_backlog\"} 1"));
    CHECK(has_line(m, "mmm_role_holder{role=\"writer\",ip=\"192.168.0.50\",host=\"db1\"} 1"));
    CHECK(has_line(m, "mmm_replication_lag_seconds{host=\"db2\"} 3"));
    CHECK(has_line(m, "mmm_host_read_only{host=\"db1\"} 0"));
    CHECK(has_line(m, "mmm_agent_last_contact_seconds{host=\"db1\"} 2"));
    CHECK(has_line(m, "mmm_check_duration_seconds_bucket{check=\"mysql\",le=\"0.005\"} 1"));
    CHECK(has_line(m, "mmm_check_duration_seconds_bucket{check=\"mysql\",le=\"0.25\"} 2"));
    CHECK(has_line(m, "mmm_check_duration_seconds_bucket{check=\"mysql\",le=\"+Inf\"} 2"));
    CHECK(has_line(m, "mmm_check_duration_seconds_count{check=\"mysql\"} 2"));
    CHECK(has_line(m, "# TYPE mmm_check_duration_seconds histogram"));
    CHECK(m.find("mmm_failover_blocked{") == std::string::npos);
    CHECK(m.find("mmm_replication_lag_seconds{host=\"db3\"}") == std::string::npos);  // not known: absent

    const auto j = status_json(v, stats);
    CHECK(j["active_master"] == "db1");
    REQUIRE(j["hosts"].size() == 3);
    CHECK(j["hosts"][0]["name"] == "db1");
    CHECK(j["hosts"][0]["state"] == "ONLINE");
    CHECK(j["hosts"][0]["checks"]["mysql"]["ok"] == true);
    CHECK(j["hosts"][0]["read_only"] == false);
    CHECK(j["hosts"][2]["read_only"].is_null());
    CHECK(j["hosts"][1]["replication_lag_seconds"] == 3);
    CHECK(j["roles"][0]["name"] == "writer");
    CHECK(j["roles"][0]["ips"][0]["host"] == "db1");
    CHECK(j["why"][0]["holder"] == "db1");
}

TEST_CASE("observe: why names what blocks a failover: no candidate, then MANUAL mode", "[monitor][observe]") {
    Harness t(fast_checks());
    settle(t);
    t.fail("db2", CheckKind::RepThreads);  // db2 REPLICATION_FAIL
    REQUIRE(t.state("db2") == "REPLICATION_FAIL");
    t.fail("db1", CheckKind::Mysql);  // db1 HARD_OFFLINE: nobody can take the writer
    REQUIRE(t.state("db1") == "HARD_OFFLINE");
    StatusView v = t.core.status_view();
    CHECK_FALSE(v.active_master);
    REQUIRE(v.why.size() == 1);
    CHECK_FALSE(v.why[0].holder);
    CHECK(v.why[0].blocked == std::vector<std::string>{"no_candidate"});
    CHECK(v.why[0].text == "Nobody holds it. No candidate: 'db1' HARD_OFFLINE; 'db2' REPLICATION_FAIL.");
    const std::string m = render_metrics(v, ServiceStats{}, t.now.wall);
    CHECK(has_line(m, "mmm_writer_holders 0"));
    CHECK(has_line(m, "mmm_failover_blocked{role=\"writer\",reason=\"no_candidate\"} 1"));

    t.command("set_manual");
    v = t.core.status_view();
    CHECK(v.why[0].blocked == std::vector<std::string>{"manual_mode", "no_candidate"});
    CHECK(v.why[0].text.find("The monitor is in MANUAL mode: it moves no role by itself") != std::string::npos);
    t.command("why");
    CHECK(t.reply == why_text(v));
}

TEST_CASE("observe: Prometheus label values are escaped", "[monitor][observe]") {
    StatusView v;
    StatusView::Why w;
    w.role = "wri\"ter\\";
    w.blocked = {"a\nb"};
    v.why.push_back(w);
    const std::string m = render_metrics(v, ServiceStats{}, WallTime{});
    CHECK(has_line(m, "mmm_failover_blocked{role=\"wri\\\"ter\\\\\",reason=\"a\\nb\"} 1"));
}

TEST_CASE("observe: a failover is counted with its phases, in the metrics and the status JSON", "[monitor][observe]") {
    Harness t(cluster_config());  // mysql trap period 10 s
    settle(t);
    CHECK(t.core.status_view().writer_moves.empty());  // the first writer since start is no move
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    t.advance(10s);
    t.check("db1", CheckKind::Mysql, CheckOutcome::Error, "ERROR: x");
    REQUIRE(t.core.active_master() == "db2");
    t.heartbeat();  // db2's agent confirms
    const StatusView v = t.core.status_view();
    REQUIRE(v.active_master == std::optional<std::string>("db2"));
    REQUIRE(v.writer_moves.size() == 1);
    const auto& m = v.writer_moves[0];
    CHECK(m.type == "failover");
    CHECK(m.result == "ok");
    CHECK(m.from == "db1");
    CHECK(m.to == "db2");
    REQUIRE(m.detect_and_fence_seconds);
    CHECK(*m.detect_and_fence_seconds == Approx(10.0).margin(0.5));
    REQUIRE(m.promote_seconds);
    CHECK(*m.promote_seconds >= 0);
    const std::string text = render_metrics(v, ServiceStats{}, t.now.wall);
    CHECK(has_line(text, "mmm_failovers_total{type=\"failover\",result=\"ok\"} 1"));
    CHECK(has_line(text, "mmm_failovers_total{type=\"switch\",result=\"ok\"} 0"));
    CHECK(text.find("mmm_failover_phase_seconds{phase=\"detect_and_fence\"} 10") != std::string::npos);
    const auto j = status_json(v, ServiceStats{});
    REQUIRE(j["writer_moves"].size() == 1);
    CHECK(j["writer_moves"][0]["to"] == "db2");
}

TEST_CASE("observe: move_role is counted as a switch", "[monitor][observe]") {
    Harness t(fast_checks());
    settle(t);
    t.command("set_manual");
    t.command("move_role writer db2");
    t.heartbeat();
    const StatusView v = t.core.status_view();
    REQUIRE(v.writer_moves.size() == 1);
    CHECK(v.writer_moves[0].type == "switch");
    CHECK(v.writer_moves[0].from == "db1");
    CHECK_FALSE(v.writer_moves[0].detect_and_fence_seconds);
    CHECK(has_line(render_metrics(v, ServiceStats{}, t.now.wall), "mmm_failovers_total{type=\"switch\",result=\"ok\"} 1"));
}

TEST_CASE("observe: show, checks, mode and why with --json answer with data (mmm_control --json)", "[monitor][observe]") {
    Harness t(fast_checks());
    settle(t);
    t.command("show --json");
    const auto show = nlohmann::json::parse(t.reply.value());
    CHECK(show["mode_passive"] == false);
    REQUIRE(show["hosts"].size() == 3);
    CHECK(show["hosts"][0] == nlohmann::json{{"name", "db1"},
                                             {"ip", "192.168.0.31"},
                                             {"mode", "master"},
                                             {"state", "ONLINE"},
                                             {"roles", show["hosts"][0]["roles"]},
                                             {"agent_reachable", true}});
    CHECK(show["hosts"][0]["roles"].size() >= 1);
    CHECK(show["notes"] == nlohmann::json::array());  // no preferred hosts in this config
    t.command("checks db2 mysql --json");
    const auto one = nlohmann::json::parse(t.reply.value());
    REQUIRE(one.size() == 1);
    CHECK(one[0]["host"] == "db2");
    CHECK(one[0]["check"] == "mysql");
    CHECK(one[0]["ok"] == true);
    t.command("checks --json");
    CHECK(nlohmann::json::parse(t.reply.value()).size() == 12);
    t.command("checks db9 --json");
    CHECK(nlohmann::json::parse(t.reply.value()) == nlohmann::json{{"error", "ERROR: Unknown host name 'db9'!"}});
    t.command("mode --json");
    CHECK(nlohmann::json::parse(t.reply.value()) == nlohmann::json{{"mode", "ACTIVE"}});
    t.command("why --json");
    CHECK(nlohmann::json::parse(t.reply.value())[0]["holder"] == "db1");
    t.command("set_online db1 --json");  // changing commands take no --json
    CHECK(t.reply.value().starts_with("Invalid command"));
}

TEST_CASE("observe: /api/status says whom each host replicates from, as the rep_threads check read it",
          "[monitor][observe]") {
    Harness t(fast_checks());
    settle(t);
    const auto& hosts = t.core.config().hosts;
    ServiceStats stats;
    const auto source = [](std::string host, std::uint16_t port, std::string io, std::string gtid) {
        return std::optional<ReplicaSource>(ReplicaSource{std::move(host), port, std::move(io), "Yes", std::move(gtid)});
    };
    // db1 from its peer db2 by address, db2 from db1 by name, db3 from an address no host has, db3's port differs.
    stats.replica_status_read("db1", source("192.168.0.32", 3306, "Yes", "0-2-17"), hosts);
    stats.replica_status_read("db2", source("db1", 3306, "Connecting", ""), hosts);
    stats.replica_status_read("db3", source("192.168.0.31", 3307, "No", ""), hosts);
    auto j = status_json(t.core.status_view(), stats);
    CHECK(j["hosts"][0]["replication"] ==
          nlohmann::json{{"source", "db2"}, {"io_running", "Yes"}, {"sql_running", "Yes"}, {"gtid_io_pos", "0-2-17"}});
    CHECK(j["hosts"][0]["replication_known"] == true);
    CHECK(j["hosts"][1]["replication"]["source"] == "db1");
    CHECK(j["hosts"][1]["replication"]["io_running"] == "Connecting");
    CHECK(j["hosts"][2]["replication"]["source"] == "192.168.0.31");  // not db1's port: the raw address
    CHECK(j["hosts"][2]["replication"]["io_running"] == "No");

    // db1 replicates from nobody; db3 could not be read: both null, told apart by replication_known.
    stats.replica_status_read("db1", std::optional<ReplicaSource>(), hosts);
    stats.replica_status_read("db3", fail("UNKNOWN: Connect error"), hosts);
    j = status_json(t.core.status_view(), stats);
    CHECK(j["hosts"][0]["replication"].is_null());
    CHECK(j["hosts"][0]["replication_known"] == true);
    CHECK(j["hosts"][2]["replication"].is_null());
    CHECK(j["hosts"][2]["replication_known"] == false);
    // Never read: not known.
    j = status_json(t.core.status_view(), ServiceStats{});
    CHECK(j["hosts"][1]["replication"].is_null());
    CHECK(j["hosts"][1]["replication_known"] == false);
}

TEST_CASE("observe: semi-sync in /metrics and /api/status where the rep_threads check read it, its fallback flagged",
          "[monitor][observe][semisync]") {
    Harness t(fast_checks());
    settle(t);
    t.run(t.core.on_semisync("db1", SemiSyncStatus{true, true, 2, false, false}, t.now));
    t.run(t.core.on_semisync("db2", SemiSyncStatus{false, false, 0, true, true}, t.now));
    auto m = render_metrics(t.core.status_view(), ServiceStats{}, t.now.wall);
    CHECK(has_line(m, "mmm_semisync_master_enabled{host=\"db1\"} 1"));
    CHECK(has_line(m, "mmm_semisync_master_on{host=\"db1\"} 1"));
    CHECK(has_line(m, "mmm_semisync_master_clients{host=\"db1\"} 2"));
    CHECK(has_line(m, "mmm_semisync_fell_back{host=\"db1\"} 0"));
    CHECK(has_line(m, "mmm_semisync_replica_enabled{host=\"db2\"} 1"));
    CHECK(has_line(m, "mmm_semisync_replica_on{host=\"db2\"} 1"));
    CHECK(m.find("mmm_semisync_master_enabled{host=\"db3\"}") == std::string::npos);  // never read: absent
    // db1's master side falls back to asynchronous: no replica acknowledges any more.
    t.run(t.core.on_semisync("db1", SemiSyncStatus{true, false, 0, false, false}, t.now));
    m = render_metrics(t.core.status_view(), ServiceStats{}, t.now.wall);
    CHECK(has_line(m, "mmm_semisync_fell_back{host=\"db1\"} 1"));
    CHECK(has_line(m, "mmm_semisync_master_clients{host=\"db1\"} 0"));
    const auto j = status_json(t.core.status_view(), ServiceStats{});
    CHECK(j["hosts"][0]["semisync"] == nlohmann::json{{"master_enabled", true},
                                                      {"master_on", false},
                                                      {"master_clients", 0},
                                                      {"replica_enabled", false},
                                                      {"replica_on", false}});
    CHECK(j["hosts"][2]["semisync"].is_null());
}
